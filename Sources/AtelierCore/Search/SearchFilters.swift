import Foundation

/// The facts of a listing that search filters look at, kept in memory for every listing so a
/// filter can be checked while walking the vector index.
public struct ListingFacets: Sendable, Equatable {
    public var marketplace: String
    public var brand: String?
    public var category: String?
    public var size: String?
    public var condition: String?
    /// In major units, for comparison with a filter's bounds.
    public var price: Double
    public var currency: String

    public init(_ draft: ListingDraft) {
        marketplace = draft.marketplace.lowercased()
        brand = draft.brand?.lowercased()
        category = draft.category?.lowercased()
        size = draft.size?.lowercased()
        condition = draft.condition?.lowercased()
        price = Double(draft.priceMinor) / pow(10, Double(Money.exponent(of: draft.currency)))
        currency = draft.currency.uppercased()
    }
}

/// Search filters; an empty list or nil bound means "any". Matching ignores case.
public struct SearchFilters: Sendable, Equatable {
    public var priceMin: Double?
    public var priceMax: Double?
    public var currency: String?
    public var sizes: Set<String> = []
    public var brands: Set<String> = []
    public var categories: Set<String> = []
    public var marketplaces: Set<String> = []
    public var conditions: Set<String> = []

    public init(priceMin: Double? = nil, priceMax: Double? = nil, currency: String? = nil, sizes: [String] = [],
                brands: [String] = [], categories: [String] = [], marketplaces: [String] = [], conditions: [String] = []) {
        self.priceMin = priceMin
        self.priceMax = priceMax
        self.currency = currency?.uppercased()
        self.sizes = Set(sizes.map { $0.lowercased() })
        self.brands = Set(brands.map { $0.lowercased() })
        self.categories = Set(categories.map { $0.lowercased() })
        self.marketplaces = Set(marketplaces.map { $0.lowercased() })
        self.conditions = Set(conditions.map { $0.lowercased() })
    }

    public var isEmpty: Bool { self == SearchFilters() }

    public func matches(_ facets: ListingFacets) -> Bool {
        if let priceMin, facets.price < priceMin { return false }
        if let priceMax, facets.price > priceMax { return false }
        if let currency, facets.currency != currency { return false }
        return Self.allows(sizes, facets.size) && Self.allows(brands, facets.brand)
            && Self.allows(categories, facets.category) && Self.allows(marketplaces, facets.marketplace)
            && Self.allows(conditions, facets.condition)
    }

    private static func allows(_ wanted: Set<String>, _ value: String?) -> Bool {
        wanted.isEmpty || value.map(wanted.contains) == true
    }

    /// Price bounds compare numbers in one currency only; mixing currencies would be meaningless.
    public func validated() throws -> SearchFilters {
        if let priceMin, let priceMax, priceMin > priceMax {
            throw AtelierError.validation("price_min must not be above price_max.", field: "price_min")
        }
        if (priceMin != nil || priceMax != nil) && currency == nil {
            throw AtelierError.validation("A price filter needs a currency.", field: "currency")
        }
        if let currency, !Money.isCurrencyCode(currency) {
            throw AtelierError.validation("currency must be an ISO 4217 code such as EUR.", field: "currency")
        }
        return self
    }
}
