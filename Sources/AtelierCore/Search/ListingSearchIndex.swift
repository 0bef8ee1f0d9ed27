import Foundation

/// Where search looks for listings: the in-memory `CatalogIndex` that every process keeps in step
/// with the database (SQLite), or the database itself, whose pgvector indexes need no copy in any
/// process (PostgreSQL).
public protocol ListingSearchIndex: Sendable {
    /// True once searches see every listing (the readiness probe waits for it).
    var isLoaded: Bool { get }
    /// True while an in-process vector index builds its search graph (searches are exact, so
    /// slower, meanwhile); never on PostgreSQL, whose index is built by the database.
    var isBuildingGraph: Bool { get }
    /// Catches up with the database; nothing to do where the database is the index.
    func refresh() async throws
    /// How many live listings search can find.
    func countListings() async throws -> Int
    /// Whether vectors of `space` can be searched (a model for it is installed).
    func searches(_ space: VectorSpace) -> Bool
    /// The `limit` live listings nearest to `vector` that pass `filters`, `excluding` one: never
    /// fewer than min(limit, listings passing). Scores are cosine similarities, best first.
    func nearest(_ vector: [Float], in space: VectorSpace, filters: SearchFilters, excluding: String?,
                 limit: Int) async throws -> [(listingID: String, score: Float)]
    /// Full-text matches among live listings passing `filters`, best first.
    func keywordMatches(_ query: String, filters: SearchFilters, limit: Int) async throws -> [String]
}

extension CatalogIndex: ListingSearchIndex {
    public var isBuildingGraph: Bool { images?.isBuildingGraph == true || texts?.isBuildingGraph == true }

    public func countListings() async throws -> Int { listingCount }

    public func searches(_ space: VectorSpace) -> Bool {
        (space == .image ? images : texts) != nil
    }

    public func nearest(_ vector: [Float], in space: VectorSpace, filters: SearchFilters, excluding: String?,
                        limit: Int) async throws -> [(listingID: String, score: Float)] {
        guard let index = space == .image ? images : texts else { return [] }
        let pass = filter(filters)
        guard let excluded = excluding.flatMap(UUID.init(uuidString:)) else { return index.search(vector, limit: limit, where: pass) }
        return index.search(vector, limit: limit, where: { @Sendable key in key != excluded && pass(key) })
    }

    /// The store's matches filtered here after the fact, so it asks for plenty.
    public func keywordMatches(_ query: String, filters: SearchFilters, limit: Int) async throws -> [String] {
        let pass = filter(filters)
        return Array(try await store.keywordMatches(query, limit: 1000).filter { UUID(uuidString: $0).map(pass) ?? false }.prefix(limit))
    }
}
