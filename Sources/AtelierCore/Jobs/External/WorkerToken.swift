import Crypto
import Foundation

/// What an external worker (a GPU box running models this binary cannot) authenticates with:
/// a secret shown once at creation, stored only as its SHA-256, limited to some processors.
public struct WorkerToken: Sendable, Equatable {
    public let id: String
    public let name: String
    public let processors: [String]
    public let createdAt: Date

    public init(id: String, name: String, processors: [String], createdAt: Date) {
        self.id = id
        self.name = name
        self.processors = processors
        self.createdAt = createdAt
    }

    /// `atw_` and 32 random bytes, base64url: recognisable in logs and secret scanners.
    static func makeSecret() -> String {
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
        return "atw_" + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ secret: String) -> String {
        Hex.encode(SHA256.hash(data: Data(secret.utf8)))
    }
}

public protocol WorkerTokenStore: Sendable {
    func add(_ token: WorkerToken, secretHash: String) async throws
    /// The live (not revoked) token with this secret hash.
    func token(secretHash: String) async throws -> WorkerToken?
    /// Live tokens, oldest first.
    func tokens() async throws -> [WorkerToken]
    /// Whether a live token was revoked.
    func revoke(id: String) async throws -> Bool
}

public enum WorkerError {
    public static let unauthorized = AtelierError(status: 401, code: "UNAUTHORIZED", message: "A valid worker token is required.")
    public static let leaseLost = AtelierError(
        status: 409, code: "LEASE_LOST", message: "This worker no longer holds the job's lease (it lapsed, or the job was canceled or ended).")
    public static func processorNotAllowed(_ name: String) -> AtelierError {
        AtelierError(status: 403, code: "FORBIDDEN", message: "This worker token may not run \(name).")
    }
}
