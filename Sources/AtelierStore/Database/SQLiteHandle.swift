import CSQLiteDirect
import NIOCore
import SQLiteNIO

/// One SQLite connection driven synchronously on the calling thread, with its prepared statements
/// kept for reuse. A statement costs microseconds this way; the database lends a handle to one
/// caller at a time, so no two threads ever use it at once.
final class SQLiteHandle: @unchecked Sendable {
    private let connection: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]
    private var closed = false
    /// Enough for every query the stores write; dynamic IN-lists could grow it without bound.
    private let statementCacheLimit = 256

    init(path: String) throws {
        var db: OpaquePointer?
        // READWRITE | CREATE | NOMUTEX | URI: SQLite's own mutex is redundant behind the lender.
        let status = sqlite_nio_sqlite3_open_v2(path, &db, 0x02 | 0x04 | 0x8000 | 0x40, nil)
        guard status == ATELIER_SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite_nio_sqlite3_close_v2(db) }
            throw SQLiteFailure(code: status, message: "cannot open \(path): \(message)")
        }
        connection = db
        sqlite_nio_sqlite3_busy_timeout(db, 5000)
    }

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements = [:]
        sqlite_nio_sqlite3_close_v2(connection)
    }

    /// Runs one statement, handing each result row to `onRow` as column names and values.
    func execute(_ sql: String, _ binds: [SQLiteData], onRow: (SQLiteResultColumns, [SQLiteData]) throws -> Void) throws {
        guard !closed else { throw SQLiteFailure(code: 21, message: "the connection is closed") }
        let statement = try prepared(sql)
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (index, value) in binds.enumerated() {
            try check(bind(value, at: Int32(index + 1), to: statement))
        }
        var columns: SQLiteResultColumns?
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == ATELIER_SQLITE_DONE { return }
            guard status == ATELIER_SQLITE_ROW else { try check(status); return }
            let names = columns ?? SQLiteResultColumns(statement: statement)
            columns = names
            try onRow(names, (0..<Int32(names.names.count)).map { value(at: $0, of: statement) })
        }
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        // SQLITE_PREPARE_PERSISTENT: the statement lives in the cache for the connection's life.
        try check(sqlite_nio_sqlite3_prepare_v3(connection, sql, -1, 0x01, &statement, nil))
        guard let statement else { throw SQLiteFailure(code: 21, message: "empty statement") }
        if statements.count >= statementCacheLimit {
            for old in statements.values { sqlite_nio_sqlite3_finalize(old) }
            statements = [:]
        }
        statements[sql] = statement
        return statement
    }

    private func bind(_ value: SQLiteData, at index: Int32, to statement: OpaquePointer) -> Int32 {
        switch value {
        case .integer(let number): sqlite_nio_sqlite3_bind_int64(statement, index, Int64(number))
        case .float(let number): sqlite_nio_sqlite3_bind_double(statement, index, number)
        case .null: sqlite_nio_sqlite3_bind_null(statement, index)
        case .text(let text):
            text.utf8CString.withUnsafeBufferPointer {
                atelier_sqlite_bind_text(statement, index, $0.baseAddress, Int64($0.count - 1))
            }
        case .blob(let buffer):
            buffer.withUnsafeReadableBytes {
                atelier_sqlite_bind_blob(statement, index, $0.baseAddress, Int64($0.count))
            }
        }
    }

    private func value(at column: Int32, of statement: OpaquePointer) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case ATELIER_SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
        case ATELIER_SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, column))
        case ATELIER_SQLITE_TEXT:
            guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return .text("") }
            return .text(String(cString: text))
        case ATELIER_SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, column) {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
            }
            return .blob(buffer)
        default: return .null
        }
    }

    private func check(_ status: Int32) throws {
        guard status != ATELIER_SQLITE_OK else { return }
        throw SQLiteFailure(
            code: sqlite_nio_sqlite3_extended_errcode(connection),
            message: String(cString: sqlite_nio_sqlite3_errmsg(connection)))
    }
}

/// The column names of one result, shared by all its rows.
final class SQLiteResultColumns: Sendable {
    let names: [String]
    let offsets: [String: Int]

    init(statement: OpaquePointer) {
        let count = sqlite_nio_sqlite3_column_count(statement)
        names = (0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) }
        var offsets: [String: Int] = [:]
        for (index, name) in names.enumerated() where offsets[name] == nil { offsets[name] = index }
        self.offsets = offsets
    }
}

/// A failed SQLite call: its extended result code and SQLite's own message.
struct SQLiteFailure: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    var description: String { "SQLite error \(code): \(message)" }
}
