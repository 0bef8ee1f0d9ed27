import AtelierStore
import Foundation
import SQLKit

/// A test's own database: a fresh SQLite file in the test's folder or, when
/// ATELIER_TEST_DATABASE_URL names a PostgreSQL server (scripts/postgres-server.py starts one), a
/// fresh database on it, created through that URL and dropped afterwards, so tests stay isolated
/// and run side by side.
struct TestDatabase: Sendable {
    /// The database's URL: a SQLite path, or postgres://… for the new database.
    let url: String
    /// The PostgreSQL database's name; nil for SQLite.
    let name: String?

    static var serverURL: String? {
        ProcessInfo.processInfo.environment["ATELIER_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var isPostgres: Bool { serverURL != nil }

    /// Connections per test server: the suite runs a hundred servers at once, and the test
    /// PostgreSQL takes a thousand connections in all.
    static let poolSize = 6

    /// What to set ATELIER_DATABASE_URL to: nil for SQLite, whose file goes in the data folder.
    var postgresURL: String? { name == nil ? nil : url }

    static func create(in folder: URL, file: String = "atelier.sqlite") async throws -> TestDatabase {
        guard let server = serverURL else {
            return TestDatabase(url: folder.appendingPathComponent(file).path, name: nil)
        }
        let name = "atelier_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await admin(server) { db in try await db.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
        guard var parts = URLComponents(string: server) else { throw TestFailure("ATELIER_TEST_DATABASE_URL is not a URL") }
        parts.path = "/" + name
        return TestDatabase(url: parts.string ?? server, name: name)
    }

    /// Drops the PostgreSQL database, with whatever connections a killed process left behind.
    func drop() async {
        guard let name, let server = Self.serverURL else { return }
        try? await Self.admin(server) { db in try await db.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run() }
    }

    /// Opens `database`, runs `body` with it, closes it and drops it, also when `body` throws.
    static func with<T: Sendable>(in folder: URL, file: String = "atelier.sqlite", migrate: Bool = true,
                                  _ body: (any Database) async throws -> T) async throws -> T {
        let test = try await create(in: folder, file: file)
        do {
            let database = try await DatabaseOpener.open(url: test.url, migrate: migrate, maxConnections: poolSize)
            do {
                let result = try await body(database)
                try await database.close()
                await test.drop()
                return result
            } catch {
                try? await database.close()
                throw error
            }
        } catch {
            await test.drop()
            throw error
        }
    }

    private static func admin(_ url: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws {
        // Outside a transaction: CREATE and DROP DATABASE refuse to run inside one.
        let database = try await DatabaseOpener.open(url: url, migrate: false, maxConnections: 1)
        do {
            try await database.read(body)
        } catch {
            try? await database.close()
            throw error
        }
        try await database.close()
    }
}
