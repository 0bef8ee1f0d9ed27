import AtelierCore
import Hummingbird

/// Reading path and query parameters with the API's errors, for every route file.
extension Parameters {
    func require(_ name: String) throws -> String {
        guard let value = self.get(name) else { throw AtelierError.badRequest("Missing \(name).") }
        return value
    }

    func int(_ name: String) throws -> Int? {
        guard let text = self.get(name) else { return nil }
        guard let value = Int(text) else { throw AtelierError.validation("\(name) must be a whole number.", field: name) }
        return value
    }
}
