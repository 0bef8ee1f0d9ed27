import AtelierCore
import Foundation
import SQLKit

/// Search on PostgreSQL: pgvector's HNSW indexes (migration 8) and the listing filters in one
/// query, so every API process searches the one catalogue with no copy of it in memory and
/// nothing to follow: a vector is searchable once its transaction commits.
public struct PostgresListingIndex: ListingSearchIndex {
    /// pgvector's own default: an iterative scan gives up after looking at this many vectors.
    public static let defaultMaxScanTuples = 20_000
    /// `hnsw.ef_search` as pgvector accepts it.
    public static let efSearchRange = 1...1000

    let database: any Database
    let models: [VectorSpace: String]
    let efSearch: Int
    let maxScanTuples: Int
    let folding = FilterFolding()

    /// Vectors of `imageModel` / `textModel` only (nil: that space is not searchable): a catalogue
    /// half re-embedded with a new model never mixes the two.
    public init(database: any Database, imageModel: String?, textModel: String?, efSearch: Int,
                maxScanTuples: Int = defaultMaxScanTuples) {
        self.database = database
        var models: [VectorSpace: String] = [:]
        models[.image] = imageModel
        models[.text] = textModel
        self.models = models
        self.efSearch = min(max(efSearch, Self.efSearchRange.lowerBound), Self.efSearchRange.upperBound)
        self.maxScanTuples = max(1, maxScanTuples)
    }

    public var isLoaded: Bool { true }
    public var isBuildingGraph: Bool { false }

    public func refresh() async throws {}

    public func countListings() async throws -> Int {
        try await database.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM listings WHERE removed = 0").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func searches(_ space: VectorSpace) -> Bool { models[space] != nil }

    public func nearest(_ vector: [Float], in space: VectorSpace, filters: SearchFilters, excluding: String?,
                        limit: Int) async throws -> [(listingID: String, score: Float)] {
        guard let model = models[space], limit > 0, PGVector.fits(vector) else { return [] }
        let (efSearch, maxScanTuples, folding) = (efSearch, maxScanTuples, folding)
        return try await database.transaction { db in
            let search = Search(query: PGVector.literal(vector), space: space, model: model, filters: filters,
                                folding: try await folding.collation(db), excluding: excluding, limit: limit)
            // Iterative index scans (pgvector 0.8): when filters drop what the graph walk found,
            // it walks on, in distance order, until `limit` rows pass or it has looked at
            // max_scan_tuples vectors. SET LOCAL: the settings end with the transaction.
            try await db.raw("""
                SELECT set_config('hnsw.ef_search', \(bind: String(efSearch)), true),
                       set_config('hnsw.iterative_scan', 'strict_order', true),
                       set_config('hnsw.max_scan_tuples', \(bind: String(maxScanTuples)), true)
                """).run()
            let found = try await search.run(db, exact: false)
            if found.count == limit { return found }
            // Short: fewer listings pass than asked for, or the filters are so selective that
            // the scan gave up first. Exact search over the listings that pass settles it.
            return try await search.run(db, exact: true)
        }
    }

    public func keywordMatches(_ query: String, filters: SearchFilters, limit: Int) async throws -> [String] {
        guard SQLListingStore.ftsQuery(query) != nil else { return [] }
        let folding = folding
        return try await database.read { db in
            try await db.raw("""
                SELECT l.id FROM listings l, websearch_to_tsquery('simple', \(bind: SQLListingStore.tsQuery(query))) q
                WHERE l.search_text @@ q AND l.removed = 0 \(ListingFilterSQL.conditions(filters, folding: try await folding.collation(db)))
                ORDER BY ts_rank(l.search_text, q) DESC, l.id LIMIT \(bind: limit)
                """).all().map { try $0.decode(column: "id", as: String.self) }
        }
    }

    /// One nearest-neighbour query.
    struct Search: Sendable {
        let query: String
        let space: VectorSpace
        let model: String
        let filters: SearchFilters
        let folding: String?
        let excluding: String?
        let limit: Int

        /// Approximate: ORDER BY the distance itself, which the space's partial HNSW index
        /// serves (the space is a literal, so the planner can prove the index's predicate).
        /// Exact: ORDER BY an expression no index serves, so PostgreSQL computes the distance of
        /// every row that passes the filters and keeps the best. Scores: cosine similarity,
        /// 1 − cosine distance, as the in-memory index reports.
        func run(_ db: any SQLDatabase, exact: Bool) async throws -> [(listingID: String, score: Float)] {
            let distance: SQLQueryString = exact ? "(v.embedding <=> CAST(\(bind: query) AS vector)) + 0" : "v.embedding <=> CAST(\(bind: query) AS vector)"
            var excluded: SQLQueryString = ""
            if let excluding { excluded = "AND v.listing_id <> \(bind: excluding)" }
            return try await db.raw("""
                SELECT v.listing_id, \(distance) AS distance
                FROM listing_vectors v JOIN listings l ON l.id = v.listing_id
                WHERE v.space = '\(unsafeRaw: space.rawValue)' AND v.model = \(bind: model) AND v.embedding IS NOT NULL
                    AND l.removed = 0 \(excluded) \(ListingFilterSQL.conditions(filters, folding: folding))
                ORDER BY distance LIMIT \(bind: limit)
                """).all().map { row -> (listingID: String, score: Float) in
                    let distance = try row.decode(column: "distance", as: Double.self)
                    return (try row.decode(column: "listing_id", as: String.self), Float(1 - distance))
                }
        }
    }
}
