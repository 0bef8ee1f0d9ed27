import Foundation
import SQLKit

/// One versioned schema change. Versions only grow; a shipped migration is never edited.
struct Migration: Sendable {
    let version: Int
    let name: String
    let statements: [MigrationStatement]
}

/// A statement for both dialects (a plain string), or what each dialect runs in its place; nil
/// where a dialect has nothing to do.
struct MigrationStatement: Sendable, ExpressibleByStringInterpolation {
    let sqlite: String?
    let postgres: String?

    init(sqlite: String?, postgres: String?) {
        self.sqlite = sqlite
        self.postgres = postgres
    }

    init(stringLiteral value: String) {
        self.init(sqlite: value, postgres: value)
    }

    init(stringInterpolation: DefaultStringInterpolation) {
        self.init(stringLiteral: String(stringInterpolation: stringInterpolation))
    }

    func sql(postgres isPostgres: Bool) -> String? {
        isPostgres ? postgres : sqlite
    }
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
            MigrationStatement(sqlite: """
                CREATE TABLE job_events (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    job_id TEXT NOT NULL,
                    owner_id TEXT NOT NULL,
                    snapshot TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """, postgres: """
                CREATE TABLE job_events (
                    sequence BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                    job_id TEXT NOT NULL,
                    owner_id TEXT NOT NULL,
                    snapshot TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """),
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
        pgvector,
    ]

    /// Returns the versions it applied. On PostgreSQL each step holds an advisory lock, so of
    /// two processes starting at once one migrates and the other then finds the work done.
    /// `through`: the last version to apply (tests of a migration start from the one before).
    @discardableResult
    public func migrate(through last: Int = .max) async throws -> [Int] {
        try await database.transaction { db in
            try await Self.lock(db)
            try await db.raw("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)
                """).run()
        }
        var done: [Int] = []
        for migration in Self.all where migration.version <= last {
            do {
                let applied = try await database.transaction { db in
                    try await Self.lock(db)
                    // Checked under the lock: another process may have just applied it.
                    guard try await db.raw("SELECT version FROM schema_migrations WHERE version = \(bind: migration.version)")
                        .first() == nil else { return false }
                    for statement in migration.statements {
                        guard let sql = statement.sql(postgres: db.isPostgres) else { continue }
                        try await db.raw(SQLQueryString(sql)).run()
                    }
                    try await db.raw("""
                        INSERT INTO schema_migrations (version, name, applied_at)
                        VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Date().millis))
                        """).run()
                    return true
                }
                if applied { done.append(migration.version) }
            } catch {
                // String(reflecting:): PostgresNIO's errors describe themselves only there.
                throw DatabaseError.migrationFailed(version: migration.version, String(reflecting: error))
            }
        }
        return done
    }

    /// The transaction-scoped advisory lock that serialises migrations across processes
    /// (PostgreSQL; SQLite's writer lock already does it). The key is arbitrary but fixed.
    static func lock(_ db: any SQLDatabase) async throws {
        guard db.isPostgres else { return }
        try await db.raw("SELECT pg_advisory_xact_lock(\(unsafeRaw: String(AdvisoryLock.migrations)))").run()
    }
}

/// Keys of PostgreSQL advisory locks, one per thing they serialise.
enum AdvisoryLock {
    static let migrations: Int64 = 0x6174_656c_6965_7201  // "atelier" + 1
    static let catalogRevisions: Int64 = 0x6174_656c_6965_7202
    static let jobEvents: Int64 = 0x6174_656c_6965_7203
}
