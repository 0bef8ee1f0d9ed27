import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit

/// SQLite in WAL mode: a few reader connections side by side and one writer, so writes never
/// fight over the file lock and readers never wait for writers.
final class SQLiteDatabase: Database {
    private let readers: ConnectionLender<SQLiteConnection>
    private let writer: ConnectionLender<SQLiteConnection>
    private let all: [SQLiteConnection]

    private init(readers: [SQLiteConnection], writer: SQLiteConnection) {
        self.readers = ConnectionLender(readers)
        self.writer = ConnectionLender([writer])
        self.all = readers + [writer]
    }

    static func open(path: String, readerCount: Int = 4) async throws -> SQLiteDatabase {
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        var connections: [SQLiteConnection] = []
        do {
            for index in 0...readerCount {
                let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: Logger(label: "atelier.sqlite"))
                connections.append(connection)
                // busy_timeout first: the others wait rather than fail while one takes a lock.
                // WAL is a property of the file, so the first connection sets it for all.
                var pragmas = ["PRAGMA busy_timeout = 5000", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON"]
                if index == 0 { pragmas.insert("PRAGMA journal_mode = WAL", at: 1) }
                for pragma in pragmas { _ = try await connection.query(pragma) }
            }
        } catch {
            for connection in connections { try? await connection.close() }
            throw error
        }
        return SQLiteDatabase(readers: Array(connections.dropLast()), writer: connections.last!)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await readers.withConnection { try await body($0.sql(queryLogLevel: nil)) }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await writer.withConnection { connection in
            let db = connection.sql(queryLogLevel: nil)
            try await db.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(db)
                try await db.raw("COMMIT").run()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// A database dropped without `close()` (an error path) still closes its connections.
    deinit {
        for connection in all where !connection.isClosed { _ = connection.close() as EventLoopFuture<Void> }
    }

    func close() async throws {
        for connection in all where !connection.isClosed { try await connection.close() }
    }
}

/// Lends connections one caller at a time; callers wait in order when all are out.
actor ConnectionLender<Connection: Sendable> {
    private var idle: [Connection]
    private var waiting: [CheckedContinuation<Connection, Never>] = []

    init(_ connections: [Connection]) {
        idle = connections
    }

    nonisolated func withConnection<T: Sendable>(_ body: (Connection) async throws -> T) async throws -> T {
        let connection = await borrow()
        do {
            let result = try await body(connection)
            await giveBack(connection)
            return result
        } catch {
            await giveBack(connection)
            throw error
        }
    }

    private func borrow() async -> Connection {
        if let connection = idle.popLast() { return connection }
        return await withCheckedContinuation { waiting.append($0) }
    }

    private func giveBack(_ connection: Connection) {
        if waiting.isEmpty { idle.append(connection) } else { waiting.removeFirst().resume(returning: connection) }
    }
}
