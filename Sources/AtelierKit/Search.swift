import Foundation

/// A marketplace listing found by search.
public struct Listing: Sendable, Codable, Hashable, Identifiable {
    public let id: String
    public let marketplace: String
    public let externalID: String
    public let title: String
    public let brand: String?
    public let category: String?
    public let size: String?
    public let condition: String?
    /// A decimal string in major units, e.g. `"24.00"`.
    public let price: String
    public let currency: String
    public let url: String?
    /// A link that opens the listing in the marketplace's app.
    public let deepLink: String?
    public let imageURL: String?
    enum CodingKeys: String, CodingKey {
        case id, marketplace, title, brand, category, size, condition, price, currency, url
        case externalID = "external_id", deepLink = "deep_link", imageURL = "image_url"
    }
}

/// A search result: a listing and its score (0…1, best first).
public struct SearchHit: Sendable, Codable, Hashable {
    public let listing: Listing
    public let score: Double
}

/// Filters shared by every search; each list may hold several values.
public struct SearchFilters: Sendable, Hashable {
    public var priceMin: Decimal?
    public var priceMax: Decimal?
    public var currency: String?
    public var sizes: [String] = []
    public var brands: [String] = []
    public var categories: [String] = []
    public var marketplaces: [String] = []
    public var conditions: [String] = []
    public var limit: Int?

    public init(priceMin: Decimal? = nil, priceMax: Decimal? = nil, currency: String? = nil,
                sizes: [String] = [], brands: [String] = [], categories: [String] = [],
                marketplaces: [String] = [], conditions: [String] = [], limit: Int? = nil) {
        self.priceMin = priceMin; self.priceMax = priceMax; self.currency = currency
        self.sizes = sizes; self.brands = brands; self.categories = categories
        self.marketplaces = marketplaces; self.conditions = conditions; self.limit = limit
    }

    /// The filters as query items (repeated keys for lists).
    var queryItems: [URLQueryItem] {
        var items: [URLQueryItem] = []
        if let priceMin { items.append(.init(name: "price_min", value: "\(priceMin)")) }
        if let priceMax { items.append(.init(name: "price_max", value: "\(priceMax)")) }
        if let currency { items.append(.init(name: "currency", value: currency)) }
        for (name, values) in [("size", sizes), ("brand", brands), ("category", categories),
                               ("marketplace", marketplaces), ("condition", conditions)] {
            items += values.map { URLQueryItem(name: name, value: $0) }
        }
        if let limit { items.append(.init(name: "limit", value: String(limit))) }
        return items
    }

    /// The filters as the JSON object of a search by media id.
    var json: JSONValue {
        var object: [String: JSONValue] = [:]
        if let priceMin { object["price_min"] = .number(NSDecimalNumber(decimal: priceMin).doubleValue) }
        if let priceMax { object["price_max"] = .number(NSDecimalNumber(decimal: priceMax).doubleValue) }
        if let currency { object["currency"] = .string(currency) }
        for (name, values) in [("size", sizes), ("brand", brands), ("category", categories),
                               ("marketplace", marketplaces), ("condition", conditions)] where !values.isEmpty {
            object[name] = .array(values.map { .string($0) })
        }
        return .object(object)
    }
}
