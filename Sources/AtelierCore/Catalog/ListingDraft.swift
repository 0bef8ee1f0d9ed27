import Foundation

/// A marketplace listing as a feed or a listing page describes it, checked and normalised but not
/// yet stored. `marketplace` + `externalID` identify it: importing it again updates the same listing.
public struct ListingDraft: Sendable, Equatable, Hashable {
    /// Lowercased key, e.g. "depop" or "vinted.fr".
    public var marketplace: String
    public var externalID: String
    public var title: String
    public var description: String?
    public var brand: String?
    public var category: String?
    public var size: String?
    public var condition: String?
    /// In the currency's minor units: 2400 for EUR 24.00, 2400 for JPY 2400, 24500 for KWD 24.5.
    public var priceMinor: Int64
    /// ISO 4217, uppercase.
    public var currency: String
    /// The listing page (http or https).
    public var url: URL?
    /// Opens the listing in the marketplace's app, e.g. `depop://product/123`.
    public var deepLink: URL?
    /// http(s) or file:// images, in the order the source lists them, without duplicates.
    public var imageURLs: [URL]
    public var seller: String?

    public init(
        marketplace: String, externalID: String, title: String, description: String? = nil,
        brand: String? = nil, category: String? = nil, size: String? = nil, condition: String? = nil,
        priceMinor: Int64, currency: String, url: URL? = nil, deepLink: URL? = nil,
        imageURLs: [URL] = [], seller: String? = nil
    ) {
        self.marketplace = marketplace
        self.externalID = externalID
        self.title = title
        self.description = description
        self.brand = brand
        self.category = category
        self.size = size
        self.condition = condition
        self.priceMinor = priceMinor
        self.currency = currency
        self.url = url
        self.deepLink = deepLink
        self.imageURLs = imageURLs
        self.seller = seller
    }
}

/// A listing's fields as text, straight from a feed row or a page, before any checking.
/// Keys are the feed's column names (`external_id`, `image_url`, …).
struct ListingFields: Sendable {
    var values: [String: String] = [:]
    /// `image_url` and `image_urls` together, in order.
    var imageURLs: [String] = []

    subscript(key: String) -> String? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// Sets `key` only when the source had nothing usable for it yet (the first source wins).
    mutating func fill(_ key: String, _ value: String?) {
        guard let value, !value.trimmedWhitespace.isEmpty, !has(key) else { return }
        values[key] = value
    }

    func has(_ key: String) -> Bool {
        values[key].map { !$0.trimmedWhitespace.isEmpty } ?? false
    }
}

extension String {
    /// Without leading and trailing whitespace and line breaks. Foundation's `trimmingCharacters`
    /// goes through NSString on Linux and was most of a feed import's time.
    var trimmedWhitespace: String {
        guard let first = unicodeScalars.firstIndex(where: { !$0.isWhitespace }),
              let last = unicodeScalars.lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(unicodeScalars[first...last])
    }
}

extension Unicode.Scalar {
    /// ASCII answered without the Unicode property tables.
    var isWhitespace: Bool {
        isASCII ? value == 0x20 || (0x09...0x0D).contains(value) : properties.isWhitespace
    }
}
