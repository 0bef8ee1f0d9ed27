import AtelierCore
import Foundation
import Hummingbird

/// Filters and limit of a search, from the query string (`?brand=a&brand=b&price_min=10&
/// currency=EUR&limit=5`; `size[]=M` is read as `size` too) or from a JSON body's `filters`.
struct SearchQuery: Sendable {
    var filters = SearchFilters()
    var limit = 20

    struct FilterBody: Decodable {
        var priceMin: Price?
        var priceMax: Price?
        var currency: String?
        var size: [String]?
        var brand: [String]?
        var category: [String]?
        var marketplace: [String]?
        var condition: [String]?
    }

    /// A price bound: a decimal string ("24.50") or a number, in major units.
    struct Price: Decodable {
        let value: Double
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) { value = number; return }
            guard let parsed = Double(try container.decode(String.self)) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a price")
            }
            value = parsed
        }
    }

    init(filters: FilterBody?, limit: Int?) throws {
        if let filters {
            self.filters = SearchFilters(
                priceMin: filters.priceMin?.value, priceMax: filters.priceMax?.value, currency: filters.currency,
                sizes: filters.size ?? [], brands: filters.brand ?? [], categories: filters.category ?? [],
                marketplaces: filters.marketplace ?? [], conditions: filters.condition ?? [])
        }
        if let limit { self.limit = limit }
        try Self.check(self.filters)
    }

    init(_ query: Parameters) throws {
        func all(_ name: String) -> [String] { query.getAll(name) + query.getAll("\(name)[]") + query.getAll("\(name)%5B%5D") }
        func price(_ name: String) throws -> Double? {
            guard let text = try query.one(name) else { return nil }
            // The document's pattern, digits and an optional fraction: Double() alone would also
            // take "1e5", ".5" and "0x10".
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }),
                  let value = Double(text), value.isFinite else {
                throw AtelierError.validation("\(name) must be a price such as 24.50.", field: name)
            }
            return value
        }
        filters = SearchFilters(
            priceMin: try price("price_min"), priceMax: try price("price_max"), currency: try query.one("currency"),
            sizes: all("size"), brands: all("brand"), categories: all("category"), marketplaces: all("marketplace"),
            conditions: all("condition"))
        limit = try query.int("limit") ?? 20
        try Self.check(filters)
    }

    private static func check(_ filters: SearchFilters) throws {
        let lists = [filters.sizes, filters.brands, filters.categories, filters.marketplaces, filters.conditions]
        guard lists.allSatisfy({ $0.count <= 50 && $0.allSatisfy { $0.count <= 100 } }) else {
            throw AtelierError.validation("At most 50 values of up to 100 characters per filter.")
        }
        _ = try filters.validated()
    }
}
