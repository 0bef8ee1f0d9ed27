import AtelierCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import AtelierServer

/// A real server on a random loopback port over a fresh SQLite file and data folder.
enum TestServer {
    static func run(
        _ configure: (inout AtelierConfig) -> Void = { _ in },
        _ body: @Sendable (APIClient) async throws -> Void
    ) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = AtelierConfig()
        config.port = 0
        config.dataDir = folder.path
        config.bcryptCost = 4
        config.secretKey = TestServer.secretKey
        config.devProcessors = true
        config.jobsPerMinute = 10_000
        config.requestsPerMinute = 100_000
        config.jobRetryBaseMilliseconds = 50
        configure(&config)
        let services = try await AtelierServices.open(config)
        var logger = Logger(label: "atelier-test")
        logger.logLevel = .warning
        let app = buildApplication(services, logger: logger)
        let workers = Task { if config.workers { await services.runWorkers(logger: logger) } }
        defer { workers.cancel() }
        do {
            // Through AsyncHTTPClient's pool: concurrent requests travel on separate connections.
            try await app.test(.ahc(.http)) { client in
                try await body(APIClient(client: client, services: services, dataDir: folder))
            }
        } catch {
            workers.cancel()
            try? await services.database.close()
            throw error
        }
        workers.cancel()
        try? await services.database.close()
    }

    /// A fixed secret so tests can sign URLs themselves.
    static let secretKey = Data(repeating: 7, count: 32).base64EncodedString()
}

/// A JSON response, decoded loosely for assertions.
struct APIResponse: Sendable {
    let status: Int
    let headers: HTTPFields
    let body: Data

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var data: [String: Any] { json["data"] as? [String: Any] ?? [:] }
    var list: [[String: Any]] { json["data"] as? [[String: Any]] ?? [] }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var requestID: String? { (json["meta"] as? [String: Any])?["request_id"] as? String }
    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
}

struct Account: Sendable {
    let id: String
    let email: String
    let accessToken: String
    let refreshToken: String
}

struct APIClient: Sendable {
    let client: any TestClientProtocol
    let services: AtelierServices
    let dataDir: URL

    func request(_ method: HTTPRequest.Method, _ path: String, json: [String: Any]? = nil, body: Data? = nil,
                 token: String? = nil, headers extra: [String: String] = [:]) async throws -> APIResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        var payload = body
        if let json {
            payload = try JSONSerialization.data(withJSONObject: json)
            headers[.contentType] = "application/json"
        }
        return try await client.execute(uri: path, method: method, headers: headers, body: payload.map { ByteBuffer(bytes: $0) }) { response in
            APIResponse(status: Int(response.status.code), headers: response.headers, body: Data(buffer: response.body))
        }
    }

    func register(_ email: String = "user-\(UUID().uuidString.prefix(8))@example.com", password: String = "correct horse") async throws -> Account {
        let response = try await request(.post, "/api/v1/auth/register", json: ["email": email, "password": password])
        guard response.status == 201 else { throw TestFailure("register answered \(response.status): \(String(decoding: response.body, as: UTF8.self))") }
        return account(response.data)
    }

    func account(_ data: [String: Any]) -> Account {
        let user = data["user"] as? [String: Any] ?? [:]
        return Account(id: user["id"] as? String ?? "", email: user["email"] as? String ?? "",
                       accessToken: data["access_token"] as? String ?? "", refreshToken: data["refresh_token"] as? String ?? "")
    }

    func upload(_ image: Data, token: String, multipart: Bool = false, contentType: String = "application/octet-stream") async throws -> APIResponse {
        guard multipart else { return try await request(.post, "/api/v1/media", body: image, token: token, headers: ["Content-Type": contentType]) }
        let boundary = "atelier-\(UUID().uuidString)"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nhello\r\n".utf8)
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.bin\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8)
        body += image
        body += Data("\r\n--\(boundary)--\r\n".utf8)
        return try await request(.post, "/api/v1/media", body: body, token: token, headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
    }

    /// Fetches an absolute URL from a response through the same client (path and query only).
    func get(url: String, headers: [String: String] = [:]) async throws -> APIResponse {
        let components = URLComponents(string: url)!
        let pathAndQuery = components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        return try await request(.get, pathAndQuery, headers: headers)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
