import AtelierCore
import Foundation
import HTTPTypes
import Hummingbird

/// JSON request bodies with errors a client developer can act on.
enum RequestBody {
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: AtelierContext) async throws -> T {
        try decode(type, from: Data(buffer: try await request.body.collect(upTo: context.maxUploadSize)))
    }

    static func decode<T: Decodable>(_ type: T.Type, from body: Data) throws -> T {
        guard !body.isEmpty else { throw AtelierError(status: 400, code: "INVALID_JSON", message: "A JSON body is required.") }
        let value: T
        do {
            value = try JSONCoding.decoder.decode(T.self, from: body)
        } catch let DecodingError.keyNotFound(key, _) {
            throw AtelierError.validation("\(key.stringValue.snakeCased) is required.", field: key.stringValue.snakeCased)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue.snakeCased).joined(separator: ".")
            throw AtelierError.validation("\(field) has the wrong type.", field: field)
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            // Well-formed JSON with a value that cannot be read (a price of "", a number too big):
            // the field is wrong, not the JSON.
            let field = context.codingPath.map(\.stringValue.snakeCased).joined(separator: ".")
            throw AtelierError.validation("\(field) is not a valid value.", field: field)
        } catch {
            throw AtelierError(status: 400, code: "INVALID_JSON", message: "The body is not valid JSON.")
        }
        if let field = nullField(in: try? JSONSerialization.jsonObject(with: body, options: .fragmentsAllowed), path: "") {
            throw AtelierError.validation("\(field) must not be null; leave it out instead.", field: field)
        }
        return value
    }

    /// Decoding reads null as absent, but the document allows null only for `display_name` (to
    /// clear it): an explicit null elsewhere is a wrong type. Free-form `params` and `data` may hold
    /// anything.
    private static func nullField(in value: Any?, path: String) -> String? {
        if let object = value as? [String: Any] {
            for key in object.keys.sorted() {
                let field = path.isEmpty ? key : "\(path).\(key)"
                if object[key] is NSNull {
                    if key != "display_name" { return field }
                } else if !["params", "data"].contains(key), let found = nullField(in: object[key], path: field) {
                    return found
                }
            }
        } else if let array = value as? [Any] {
            for (index, item) in array.enumerated() {
                if item is NSNull { return "\(path)[\(index)]" }
                if let found = nullField(in: item, path: "\(path)[\(index)]") { return found }
            }
        }
        return nil
    }
}

extension String {
    /// `currentPassword` → `current_password`, to name fields as the client sent them.
    var snakeCased: String {
        reduce(into: "") { result, character in
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
    }
}
