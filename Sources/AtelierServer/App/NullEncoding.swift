/// Swift's synthesized encoding leaves nil properties out; the OpenAPI document lists nullable
/// fields as required (always present, null when empty), so clients need not tell a missing field
/// from an empty one. A response type opts in with
/// `func encode(to encoder: any Encoder) throws { try encodeWithNulls(to: encoder) }`.
extension Encodable {
    func encodeWithNulls(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: PropertyKey.self)
        for child in Mirror(reflecting: self).children {
            // An Optional is Encodable when its wrapped type is, and encodes nil as null.
            guard let label = child.label, let value = child.value as? any Encodable else { continue }
            try container.encode(value, forKey: PropertyKey(stringValue: label))
        }
    }
}

/// A key named after a stored property (the encoder's snake_case strategy still applies).
struct PropertyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
