import AtelierCore
import Foundation
import SQLKit

extension SQLJobStore {
    public func balance(ownerID: String) async throws -> Int {
        try await database.read { db in
            try await db.raw("SELECT balance FROM credit_balances WHERE owner_id = \(bind: ownerID)").first()?
                .decode(column: "balance", as: Int.self) ?? 0
        }
    }

    public func ledger(ownerID: String, afterID: String?, limit: Int) async throws -> [LedgerEntry] {
        let cursor: SQLQueryString = afterID.map { "AND id < \(bind: $0)" } ?? ""
        return try await database.read { db in
            try await db.raw("""
                SELECT * FROM credit_ledger WHERE owner_id = \(bind: ownerID) \(cursor) ORDER BY id DESC LIMIT \(bind: limit)
                """).all().map(JobRows.ledger)
        }
    }

    public func grant(ownerID: String, amount: Int, reason: String) async throws -> LedgerEntry {
        try await database.transaction { db in
            try await Credits.move(db, ownerID: ownerID, delta: amount, reason: reason, jobID: nil, now: Date())
        }
    }

    public func reserve(_ key: IdempotencyKey, now: Date, inFlightTimeout: TimeInterval) async throws -> IdempotencyLookup {
        try await database.transaction { db in
            // Insert first: of two requests with a new key (side by side on PostgreSQL) one inserts,
            // the other waits for it and then reads its row.
            if try await db.raw("""
                INSERT INTO idempotency_keys (owner_id, key, request_hash, created_at)
                VALUES (\(bind: key.ownerID), \(bind: key.key), \(bind: key.requestHash), \(bind: now.millis))
                ON CONFLICT (owner_id, key) DO NOTHING RETURNING key
                """).first() != nil {
                return .reserved
            }
            guard let row = try await db.raw("""
                SELECT * FROM idempotency_keys WHERE owner_id = \(bind: key.ownerID) AND key = \(bind: key.key)
                """).first() else {
                return .inFlight  // released between the two statements: the first request failed
            }
            guard try row.decode(column: "request_hash", as: String.self) == key.requestHash else { return .mismatch }
            if let status = try row.decode(column: "status", as: Int?.self) {
                return .replay(status: status, body: Data((try row.decode(column: "body", as: String?.self) ?? "").utf8))
            }
            // A reservation whose request died with its process would block the key for a day.
            let reservedAt = Date(millis: try row.decode(column: "created_at", as: Int64.self))
            guard now.timeIntervalSince(reservedAt) > inFlightTimeout else { return .inFlight }
            try await db.raw("""
                UPDATE idempotency_keys SET created_at = \(bind: now.millis) WHERE owner_id = \(bind: key.ownerID) AND key = \(bind: key.key)
                """).run()
            return .reserved
        }
    }

    public func hasRecord(_ key: IdempotencyKey) async throws -> Bool {
        try await database.read { db in
            try await db.raw("""
                SELECT key FROM idempotency_keys WHERE owner_id = \(bind: key.ownerID) AND key = \(bind: key.key)
                """).first() != nil
        }
    }

    public func release(_ key: IdempotencyKey) async throws {
        try await database.transaction { db in
            try await db.raw("""
                DELETE FROM idempotency_keys WHERE owner_id = \(bind: key.ownerID) AND key = \(bind: key.key) AND status IS NULL
                """).run()
        }
    }

    public func deleteEvents(before date: Date) async throws -> Int {
        try await database.transaction { db in
            try await db.raw("DELETE FROM job_events WHERE created_at < \(bind: date.millis) RETURNING sequence").all().count
        }
    }

    public func claimOccurrence(name: String, occurrence: Int64) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.raw("""
                INSERT INTO recurring_runs (name, occurrence) VALUES (\(bind: name), \(bind: occurrence))
                ON CONFLICT (name, occurrence) DO NOTHING RETURNING name
                """).first() != nil else { return false }
            // The table would grow by every run forever; the last 100 occurrences still stop a
            // process whose clock is behind from running one of them again.
            try await db.raw("DELETE FROM recurring_runs WHERE name = \(bind: name) AND occurrence < \(bind: occurrence - 100)").run()
            return true
        }
    }

    public func deleteIdempotency(before date: Date) async throws -> Int {
        try await database.transaction { db in
            try await db.raw("DELETE FROM idempotency_keys WHERE created_at < \(bind: date.millis) RETURNING key").all().count
        }
    }
}

/// Moving credits: the balance row and its ledger entry change together, and the balance can
/// never go below zero (the UPDATE then matches nothing and the caller's transaction rolls back).
enum Credits {
    @discardableResult
    static func move(_ db: any SQLDatabase, ownerID: String, delta: Int, reason: String, jobID: String?, now: Date) async throws -> LedgerEntry {
        let row: (any SQLRow)?
        if delta >= 0 {
            row = try await db.raw("""
                INSERT INTO credit_balances (owner_id, balance) VALUES (\(bind: ownerID), \(bind: delta))
                ON CONFLICT (owner_id) DO UPDATE SET balance = credit_balances.balance + \(bind: delta)
                RETURNING balance
                """).first()
        } else {
            row = try await db.raw("""
                UPDATE credit_balances SET balance = balance + \(bind: delta)
                WHERE owner_id = \(bind: ownerID) AND balance + \(bind: delta) >= 0
                RETURNING balance
                """).first()
        }
        guard let balance = try row?.decode(column: "balance", as: Int.self) else { throw JobError.insufficientCredits }
        let entry = LedgerEntry(id: Identifier.make(now: now), ownerID: ownerID, delta: delta, reason: reason, jobID: jobID, balanceAfter: balance, createdAt: now)
        try await db.raw("""
            INSERT INTO credit_ledger (id, owner_id, delta, reason, job_id, balance_after, created_at)
            VALUES (\(bind: entry.id), \(bind: ownerID), \(bind: delta), \(bind: reason), \(bind: jobID), \(bind: balance), \(bind: now.millis))
            """).run()
        return entry
    }
}
