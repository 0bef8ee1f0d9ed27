/// A failure the API reports to its caller: an HTTP status, a stable code from SPEC.md and a
/// message safe to show. Anything that is not an `AtelierError` becomes a 500 INTERNAL_ERROR.
public struct AtelierError: Error, Equatable, Sendable {
    public let status: Int
    public let code: String
    public let message: String
    public var details: [String: String]
    /// Extra response headers, e.g. Retry-After for throttling.
    public var headers: [String: String]

    public init(status: Int, code: String, message: String, details: [String: String] = [:], headers: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
    }
}

extension AtelierError {
    public static func validation(_ message: String, field: String? = nil) -> AtelierError {
        AtelierError(status: 422, code: "VALIDATION_FAILED", message: message, details: field.map { ["field": $0] } ?? [:])
    }
    public static func badRequest(_ message: String) -> AtelierError {
        AtelierError(status: 400, code: "BAD_REQUEST", message: message)
    }
    public static func notFound(_ code: String, _ message: String) -> AtelierError {
        AtelierError(status: 404, code: code, message: message)
    }
    public static let unauthorized = AtelierError(status: 401, code: "UNAUTHORIZED", message: "A valid access token is required.")
    public static func payloadTooLarge(limit: Int) -> AtelierError {
        AtelierError(status: 413, code: "PAYLOAD_TOO_LARGE", message: "The request body is larger than \(limit) bytes.", details: ["limit_bytes": String(limit)])
    }
    public static func throttled(_ code: String, retryAfter seconds: Int, _ message: String) -> AtelierError {
        AtelierError(status: 429, code: code, message: message, details: ["retry_after_seconds": String(seconds)], headers: ["Retry-After": String(seconds)])
    }
}
