import AsyncHTTPClient
import AtelierStore
import Foundation
import NIOCore
import SQLKit

/// Several `atelier` processes on one PostgreSQL database and one data folder, as a scaled-out
/// deployment runs them: API processes (`serve --no-workers`) and worker processes (`worker`).
/// They share a secret key, so a token from one API process is good on every other.
struct AtelierCluster {
    let folder: URL
    let database: TestDatabase
    let apis: [RunningAtelier]
    private(set) var workers: [RunningAtelier]
    let environment: [String: String]

    /// Why a test of several processes cannot run here, or nil: it needs PostgreSQL.
    static var skipReason: String? {
        TestDatabase.isPostgres ? nil : "needs PostgreSQL (ATELIER_TEST_DATABASE_URL): several processes share one database"
    }

    static func start(apis: Int, workers: Int, environment extra: [String: String] = [:]) async throws -> AtelierCluster {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-cluster-\(UUID().uuidString)")
        let database = try await TestDatabase.create(in: folder)
        var environment = [
            "ATELIER_SECRET_KEY": String(repeating: "5ca1ab1e", count: 8), "ATELIER_DEV_PROCESSORS": "1",
            "ATELIER_JOBS_PER_MINUTE": "1000000", "ATELIER_REQUESTS_PER_MINUTE": "1000000",
        ]
        environment.merge(extra) { $1 }
        var started: [RunningAtelier] = []
        do {
            // One at a time: the first migrates the database, the others find it ready.
            for _ in 0..<apis {
                started.append(try await RunningAtelier.start(folder: folder, database: database, command: ["serve", "--no-workers"], environment: environment))
            }
            var cluster = AtelierCluster(folder: folder, database: database, apis: started, workers: [], environment: environment)
            for _ in 0..<workers { try await cluster.addWorker() }
            return cluster
        } catch {
            for process in started { await process.stop(keepData: true) }
            await database.drop()
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
    }

    mutating func addWorker(environment extra: [String: String] = [:]) async throws {
        workers.append(try await RunningAtelier.start(folder: folder, database: database, command: ["worker"],
                                                      environment: environment.merging(extra) { $1 }))
    }

    /// Runs `body` with a started cluster, then stops every process and drops the database.
    static func with(apis: Int, workers: Int, environment: [String: String] = [:], _ body: (inout AtelierCluster) async throws -> Void) async throws {
        var cluster = try await start(apis: apis, workers: workers, environment: environment)
        do {
            try await body(&cluster)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    func stop() async {
        for process in apis + workers { await process.stop(keepData: true) }
        await database.drop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// The cluster's database, for checking what the processes did.
    func query<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let db = try await DatabaseOpener.open(url: database.url, migrate: false, maxConnections: 1)
        do {
            let result = try await db.read(body)
            try await db.close()
            return result
        } catch {
            try? await db.close()
            throw error
        }
    }

    /// Waits (up to `seconds`) until no job is queued or running; true when that happened.
    func waitUntilIdle(seconds: Double = 120) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let pending = try await query { db in
                try await db.raw("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'running')").first()?.decode(column: "n", as: Int.self)
            }
            if pending == 0 { return true }
            try await Task.sleep(for: .milliseconds(250))
        }
        return false
    }
}

extension RunningAtelier {
    /// One request through AsyncHTTPClient (does not block a thread): status and body.
    func send(_ method: String, _ path: String, token: String? = nil, json: String? = nil,
              headers: [String: String] = [:]) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .init(rawValue: method)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 22)
        return (Int(response.status.code), String(buffer: body))
    }

    /// Creates `email`'s account through this process and returns its access token.
    func register(email: String) async throws -> String {
        let (status, body) = try await send("POST", "/api/v1/auth/register", json: #"{"email":"\#(email)","password":"long enough"}"#)
        guard status == 201, let match = body.firstMatch(of: /"access_token":"([^"]+)"/) else { throw TestFailure("register: \(status) \(body)") }
        return String(match.1)
    }
}
