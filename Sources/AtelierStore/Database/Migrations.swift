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
        Migration(version: 3, name: "jobs and credits", statements: [
            """
            CREATE TABLE credit_balances (
                owner_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                balance BIGINT NOT NULL CHECK (balance >= 0)
            )
            """,
            """
            CREATE TABLE credit_ledger (
                id TEXT PRIMARY KEY,
                owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                delta BIGINT NOT NULL,
                reason TEXT NOT NULL,
                job_id TEXT,
                balance_after BIGINT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX credit_ledger_owner ON credit_ledger (owner_id, id)",
            """
            CREATE TABLE jobs (
                id TEXT PRIMARY KEY,
                owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                processor TEXT NOT NULL,
                state TEXT NOT NULL,
                queue TEXT NOT NULL,
                priority INTEGER NOT NULL,
                media_ids TEXT NOT NULL,
                params TEXT NOT NULL,
                progress DOUBLE PRECISION NOT NULL,
                step TEXT,
                result TEXT,
                error TEXT,
                credits_charged BIGINT NOT NULL,
                attempts INTEGER NOT NULL,
                max_attempts INTEGER NOT NULL,
                cancel_requested INTEGER NOT NULL,
                lease_owner TEXT,
                lease_until BIGINT,
                run_after BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX jobs_runnable ON jobs (queue, state, priority, run_after)",
            "CREATE INDEX jobs_owner ON jobs (owner_id, id)",
            "CREATE INDEX jobs_leases ON jobs (state, lease_until)",
            """
            CREATE TABLE job_events (
                sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                job_id TEXT NOT NULL,
                owner_id TEXT NOT NULL,
                snapshot TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX job_events_owner ON job_events (owner_id, sequence)",
            """
            CREATE TABLE idempotency_keys (
                owner_id TEXT NOT NULL,
                key TEXT NOT NULL,
                request_hash TEXT NOT NULL,
                status INTEGER,
                body TEXT,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (owner_id, key)
            )
            """,
            "CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at)",
            "CREATE TABLE recurring_runs (name TEXT NOT NULL, occurrence BIGINT NOT NULL, PRIMARY KEY (name, occurrence))",
        ]),
        // The claim walks this index in its ORDER BY; the old one made every claim sort the
        // whole queue (a few ms with thousands waiting).
        Migration(version: 4, name: "job claim order", statements: [
            "DROP INDEX jobs_runnable",
            "CREATE INDEX jobs_claim ON jobs (queue, state, priority DESC, id)",
        ]),
        catalog,
        ingestionSources,
        workerTokens,
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
