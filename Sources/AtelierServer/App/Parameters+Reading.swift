import AtelierCore
import Hummingbird

/// Reading path and query parameters with the API's errors, for every route file.
extension Parameters {
    func require(_ name: String) throws -> String {
        guard let value = self.get(name) else { throw AtelierError.badRequest("Missing \(name).") }
        return value
    }

    /// A parameter that takes one value. `?limit=8&limit=9` is refused rather than read as 8:
    /// the document says one value, and silently picking one hides a client's bug.
    func one(_ name: String) throws -> String? {
        let values = getAll(name)
        guard values.count <= 1 else { throw AtelierError.validation("\(name) may be given once.", field: name) }
        return values.first
    }

    func int(_ name: String) throws -> Int? {
        guard let text = try one(name) else { return nil }
        // Digits with an optional minus, as JSON writes an integer: Int("+5") would take "+5" too.
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let value = Int(text) else { throw AtelierError.validation("\(name) must be a whole number.", field: name) }
        return value
    }
}
