import AtelierCore
import Foundation
import SQLKit

extension SQLJobStore {
    /// The changed jobs of a transaction with their events, written last in the transaction (nil
    /// stays nil: that part changed nothing).
    func changes(_ db: any SQLDatabase, _ jobs: [Job?]) async throws -> [JobChange?] {
        var events = try await recordEvents(db, jobs.compactMap { $0 })[...]
        return jobs.map { job in job.map { JobChange(job: $0, event: events.popFirst()) } }
    }

    /// Writes the events of `jobs` in one statement, in the caller's transaction, and on
    /// PostgreSQL announces them (NOTIFY is delivered at commit, so nobody hears of a change that
    /// did not happen). Streams resume after the last sequence they saw, so on PostgreSQL, where
    /// identities are drawn in one order and committed in another, event writers take a lock held
    /// to commit: sequences become visible in order. The lock is taken in the statement itself and
    /// as a transaction's last write, after any credit rows it locks (one order for every writer,
    /// and the lock held for the least time: what bounds the queue's throughput).
    func recordEvents(_ db: any SQLDatabase, _ jobs: [Job]) async throws -> [JobEvent] {
        guard !jobs.isEmpty else { return [] }
        let snapshots = jobs.map(JobRows.snapshot)
        let values = zip(jobs, snapshots).map { job, snapshot in
            "(\(bind: job.id), \(bind: job.ownerID), \(bind: snapshot), \(bind: job.updatedAt.millis))" as SQLQueryString
        }.joined(separator: ", ")
        let rows: [any SQLRow]
        if db.isPostgres {
            let queued: SQLQueryString = jobs.contains { $0.state == .queued } ? ", pg_notify('\(unsafeRaw: PostgresJobEventFeed.queuedChannel)', '')" : ""
            // NOTIFY payloads stop at 8000 bytes: a larger snapshot is left out and read from the table.
            rows = try await db.raw("""
                WITH added AS (
                    INSERT INTO job_events (job_id, owner_id, snapshot, created_at)
                    SELECT v.job_id, v.owner_id, v.snapshot, v.created_at
                    FROM (SELECT pg_advisory_xact_lock(\(unsafeRaw: String(AdvisoryLock.jobEvents)))) AS event_lock,
                         (VALUES \(values)) AS v(job_id, owner_id, snapshot, created_at)
                    RETURNING sequence, job_id, owner_id, snapshot)
                SELECT sequence, pg_notify('\(unsafeRaw: PostgresJobEventFeed.eventsChannel)',
                    \(bind: origin) || '|' || sequence || '|' || owner_id || '|' || job_id || '|'
                    || CASE WHEN octet_length(snapshot) < 7000 THEN snapshot ELSE '' END)\(queued)
                FROM added
                """).all()
        } else {
            rows = try await db.raw("""
                INSERT INTO job_events (job_id, owner_id, snapshot, created_at) VALUES \(values) RETURNING sequence
                """).all()
        }
        // Sequences are drawn in the order of the values: sorted, they pair with `jobs`.
        let sequences = try rows.map { try $0.decode(column: "sequence", as: Int64.self) }.sorted()
        return zip(jobs, sequences).map { JobEvent(sequence: $1, job: $0) }
    }
}
