import Foundation

/// What importing one draft did.
public enum UpsertOutcome: String, Sendable {
    case created, updated, unchanged
}

/// Listings in the database.
public protocol ListingStore: Sendable {
    /// Inserts or updates by (marketplace, external id); a changed image list sends the listing back
    /// to `pending`, and a removed listing that reappears is restored.
    func upsert(_ draft: ListingDraft, now: Date) async throws -> (Listing, UpsertOutcome)
    /// Marks removed every listing of `marketplace` not seen since `cutoff` (a full feed's start).
    func markRemoved(marketplace: String, notSeenSince cutoff: Date) async throws -> Int
    func listing(id: String) async throws -> Listing?
    func listings(ids: [String]) async throws -> [Listing]
    func pendingImages(limit: Int) async throws -> [Listing]
    /// Records a fetched image (with its vectors) or why it failed.
    func recordImage(listingID: String, outcome: ListingImageOutcome) async throws
    /// Listings with no vector in `space` (`.missing`), or one made by another model (`.olderModel`).
    func needingVectors(space: VectorSpace, model: String, _ need: VectorNeed, limit: Int) async throws -> [Listing]
    /// How many live listings have a vector in `space` made by another model than `model`.
    func countOlderVectors(space: VectorSpace, model: String) async throws -> Int
    func saveVectors(_ vectors: [ListingVector]) async throws
    func vector(listingID: String, space: VectorSpace) async throws -> [Float]?
    /// The newest listing and vector revisions: while both stand still, no listing can have come
    /// to need a photo or a vector (the catalogue's background work checks this before scanning).
    func latestRevisions() async throws -> CatalogRevisions
    /// Changes after `revision`, oldest first: what the in-memory search index applies.
    func changes(after revision: Int64, limit: Int) async throws -> [ListingChange]
    func vectors(space: VectorSpace, model: String, after revision: Int64, limit: Int) async throws -> [ListingVector]
    /// Full-text matches, best first.
    func keywordMatches(_ query: String, limit: Int) async throws -> [String]
}

public struct CatalogRevisions: Sendable, Equatable {
    public let listings: Int64
    public let vectors: Int64

    public init(listings: Int64, vectors: Int64) {
        self.listings = listings
        self.vectors = vectors
    }
}

public enum VectorSpace: String, Sendable, CaseIterable {
    case image, text
}

/// Why a listing needs a vector: it has none yet, or an older model made the one it has.
public enum VectorNeed: Sendable {
    case missing, olderModel
}

public struct ListingVector: Sendable {
    public let listingID: String
    public let space: VectorSpace
    public let model: String
    public let values: [Float]
    public var revision: Int64

    public init(listingID: String, space: VectorSpace, model: String, values: [Float], revision: Int64 = 0) {
        self.listingID = listingID
        self.space = space
        self.model = model
        self.values = values
        self.revision = revision
    }
}

public enum ListingImageOutcome: Sendable {
    case stored(mediaID: String, vector: ListingVector)
    case failed(String)
}

/// One listing's searchable facts after a change; `removed` listings leave the index.
public struct ListingChange: Sendable {
    public let id: String
    public let facets: ListingFacets
    public let removed: Bool
    public let revision: Int64

    public init(id: String, facets: ListingFacets, removed: Bool, revision: Int64) {
        self.id = id
        self.facets = facets
        self.removed = removed
        self.revision = revision
    }
}

/// Where listing photos come from: http(s) or file:// urls.
public protocol ImageDownloader: Sendable {
    func download(_ url: URL, maxBytes: Int) async throws -> Data
}
