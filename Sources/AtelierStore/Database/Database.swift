import Foundation
import SQLKit

/// The relational store behind every feature: reads on any connection, writes in a transaction.
/// SQLite or PostgreSQL behind the same two calls.
public protocol Database: Sendable {
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func close() async throws
}

extension Database {
    /// True when a trivial query answers (the readiness probe).
    public func isReachable() async -> Bool {
        (try? await read { db in try await db.raw("SELECT 1 AS ok").first() != nil }) ?? false
    }
}

/// Opens the database a URL names: `postgres://user:password@host:port/database` (or
/// `postgresql://`), else `sqlite:///path/to/file.sqlite` or a bare path.
public enum DatabaseOpener {
    /// True for the URLs `open` takes as PostgreSQL.
    public static func isPostgres(url: String) -> Bool {
        url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")
    }

    public static func open(url: String, migrate: Bool = true, maxConnections: Int = 10) async throws -> any Database {
        let database: any Database
        if isPostgres(url: url) {
            database = try PostgresDatabase.open(url: url, maxConnections: maxConnections)
        } else {
            database = try await SQLiteDatabase.open(path: url.hasPrefix("sqlite://") ? String(url.dropFirst("sqlite://".count)) : url)
        }
        if migrate {
            do {
                try await Migrator(database: database).migrate()
            } catch {
                try? await database.close()
                throw error
            }
        }
        return database
    }
}

public enum DatabaseError: Error, CustomStringConvertible {
    case unsupported(String)
    case migrationFailed(version: Int, String)

    public var description: String {
        switch self {
        case .unsupported(let text): text
        case .migrationFailed(let version, let text): "migration \(version) failed: \(text)"
        }
    }
}

/// Epoch milliseconds: one integer type that SQLite and PostgreSQL store and compare alike.
extension Date {
    var millis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
    init(millis: Int64) { self.init(timeIntervalSince1970: Double(millis) / 1000) }
}
