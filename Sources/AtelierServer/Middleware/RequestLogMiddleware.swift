import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Gives each request an id (the client's `X-Request-ID` when it is sane, else a new one), echoes
/// it, and writes one log line per request. Only the path is logged: query strings can hold
/// signatures, and headers can hold tokens.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AtelierContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestID = Self.requestID(from: request.headers[.requestID])
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[.requestID] = context.requestID
        let elapsed = ContinuousClock.now - start
        let millis = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        logger.info("request", metadata: [
            "request_id": .string(context.requestID),
            "method": .string(request.method.rawValue),
            "route": .string(context.endpointPath ?? "unmatched"),
            "path": .string(request.uri.path),
            "status": .stringConvertible(response.status.code),
            "duration_ms": .string(String(format: "%.2f", millis)),
            "user_id": context.userID.map { .string($0) } ?? .string("-"),
        ])
        return response
    }

    /// Accepts 1–128 characters of letters, digits and `-_.:`; anything else is replaced.
    static func requestID(from header: String?) -> String {
        if let header, (1...128).contains(header.count),
           header.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }) {
            return header
        }
        return UUID().uuidString.lowercased()
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-ID")!
}
