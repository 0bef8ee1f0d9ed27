import AtelierCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// What a request carries between middleware and routes.
public struct AtelierContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Accepted from `X-Request-ID` or generated; echoed on the response and in every log line.
    public var requestID: String = ""
    /// Set by `Authenticator` on routes that need a signed-in user: the account as it stood when
    /// the request came (one read serves the check and the routes that need its roles).
    public var user: User?
    public var userID: String? { user?.id }
    /// Set by `WorkerAuthenticator` on the external-worker routes.
    public var worker: WorkerToken?
    public let clientIP: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientIP = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// JSON bodies are small; media uploads stream past this with their own limit.
    public var maxUploadSize: Int { 1_000_000 }
    public var requestDecoder: JSONDecoder { JSONCoding.decoder }
    public var responseEncoder: JSONEncoder { JSONCoding.encoder }

    /// The external worker's token, or 401.
    public func requireWorker() throws -> WorkerToken {
        guard let worker else { throw WorkerError.unauthorized }
        return worker
    }

    /// The signed-in user, or 401.
    public func requireUser() throws -> String {
        guard let userID else { throw AtelierError.unauthorized }
        return userID
    }
}

/// snake_case on the wire, ISO 8601 dates.
enum JSONCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()
}
