import AtelierCore
import Foundation
import SQLKit

/// `SearchFilters` as SQL over `listings l`, keeping exactly what `SearchFilters.matches` keeps
/// for the in-memory index: values compared lowercased (currency uppercased), prices in major
/// units as the same double-precision division, a missing value never passing a list.
enum ListingFilterSQL {
    /// " AND …" for every filter set; empty when there is none. `folding`: the collation values
    /// are lowercased in (see `FilterFolding`), nil for the database's own.
    static func conditions(_ filters: SearchFilters, folding: String?) -> SQLQueryString {
        var parts: [SQLQueryString] = []
        if let currency = filters.currency { parts.append("UPPER(l.currency) = \(bind: currency)") }
        if filters.priceMin != nil || filters.priceMax != nil {
            // Validated filters with a price bound name a currency, so every listing that passes
            // has that currency's exponent.
            let scale = pow(10, Double(Money.exponent(of: filters.currency ?? "")))
            let price: SQLQueryString = "(CAST(l.price_minor AS DOUBLE PRECISION) / \(bind: scale))"
            if let priceMin = filters.priceMin { parts.append("\(price) >= \(bind: priceMin)") }
            if let priceMax = filters.priceMax { parts.append("\(price) <= \(bind: priceMax)") }
        }
        let lists: [(String, Set<String>)] = [
            ("size", filters.sizes), ("brand", filters.brands), ("category", filters.categories),
            ("marketplace", filters.marketplaces), ("condition", filters.conditions),
        ]
        for (column, wanted) in lists where !wanted.isEmpty {
            let values = wanted.sorted().map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")
            let collate: SQLQueryString = folding.map { " COLLATE \(ident: $0)" } ?? ""
            parts.append("LOWER(l.\(unsafeRaw: column)\(collate)) IN (\(values))")
        }
        return parts.reduce(into: "") { sql, part in sql = "\(sql) AND \(part)" }
    }
}
