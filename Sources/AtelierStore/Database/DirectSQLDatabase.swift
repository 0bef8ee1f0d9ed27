import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO

/// SQLKit's view of a borrowed `SQLiteHandle`: queries are serialised by SQLKit and run at once on
/// the calling task, so a whole transaction executes without a single thread hop.
struct DirectSQLDatabase: SQLDatabase {
    let handle: SQLiteHandle
    let logger: Logger
    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        eventLoop.makeCompletedFuture { try run(query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try run(query, onRow)
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> ()) throws {
        let (sql, binds) = serialize(query)
        let encoder = SQLiteDataEncoder()
        try handle.execute(sql, binds.map { try encoder.encode($0) }) { columns, values in
            onRow(SQLiteResultRow(columns: columns, values: values))
        }
    }
}

/// One result row, decoded the way sqlite-kit decodes its own rows.
struct SQLiteResultRow: SQLRow {
    let columns: SQLiteResultColumns
    let values: [SQLiteData]

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.offsets[column] != nil }

    func decodeNil(column: String) throws -> Bool { (value(column) ?? .null) == .null }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let data = value(column) else {
            throw SQLiteFailure(code: 0, message: "no column named \(column) in the result")
        }
        return try SQLiteDataDecoder().decode(D.self, from: data)
    }

    private func value(_ column: String) -> SQLiteData? {
        columns.offsets[column].map { values[$0] }
    }
}
