import AsyncHTTPClient
import AtelierCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
@testable import AtelierServer

/// A real server on a random loopback port over a fresh data folder and database (a SQLite file
/// in the folder, or a PostgreSQL database: see TestDatabase) and blob store (see TestBlobs).
enum TestServer {
    static func run(
        models: Bool = false,
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
        config.blobURL = TestBlobs.url(for: folder)
        let database = try await TestDatabase.create(in: folder)
        config.databaseURL = database.postgresURL
        config.databasePoolSize = TestDatabase.poolSize
        configure(&config)
        if models { try TestModels.install(into: folder) }
        let services: AtelierServices
        do {
            services = try await AtelierServices.open(config)
        } catch {
            await database.drop()
            throw error
        }
        var quietLogger = Logger(label: "atelier-test")
        quietLogger.logLevel = .warning
        let logger = quietLogger
        let workers = Task { await services.runBackground(logger: logger) }
        do {
            try await LiveServer.run(logger: logger, { listening in
                buildApplication(services, logger: logger) { listening($0) }
            }) { port in
                let api = APIClient(port: port, services: services, dataDir: folder)
                do {
                    try await body(api)
                } catch {
                    try? await api.http.shutdown()
                    throw error
                }
                try await api.http.shutdown()
            }
        } catch {
            await tearDown(workers, services, database)
            throw error
        }
        await tearDown(workers, services, database)
    }

    private static func tearDown(_ workers: Task<Void, Never>, _ services: AtelierServices, _ database: TestDatabase) async {
        workers.cancel()
        await TeardownStep.await("the background work", { await workers.value })
        await TeardownStep.await("closing the database", { try? await services.database.close() })
        await TeardownStep.await("dropping the database", { await database.drop() })
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

/// Requests to the test server over real connections, many at once when asked (a pool of up to
/// 128 connections, so concurrent requests really are concurrent).
struct APIClient: Sendable {
    let http: HTTPClient
    let port: Int
    let services: AtelierServices
    let dataDir: URL

    init(port: Int, services: AtelierServices, dataDir: URL) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 128
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(90))
        configuration.decompression = .disabled
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.port = port
        self.services = services
        self.dataDir = dataDir
    }

    func request(_ method: HTTPRequest.Method, _ path: String, json: [String: Any]? = nil, body: Data? = nil,
                 token: String? = nil, headers extra: [String: String] = [:]) async throws -> APIResponse {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .init(rawValue: method.rawValue)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        var payload = body
        if let json {
            payload = try JSONSerialization.data(withJSONObject: json)
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        if let payload { request.body = .bytes(ByteBuffer(bytes: payload)) }
        let response = try await http.execute(request, timeout: .seconds(90))
        var headers = HTTPFields()
        for header in response.headers { if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) } }
        let received = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return APIResponse(status: Int(response.status.code), headers: headers, body: Data(buffer: received))
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

/// Where test servers keep blobs: the data folder, or — when ATELIER_TEST_BLOBS=s3 (the suite's
/// PostgreSQL pass) — the S3 server named by ATELIER_BLOB_URL, under a prefix named after the
/// data folder (blob keys are content hashes: servers sharing one bucket root would delete each
/// other's; a restarted server on the same folder finds its blobs again).
enum TestBlobs {
    static let bucket: String? = {
        let environment = ProcessInfo.processInfo.environment
        guard environment["ATELIER_TEST_BLOBS"] == "s3", let url = environment["ATELIER_BLOB_URL"], url.hasPrefix("s3://") else { return nil }
        return url
    }()

    /// nil: blobs in the data folder.
    static func url(for folder: URL) -> String? {
        bucket.map { $0 + ($0.contains("?") ? "&" : "?") + "prefix=\(folder.lastPathComponent.lowercased())/" }
    }
}
