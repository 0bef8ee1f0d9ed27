import Foundation

public struct SearchHit: Sendable {
    public let listing: Listing
    /// 0…1, higher is closer.
    public let score: Double
}

public struct SearchResults: Sendable {
    public let hits: [SearchHit]
    /// Milliseconds per stage (decode, embed, search, fetch, …), for `meta.timing_ms`.
    public var timing: [String: Double]
}

/// Find this fit: listings like a photo, like a text, or like another listing.
public struct SearchService: Sendable {
    public static let limits = 1...100
    let listings: any ListingStore
    let index: any ListingSearchIndex
    let photos: (any PhotoEmbedder)?
    let texts: (any TextEmbedder)?

    public init(listings: any ListingStore, index: any ListingSearchIndex, photos: (any PhotoEmbedder)?, texts: (any TextEmbedder)?) {
        self.listings = listings
        self.index = index
        self.photos = photos
        self.texts = texts
    }

    public func similar(toPhoto photo: Data, filters: SearchFilters, limit: Int) async throws -> SearchResults {
        guard let photos, index.searches(.image) else { throw AtelierError.modelUnavailable("image embedding") }
        let (limit, filters) = (try Self.checked(limit), try filters.validated())
        let embedding = try await photos.embed(photo)
        let started = ContinuousClock.now
        let found = try await index.nearest(embedding.vector, in: .image, filters: filters, excluding: nil, limit: limit)
        let searched = ContinuousClock.now - started
        var results = try await hits(found.map { ($0.listingID, Double($0.score)) })
        results.timing["decode"] = embedding.decodeSeconds * 1000
        results.timing["embed"] = embedding.embedSeconds * 1000
        results.timing["search"] = searched.milliseconds
        return results
    }

    /// Listings that look like `listingID` (by its photo), itself excluded.
    public func similar(toListing listingID: String, filters: SearchFilters, limit: Int) async throws -> SearchResults {
        guard let listing = try await listings.listing(id: listingID), !listing.removed else {
            throw AtelierError.notFound("LISTING_NOT_FOUND", "No such listing.")
        }
        guard index.searches(.image), let vector = try await storedVector(of: listing.id) else {
            throw AtelierError(status: 409, code: "LISTING_NOT_EMBEDDED", message: "This listing's photo is not indexed yet.")
        }
        let started = ContinuousClock.now
        let found = try await index.nearest(vector, in: .image, filters: try filters.validated(), excluding: listingID,
                                            limit: try Self.checked(limit))
        var results = try await hits(found.map { ($0.listingID, Double($0.score)) })
        results.timing["search"] = (ContinuousClock.now - started).milliseconds
        return results
    }

    /// Keyword matches and text-vector neighbours, fused by reciprocal rank.
    public func matching(text query: String, filters: SearchFilters, limit: Int) async throws -> SearchResults {
        // The limit counts code points of q as sent, as the OpenAPI maxLength does; trimming comes after.
        guard query.unicodeScalars.count <= 500 else { throw AtelierError.validation("q must be 1–500 characters.", field: "q") }
        let query = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty else { throw AtelierError.validation("q must be 1–500 characters.", field: "q") }
        let limit = try Self.checked(limit)
        let filters = try filters.validated()
        let started = ContinuousClock.now
        let keyword = try await index.keywordMatches(query, filters: filters, limit: limit * 2)
        let keywordTime = ContinuousClock.now - started
        var semantic: [String] = []
        var embedTime = Duration.zero
        if let texts, index.searches(.text) {
            let embedStart = ContinuousClock.now
            if let vector = try await texts.embed([query]).first {
                embedTime = ContinuousClock.now - embedStart
                semantic = try await index.nearest(vector, in: .text, filters: filters, excluding: nil, limit: limit * 2).map(\.listingID)
            }
        }
        let fused = Self.reciprocalRankFusion([keyword, semantic], limit: limit)
        var results = try await hits(fused)
        results.timing["keyword"] = keywordTime.milliseconds
        results.timing["embed"] = embedTime.milliseconds
        return results
    }

    /// RRF with k = 60; scores divided by the best possible so they fall in 0…1.
    static func reciprocalRankFusion(_ rankings: [[String]], limit: Int) -> [(String, Double)] {
        var scores: [String: Double] = [:]
        for ranking in rankings {
            for (rank, id) in ranking.enumerated() { scores[id, default: 0] += 1 / Double(61 + rank) }
        }
        let best = Double(rankings.filter { !$0.isEmpty }.count) / 61
        return scores.sorted { $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value }
            .prefix(limit).map { ($0.key, best > 0 ? $0.value / best : 0) }
    }

    private func storedVector(of listingID: String) async throws -> [Float]? {
        try await listings.vector(listingID: listingID, space: .image)
    }

    private func hits(_ ranked: [(String, Double)]) async throws -> SearchResults {
        let started = ContinuousClock.now
        let byID = Dictionary(try await listings.listings(ids: ranked.map(\.0)).map { ($0.id, $0) }) { first, _ in first }
        let hits = ranked.compactMap { id, score in
            byID[id].flatMap { $0.removed ? nil : SearchHit(listing: $0, score: min(1, max(0, score))) }
        }
        return SearchResults(hits: hits, timing: ["fetch": (ContinuousClock.now - started).milliseconds])
    }

    private static func checked(_ limit: Int) throws -> Int {
        guard limits.contains(limit) else { throw AtelierError.validation("limit must be 1–100.", field: "limit") }
        return limit
    }
}
