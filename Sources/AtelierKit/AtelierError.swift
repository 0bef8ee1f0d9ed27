import Foundation

/// Everything AtelierKit throws.
public enum AtelierError: Error, Sendable, CustomStringConvertible {
    /// The server answered with an error envelope.
    case server(status: Int, code: String, message: String, requestID: String?, details: JSONValue?)
    /// The request never got an answer (no network, connection dropped, timeout).
    case transport(underlying: String, urlErrorCode: Int?)
    /// The answer could not be read.
    case decoding(String)
    /// A call that needs a session was made while signed out.
    case notSignedIn

    /// The server's stable error code, e.g. `INVALID_CREDENTIALS`.
    public var code: String? { if case .server(_, let code, _, _, _) = self { return code }; return nil }
    /// The HTTP status of a server error.
    public var status: Int? { if case .server(let status, _, _, _, _) = self { return status }; return nil }
    /// The server's message.
    public var message: String? { if case .server(_, _, let message, _, _) = self { return message }; return nil }
    /// The request id to quote to support.
    public var requestID: String? { if case .server(_, _, _, let id, _) = self { return id }; return nil }

    public var description: String {
        switch self {
        case .server(let status, let code, let message, let id, _):
            return "\(code) (\(status)): \(message) [request \(id ?? "-")]"
        case .transport(let text, _): return "transport error: \(text)"
        case .decoding(let text): return "decoding error: \(text)"
        case .notSignedIn: return "not signed in"
        }
    }

    /// Builds the error from an error envelope, or a generic one when the body is not one.
    static func from(status: Int, body: Data, headers: [String: String]) -> AtelierError {
        struct Envelope: Decodable {
            struct Body: Decodable { let code: String; let message: String; let details: JSONValue? }
            struct Meta: Decodable { let request_id: String? }
            let error: Body
            let meta: Meta?
        }
        let fallbackID = headers["x-request-id"]
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: body) else {
            return .server(status: status, code: "HTTP_\(status)", message: String(decoding: body, as: UTF8.self),
                           requestID: fallbackID, details: nil)
        }
        return .server(status: status, code: envelope.error.code, message: envelope.error.message,
                       requestID: envelope.meta?.request_id ?? fallbackID, details: envelope.error.details)
    }
}
