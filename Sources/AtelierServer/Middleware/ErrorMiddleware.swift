import AtelierCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Turns every failure into the SPEC error envelope with a stable code. Unexpected errors become a
/// 500 that carries the request id and nothing of the error itself, which is only logged.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AtelierContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as AtelierError {
            return Self.response(for: error, context)
        } catch let error as any HTTPResponseError {
            return Self.response(for: translate(error, request), context)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": .string(String(reflecting: error))])
            return Self.response(for: AtelierError(status: 500, code: "INTERNAL_ERROR", message: "Something went wrong on our side; quote the request id if you report it."), context)
        }
    }

    /// Hummingbird's own errors: unknown routes, wrong methods, bodies over the limit.
    private func translate(_ error: any HTTPResponseError, _ request: Request) -> AtelierError {
        switch error.status {
        case .notFound:
            let allowed = routes.methods(forPath: request.uri.path)
            if !allowed.isEmpty {
                let list = allowed.map(\.rawValue).sorted().joined(separator: ", ")
                return AtelierError(status: 405, code: "METHOD_NOT_ALLOWED", message: "\(request.method.rawValue) is not allowed here; use \(list).", headers: ["Allow": list])
            }
            return AtelierError(status: 404, code: "NOT_FOUND", message: "There is no endpoint at \(request.uri.path).")
        case .contentTooLarge:
            return AtelierError(status: 413, code: "PAYLOAD_TOO_LARGE", message: "The request body is too large.")
        case .badRequest:
            return .badRequest("The request could not be read.")
        case .unsupportedMediaType:
            return AtelierError(status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: "This content type is not accepted here.")
        default:
            return AtelierError(status: Int(error.status.code), code: "HTTP_\(error.status.code)", message: error.status.reasonPhrase)
        }
    }

    static func response(for error: AtelierError, _ context: Context) -> Response {
        var headers: HTTPFields = [:]
        for (name, value) in error.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Reply.json(body(for: error, requestID: context.requestID), status: HTTPResponse.Status(code: error.status), headers: headers)
    }

    /// The envelope's bytes; also for answers written below the router (`FirstRequestGuard`).
    static func body(for error: AtelierError, requestID: String) -> Data {
        struct Body: Encodable {
            struct Detail: Encodable {
                let code: String
                let message: String
                let details: [String: String]
            }
            struct Meta: Encodable { let requestId: String }
            let error: Detail
            let meta: Meta
        }
        let body = Body(error: .init(code: error.code, message: error.message, details: error.details), meta: .init(requestId: requestID))
        return (try? JSONCoding.encoder.encode(body)) ?? Data(#"{"error":{"code":"INTERNAL_ERROR","message":"","details":{}}}"#.utf8)
    }
}
