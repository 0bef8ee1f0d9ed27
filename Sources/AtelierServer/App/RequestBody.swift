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
        do {
            return try JSONCoding.decoder.decode(T.self, from: body)
        } catch let DecodingError.keyNotFound(key, _) {
            throw AtelierError.validation("\(key.stringValue.snakeCased) is required.", field: key.stringValue.snakeCased)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue.snakeCased).joined(separator: ".")
            throw AtelierError.validation("\(field) has the wrong type.", field: field)
        } catch {
            throw AtelierError(status: 400, code: "INVALID_JSON", message: "The body is not valid JSON.")
        }
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
