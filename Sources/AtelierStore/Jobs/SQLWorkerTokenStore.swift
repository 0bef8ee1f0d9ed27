import AtelierCore
import Foundation
import SQLKit

/// External workers' tokens on SQL: only the secret's SHA-256 is kept; revoking keeps the row.
public struct SQLWorkerTokenStore: WorkerTokenStore {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    public func add(_ token: WorkerToken, secretHash: String) async throws {
        let processors = String(decoding: try JSONEncoder().encode(token.processors), as: UTF8.self)
        try await database.transaction { db in
            try await db.raw("""
                INSERT INTO worker_tokens (id, name, secret_hash, processors, created_at)
                VALUES (\(bind: token.id), \(bind: token.name), \(bind: secretHash), \(bind: processors), \(bind: token.createdAt.millis))
                """).run()
        }
    }

    public func token(secretHash: String) async throws -> WorkerToken? {
        try await database.read { db in
            try await db.raw("SELECT * FROM worker_tokens WHERE secret_hash = \(bind: secretHash) AND revoked_at IS NULL")
                .first().map(Self.token)
        }
    }

    public func tokens() async throws -> [WorkerToken] {
        try await database.read { db in
            try await db.raw("SELECT * FROM worker_tokens WHERE revoked_at IS NULL ORDER BY id").all().map(Self.token)
        }
    }

    public func revoke(id: String) async throws -> Bool {
        try await database.transaction { db in
            try await db.raw("""
                UPDATE worker_tokens SET revoked_at = \(bind: Date().millis) WHERE id = \(bind: id) AND revoked_at IS NULL RETURNING id
                """).first() != nil
        }
    }

    static func token(_ row: any SQLRow) throws -> WorkerToken {
        WorkerToken(
            id: try row.decode(column: "id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            processors: (try? JSONDecoder().decode([String].self, from: Data(try row.decode(column: "processors", as: String.self).utf8))) ?? [],
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)))
    }
}
