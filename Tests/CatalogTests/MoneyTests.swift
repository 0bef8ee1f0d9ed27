@testable import AtelierCore
import Testing

@Suite("Prices in minor units")
struct MoneyTests {
    @Test("major-unit text becomes minor units by the currency's exponent", arguments: [
        ("24.00", "EUR", Int64(2400)), ("24", "usd", 2400), ("24.5", "GBP", 2450), ("0.99", "EUR", 99),
        ("0", "EUR", 0), ("2400", "JPY", 2400), ("2400.00", "JPY", 2400), ("15000", "KRW", 15000),
        ("1.234", "KWD", 1234), ("24.5", "BHD", 24500), ("007.10", "USD", 710), (" 12.30 ", "EUR", 1230),
        ("1000000000", "USD", 100_000_000_000),
    ])
    func parses(text: String, currency: String, minor: Int64) throws {
        #expect(try Money.minorUnits(text, currency: currency) == minor)
    }

    @Test("more decimals than the currency has, signs, exponents, separators and junk are refused", arguments: [
        ("24.999", "USD"), ("2400.5", "JPY"), ("1.2345", "KWD"), ("-1.00", "EUR"), ("NaN", "EUR"), ("inf", "EUR"),
        ("1e5", "EUR"), ("1,234.00", "EUR"), ("24,50", "EUR"), ("", "EUR"), ("12.", "EUR"), (".5", "EUR"),
        ("+3", "EUR"), ("abc", "EUR"), ("1000000000.01", "USD"), ("99999999999999999999", "USD"),
        ("10", "EURO"), ("10", "€"), ("10", "E1R"),
    ])
    func refuses(text: String, currency: String) {
        #expect(throws: AtelierError.self) { try Money.minorUnits(text, currency: currency) }
    }

    @Test("the reason names the currency's allowance")
    func reason() {
        #expect(throws: AtelierError.validation("price has more decimals than JPY allows (0).", field: "price")) {
            try Money.minorUnits("10.5", currency: "JPY")
        }
    }

    @Test("JSON numbers keep their decimal digits")
    func jsonNumbers() {
        #expect(Money.decimalText(24.99) == "24.99")
        #expect(Money.decimalText(24) == "24")
        #expect(Money.decimalText(0.1 + 0.2) == "0.30000000000000004")
        #expect(Money.decimalText(.nan) == "NaN")
    }
}
