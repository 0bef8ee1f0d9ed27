import Foundation
import SQLKit

/// One versioned schema change. Versions only grow; a shipped migration is never edited.
struct Migration: Sendable {
    let version: Int
    let name: String
    let statements: [String]
}

/// Applies, in order and each in its own transaction, every migration the database has not seen.
public struct Migrator: Sendable {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    static let all: [Migration] = [
        Migration(version: 1, name: "accounts", statements: [
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY,
                email TEXT NOT NULL UNIQUE,
                display_name TEXT,
                password_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE refresh_tokens (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                family_id TEXT NOT NULL,
                token_hash TEXT NOT NULL UNIQUE,
                expires_at BIGINT NOT NULL,
                used_at BIGINT,
                revoked_at BIGINT
            )
            """,
            "CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)",
            "CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id)",
        ]),
        Migration(version: 2, name: "media", statements: [
            """
            CREATE TABLE media (
                id TEXT PRIMARY KEY,
                owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                sha256 TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                UNIQUE (owner_id, sha256)
            )
            """,
            "CREATE INDEX media_owner ON media (owner_id, id)",
            """
            CREATE TABLE media_variants (
                media_id TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                blob_key TEXT NOT NULL,
                format TEXT NOT NULL,
                width INTEGER NOT NULL,
                height INTEGER NOT NULL,
                bytes BIGINT NOT NULL,
                PRIMARY KEY (media_id, kind)
            )
            """,
            "CREATE INDEX media_variants_blob ON media_variants (blob_key)",
        ]),
    ]

    /// Returns the versions it applied.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await database.transaction { db in
            try await db.raw("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)
                """).run()
        }
        let applied = Set(try await database.read { db in
            try await db.raw("SELECT version FROM schema_migrations").all().map { try $0.decode(column: "version", as: Int.self) }
        })
        var done: [Int] = []
        for migration in Self.all where !applied.contains(migration.version) {
            do {
                try await database.transaction { db in
                    for statement in migration.statements { try await db.raw(SQLQueryString(statement)).run() }
                    try await db.raw("""
                        INSERT INTO schema_migrations (version, name, applied_at)
                        VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Date().millis))
                        """).run()
                }
            } catch {
                throw DatabaseError.migrationFailed(version: migration.version, String(describing: error))
            }
            done.append(migration.version)
        }
        return done
    }
}
