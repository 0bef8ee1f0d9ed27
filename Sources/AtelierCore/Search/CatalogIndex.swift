import Foundation

/// The in-memory side of search: every live listing's facets (for filters) and its vectors, kept
/// in step with the database by revision, so imports from any process show up here.
public final class CatalogIndex: @unchecked Sendable {
    public let images: (any ListingVectorIndex)?
    public let texts: (any ListingVectorIndex)?
    let store: any ListingStore
    private let imageModel: String?
    private let textModel: String?
    private let lock = NSLock()
    /// By the listing id's UUID: the vector indexes ask about every candidate by its UUID key,
    /// and a UUID hashes far faster than (and takes no heap like) its 36-character string.
    private var facets: [UUID: ListingFacets] = [:]
    private var listingRevision: Int64 = 0
    private var loaded = false
    /// One refresh at a time; searches never wait for it.
    private let refreshing = KeyedLock()

    public init(store: any ListingStore, images: (any ListingVectorIndex)?, imageModel: String?,
                texts: (any ListingVectorIndex)?, textModel: String?) {
        self.store = store
        self.images = images
        self.texts = texts
        self.imageModel = imageModel
        self.textModel = textModel
    }

    /// True once a refresh has caught up with the database (a process is ready for searches).
    public var isLoaded: Bool { lock.withLock { loaded } }

    /// How many live listings the index knows.
    public var listingCount: Int { lock.withLock { facets.count } }

    /// A filter over listing keys for the vector indexes: removed and unknown listings never pass.
    public func filter(_ filters: SearchFilters) -> @Sendable (UUID) -> Bool {
        let snapshot = lock.withLock { facets }
        return { key in snapshot[key].map(filters.matches) ?? false }
    }

    /// Applies every change since the last refresh, in pages.
    public func refresh() async throws {
        try await refreshing.withLock("refresh") {
            while true {
                let after = lock.withLock { listingRevision }
                let changes = try await store.changes(after: after, limit: 5000)
                guard let last = changes.last else { break }
                var gone: [String] = []
                lock.withLock {
                    for change in changes {
                        // Listing ids are UUIDs (`Identifier.make`); anything else could not be indexed.
                        guard let key = UUID(uuidString: change.id) else { continue }
                        if change.removed { facets[key] = nil; gone.append(change.id) } else { facets[key] = change.facets }
                    }
                    listingRevision = last.revision
                }
                for id in gone {
                    try images?.remove(id)
                    try texts?.remove(id)
                }
            }
            try await follow(.image, model: imageModel, into: images)
            try await follow(.text, model: textModel, into: texts)
            lock.withLock { loaded = true }
        }
    }

    private func follow(_ space: VectorSpace, model: String?, into index: (any ListingVectorIndex)?) async throws {
        guard let model, let index else { return }
        while true {
            let vectors = try await store.vectors(space: space, model: model, after: index.appliedRevision, limit: 5000)
            guard !vectors.isEmpty else { return }
            try index.apply(vectors)
        }
    }
}
