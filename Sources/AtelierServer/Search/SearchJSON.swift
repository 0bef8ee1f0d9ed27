import AtelierCore
import Foundation

/// A listing as search results and `GET /listings/{id}` show it (SPEC: price in major units).
struct ListingJSON: Encodable, Sendable {
    /// Nil fields as null: the document marks them required and nullable.
    func encode(to encoder: any Encoder) throws { try encodeWithNulls(to: encoder) }

    let id: String
    let marketplace: String
    let externalId: String
    let title: String
    let description: String?
    let brand: String?
    let category: String?
    let size: String?
    let condition: String?
    let price: String
    let currency: String
    let url: String?
    let deepLink: String?
    let seller: String?
    /// The stored photo (signed display variant), else the marketplace's own image url.
    let imageUrl: String?
    let thumbUrl: String?
    let imageState: String
    let imageError: String?
    let removed: Bool
    let firstSeen: Date
    let lastSeen: Date

    init(_ listing: Listing, links: MediaLinks) {
        let draft = listing.draft
        id = listing.id
        marketplace = draft.marketplace
        externalId = draft.externalID
        title = draft.title
        description = draft.description
        brand = draft.brand
        category = draft.category
        size = draft.size
        condition = draft.condition
        price = Money.decimalString(draft.priceMinor, currency: draft.currency)
        currency = draft.currency
        url = draft.url?.absoluteString
        deepLink = draft.deepLink?.absoluteString
        seller = draft.seller
        imageUrl = listing.mediaID.map { links.url(asset: $0, variant: .display) } ?? draft.imageURLs.first?.absoluteString
        thumbUrl = listing.mediaID.map { links.url(asset: $0, variant: .thumb) }
        imageState = listing.imageState.rawValue
        imageError = listing.imageError
        removed = listing.removed
        firstSeen = listing.firstSeen
        lastSeen = listing.lastSeen
    }
}

struct SearchHitJSON: Encodable, Sendable {
    let listing: ListingJSON
    let score: Double
}

/// `meta` of a search: the usual request id plus where the time went.
struct SearchEnvelope: Encodable, Sendable {
    struct Meta: Encodable, Sendable {
        let requestId: String
        let timingMs: [String: Double]
    }

    let data: [SearchHitJSON]
    let meta: Meta

    init(_ results: SearchResults, links: MediaLinks, requestID: String, total: Duration) {
        data = results.hits.map { SearchHitJSON(listing: ListingJSON($0.listing, links: links), score: ($0.score * 10000).rounded() / 10000) }
        var timing = results.timing.mapValues { ($0 * 100).rounded() / 100 }
        timing["total"] = (total.milliseconds * 100).rounded() / 100
        meta = Meta(requestId: requestID, timingMs: timing)
    }
}

struct IngestionRunJSON: Encodable, Sendable {
    /// Nil fields as null: the document marks them required and nullable.
    func encode(to encoder: any Encoder) throws { try encodeWithNulls(to: encoder) }

    let id: String
    let kind: String
    let source: String
    let state: String
    let created: Int
    let updated: Int
    let unchanged: Int
    let removed: Int
    let failed: Int
    let errors: [String]
    let startedAt: Date
    let finishedAt: Date?
    let jobId: String?

    init(_ run: IngestionRun) {
        id = run.id
        kind = run.kind
        source = run.source
        state = run.state.rawValue
        created = run.created
        updated = run.updated
        unchanged = run.unchanged
        removed = run.removed
        failed = run.failed
        errors = run.errors
        startedAt = run.startedAt
        finishedAt = run.finishedAt
        jobId = run.jobID
    }
}
