import Foundation

/// A stored marketplace listing: the draft a feed or page gave, plus what Atelier made of it.
public struct Listing: Sendable, Equatable {
    public enum ImageState: String, Sendable {
        /// Not fetched yet (new, or its image urls changed).
        case pending
        /// Fetched, stored as media and embedded.
        case ready
        /// Fetching or decoding failed; `imageError` says why. The listing is kept.
        case failed
    }

    public let id: String
    public var draft: ListingDraft
    public var mediaID: String?
    public var imageState: ImageState
    public var imageError: String?
    public var firstSeen: Date
    public var lastSeen: Date
    public var removed: Bool
    /// Grows with every change; the search index follows listings by it.
    public var revision: Int64

    public init(id: String, draft: ListingDraft, mediaID: String?, imageState: ImageState, imageError: String?,
                firstSeen: Date, lastSeen: Date, removed: Bool, revision: Int64) {
        self.id = id
        self.draft = draft
        self.mediaID = mediaID
        self.imageState = imageState
        self.imageError = imageError
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.removed = removed
        self.revision = revision
    }

    /// What the text encoder and keyword search read.
    public var searchableText: String {
        [draft.title, draft.brand, draft.description].compactMap { $0 }.joined(separator: ". ")
    }
}

extension Money {
    /// Minor units as a decimal string in major units: 2400 EUR → "24.00", 2400 JPY → "2400".
    public static func decimalString(_ minor: Int64, currency: String) -> String {
        let exponent = exponent(of: currency)
        guard exponent > 0 else { return String(minor) }
        let scale = Int64((0..<exponent).reduce(1) { value, _ in value * 10 })
        let sign = minor < 0 ? "-" : ""
        let fraction = String(abs(minor) % scale)
        return "\(sign)\(abs(minor) / scale).\(String(repeating: "0", count: exponent - fraction.count))\(fraction)"
    }
}
