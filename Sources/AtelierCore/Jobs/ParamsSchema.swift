/// The part of JSON Schema that processor params need: an object of typed properties, with
/// ranges, enums, required keys and no unknown keys. Rendered into the catalogue as real JSON Schema.
public struct ParamsSchema: Sendable {
    public enum Kind: String, Sendable { case number, integer, string, boolean }

    public struct Property: Sendable {
        public let kind: Kind
        public var minimum: Double?
        public var maximum: Double?
        public var choices: [String]?
        public var description: String

        public static func number(_ description: String, minimum: Double? = nil, maximum: Double? = nil) -> Property {
            Property(kind: .number, minimum: minimum, maximum: maximum, description: description)
        }
        public static func integer(_ description: String, minimum: Double? = nil, maximum: Double? = nil) -> Property {
            Property(kind: .integer, minimum: minimum, maximum: maximum, description: description)
        }
        public static func choice(_ description: String, _ choices: [String]) -> Property {
            Property(kind: .string, choices: choices, description: description)
        }
    }

    public let properties: [String: Property]
    public let required: [String]

    public init(properties: [String: Property] = [:], required: [String] = []) {
        self.properties = properties
        self.required = required
    }

    /// Throws 422 VALIDATION_FAILED naming the first param that is wrong.
    public func validate(_ params: JSONValue) throws(AtelierError) {
        let object: [String: JSONValue]
        switch params {
        case .null: object = [:]
        case .object(let value): object = value
        default: throw .validation("params must be an object.", field: "params")
        }
        for key in required where object[key] == nil || object[key] == .null {
            throw .validation("params.\(key) is required.", field: "params.\(key)")
        }
        for (key, value) in object {
            guard let property = properties[key] else { throw .validation("params.\(key) is not a parameter of this processor.", field: "params.\(key)") }
            try check(value, property, field: "params.\(key)")
        }
    }

    private func check(_ value: JSONValue, _ property: Property, field: String) throws(AtelierError) {
        switch (property.kind, value) {
        case (.number, .number(let number)), (.integer, .number(let number)):
            if property.kind == .integer, number.rounded() != number { throw .validation("\(field) must be a whole number.", field: field) }
            if let minimum = property.minimum, number < minimum { throw .validation("\(field) must be at least \(minimum).", field: field) }
            if let maximum = property.maximum, number > maximum { throw .validation("\(field) must be at most \(maximum).", field: field) }
        case (.string, .string(let text)):
            if let choices = property.choices, !choices.contains(text) {
                throw .validation("\(field) must be one of \(choices.joined(separator: ", ")).", field: field)
            }
        case (.boolean, .bool):
            break
        default:
            throw .validation("\(field) must be a \(property.kind.rawValue).", field: field)
        }
    }

    /// As JSON Schema (draft 2020-12), for the catalogue.
    public var jsonSchema: JSONValue {
        var props: [String: JSONValue] = [:]
        for (key, property) in properties {
            var schema: [String: JSONValue] = ["type": .string(property.kind.rawValue), "description": .string(property.description)]
            if let minimum = property.minimum { schema["minimum"] = .number(minimum) }
            if let maximum = property.maximum { schema["maximum"] = .number(maximum) }
            if let choices = property.choices { schema["enum"] = .array(choices.map(JSONValue.string)) }
            props[key] = .object(schema)
        }
        return .object([
            "type": "object", "properties": .object(props), "required": .array(required.map(JSONValue.string)),
            "additionalProperties": .bool(false),
        ])
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}
