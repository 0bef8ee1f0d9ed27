import Foundation
import SQLKit

/// The relational store behind every feature: reads on any connection, writes in a transaction.
/// SQLite today; PostgreSQL implements the same two calls.
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

/// Opens the database a URL names: `sqlite:///path/to/file.sqlite` (or a bare path) for now.
public enum DatabaseOpener {
    public static func open(url: String, migrate: Bool = true) async throws -> any Database {
        let path: String
        if url.hasPrefix("sqlite://") {
            path = String(url.dropFirst("sqlite://".count))
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            throw DatabaseError.unsupported("PostgreSQL is not built into this version yet; use a SQLite path.")
        } else {
            path = url
        }
        let database = try await SQLiteDatabase.open(path: path)
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
