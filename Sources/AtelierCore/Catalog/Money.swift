import Foundation

/// Prices as integer minor units, parsed from decimal text without going through floating point.
public enum Money {
    /// Above this many major units a price is a feed mistake, not a listing.
    public static let maximumMajorUnits: Int64 = 1_000_000_000

    /// ISO 4217 currencies without minor units.
    private static let noDecimals: Set<String> = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
        "XAF", "XOF", "XPF",
    ]
    private static let threeDecimals: Set<String> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
    private static let fourDecimals: Set<String> = ["CLF", "UYW"]

    /// Digits after the decimal point in `currency` (uppercase ISO 4217 code).
    public static func exponent(of currency: String) -> Int {
        if noDecimals.contains(currency) { return 0 }
        if threeDecimals.contains(currency) { return 3 }
        if fourDecimals.contains(currency) { return 4 }
        return 2
    }

    /// True for three ASCII letters. The code list itself is not checked: new codes appear.
    public static func isCurrencyCode(_ text: String) -> Bool {
        text.utf8.count == 3 && text.utf8.allSatisfy { (65...90).contains($0) || (97...122).contains($0) }
    }

    /// "24.5" EUR → 2450, "2400" JPY → 2400. Trailing zeros beyond the currency's decimals are
    /// accepted ("2400.00" JPY is exact); other extra digits, signs, exponents, separators, NaN and
    /// more than `maximumMajorUnits` are not.
    public static func minorUnits(_ text: String, currency: String) throws(AtelierError) -> Int64 {
        guard isCurrencyCode(currency) else {
            throw .validation("currency must be a 3-letter ISO 4217 code.", field: "currency")
        }
        let code = currency.uppercased()
        let exponent = exponent(of: code)
        let trimmed = text.trimmedWhitespace
        if trimmed.hasPrefix("-") { throw .validation("price must not be negative.", field: "price") }
        let parts = trimmed.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        var fraction = parts.count > 1 ? parts[1] : ""
        guard !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit),
              parts.count == 1 || !fraction.isEmpty else {
            throw .validation("price must be a decimal number such as 24.00.", field: "price")
        }
        while fraction.count > exponent, fraction.hasSuffix("0") { fraction = fraction.dropLast() }
        guard fraction.count <= exponent else {
            throw .validation("price has more decimals than \(code) allows (\(exponent)).", field: "price")
        }
        let significant = whole.drop { $0 == "0" }
        let paddedFraction = String(fraction) + String(repeating: "0", count: exponent - fraction.count)
        var scale: Int64 = 1
        for _ in 0..<exponent { scale *= 10 }
        let tooLarge = AtelierError.validation("price is larger than \(maximumMajorUnits).", field: "price")
        // Up to ten digits cannot overflow once scaled; the exact limit is checked on the total.
        guard significant.count <= 10, let major = Int64(significant.isEmpty ? "0" : significant) else { throw tooLarge }
        let minor = major * scale + (Int64(paddedFraction) ?? 0)
        guard minor <= maximumMajorUnits * scale else { throw tooLarge }
        return minor
    }

    /// A JSON number as decimal text: Swift prints the shortest text that reads back as the same
    /// Double, so 24.99 stays "24.99". Exponent forms (1e-07, 1e+20) are left for `minorUnits` to reject.
    static func decimalText(_ number: Double) -> String {
        guard number.isFinite else { return "NaN" }
        if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }
}

extension Character {
    /// 0–9 only: `isNumber` alone takes other scripts' digits and fractions such as ½.
    public var isASCIIDigit: Bool { isASCII && isNumber }
}
