import Foundation
import Logging
import SQLKit

/// SQLite in WAL mode: a few reader connections side by side and one writer, so writes never
/// fight over the file lock and readers never wait for writers.
final class SQLiteDatabase: Database {
    private let readers: ConnectionLender<SQLiteHandle>
    private let writer: ConnectionLender<SQLiteHandle>
    private let logger = Logger(label: "atelier.sqlite")
    private let writerThread = DatabaseThread(name: "atelier-sqlite-writer")

    private init(readers: [SQLiteHandle], writer: SQLiteHandle) {
        self.readers = ConnectionLender(readers)
        self.writer = ConnectionLender([writer])
    }

    static func open(path: String, readerCount: Int = 4) async throws -> SQLiteDatabase {
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        var handles: [SQLiteHandle] = []
        do {
            for index in 0...readerCount {
                let handle = try SQLiteHandle(path: path)
                handles.append(handle)
                // WAL is a property of the file, so the first connection sets it for all.
                var pragmas = ["PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON"]
                if index == 0 { pragmas.insert("PRAGMA journal_mode = WAL", at: 0) }
                for pragma in pragmas { try handle.execute(pragma, []) { _, _ in } }
            }
        } catch {
            for handle in handles { handle.close() }
            throw error
        }
        return SQLiteDatabase(readers: Array(handles.dropLast()), writer: handles.last!)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await readers.withConnection { try await body(DirectSQLDatabase(handle: $0, logger: logger)) }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if #available(macOS 15, iOS 18, *) {
            try await withTaskExecutorPreference(writerThread) { try await write(body) }
        } else {
            try await write(body)
        }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await writer.withConnection { handle in
            try handle.execute("BEGIN IMMEDIATE", []) { _, _ in }
            do {
                let result = try await body(DirectSQLDatabase(handle: handle, logger: logger))
                try handle.execute("COMMIT", []) { _, _ in }
                return result
            } catch {
                try? handle.execute("ROLLBACK", []) { _, _ in }
                throw error
            }
        }
    }

    /// Waits for every connection to come back before closing it: closing one that another
    /// thread is still using would let SQLite write through a file descriptor that the next
    /// opened file may already have reused.
    func close() async throws {
        await readers.closeAll { $0.close() }
        await writer.closeAll { $0.close() }
    }

    /// The thread stops only when nothing can queue work on it any more: a transaction after
    /// `close()` must fail, not wait forever.
    deinit {
        writerThread.stop()
    }
}

/// Lends connections one caller at a time; callers wait in order when all are out.
actor ConnectionLender<Connection: Sendable> {
    private var idle: [Connection]
    private var waiting: [CheckedContinuation<Connection, Never>] = []
    private let count: Int

    init(_ connections: [Connection]) {
        idle = connections
        count = connections.count
    }

    /// Takes every connection back as it is returned, runs `close` on each, then lends them out
    /// again: a caller after that gets a closed connection, which fails instead of hanging.
    func closeAll(_ close: (Connection) -> Void) async {
        var all: [Connection] = []
        for _ in 0..<count { all.append(await borrow()) }
        for connection in all {
            close(connection)
            giveBack(connection)
        }
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
