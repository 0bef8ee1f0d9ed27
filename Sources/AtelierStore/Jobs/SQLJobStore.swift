import AtelierCore
import Foundation
import SQLKit

/// Jobs, their queue and their events on SQL. Every change that touches credits happens in the
/// transaction that changes the job.
public struct SQLJobStore: JobStore {
    let database: any Database
    /// Names this store in its announcements, so its own process's feed skips what it published itself.
    let origin = String(UUID().uuidString.prefix(13))

    public init(database: any Database) {
        self.database = database
    }

    /// The other processes' job changes from now on: on PostgreSQL, LISTEN/NOTIFY; nil on SQLite
    /// (one process).
    public func openEventFeed() async throws -> (any JobEventFeed)? {
        guard let postgres = database as? PostgresDatabase else { return nil }
        return try await PostgresJobEventFeed.open(database: postgres, origin: origin)
    }

    public func create(_ job: Job, idempotency: IdempotencyKey, response: (status: Int, body: Data)) async throws -> JobEvent {
        let responseBody = String(decoding: response.body, as: UTF8.self)
        return try await database.transaction { db in
            if job.creditsCharged > 0 {
                try await Credits.move(db, ownerID: job.ownerID, delta: -job.creditsCharged, reason: "job", jobID: job.id, now: job.createdAt)
            }
            try await insert(db, job)
            // Only an open reservation can be completed: of two requests that both took over a
            // stale key, the second finds it completed and rolls back without charging.
            guard try await db.raw("""
                UPDATE idempotency_keys SET status = \(bind: response.status), body = \(bind: responseBody)
                WHERE owner_id = \(bind: idempotency.ownerID) AND key = \(bind: idempotency.key) AND status IS NULL
                RETURNING key
                """).first() != nil else { throw JobError.keyInFlight }
            return try await recordEvents(db, [job])[0]
        }
    }

    public func create(_ job: Job, recordingKey idempotency: IdempotencyKey, response: (status: Int, body: Data)) async throws -> JobEvent? {
        let responseBody = String(decoding: response.body, as: UTF8.self)
        do {
            return try await database.transaction { db in
                // The key first: on PostgreSQL a concurrent request with the same key waits here for
                // this one's commit (the unique key), then finds the key taken and rolls back,
                // before it has locked anyone's credits.
                guard try await db.raw("""
                    INSERT INTO idempotency_keys (owner_id, key, request_hash, created_at, status, body)
                    VALUES (\(bind: idempotency.ownerID), \(bind: idempotency.key), \(bind: idempotency.requestHash),
                            \(bind: job.createdAt.millis), \(bind: response.status), \(bind: responseBody))
                    ON CONFLICT (owner_id, key) DO NOTHING RETURNING key
                    """).first() != nil else { throw KeyTaken() }
                if job.creditsCharged > 0 {
                    try await Credits.move(db, ownerID: job.ownerID, delta: -job.creditsCharged, reason: "job", jobID: job.id, now: job.createdAt)
                }
                try await insert(db, job)
                return try await recordEvents(db, [job])[0]
            }
        } catch is KeyTaken {
            return nil
        }
    }

    private struct KeyTaken: Error {}

    private func insert(_ db: any SQLDatabase, _ job: Job) async throws {
        try await db.raw("""
            INSERT INTO jobs (id, owner_id, processor, state, queue, priority, media_ids, params, progress, credits_charged,
                              attempts, max_attempts, cancel_requested, run_after, created_at, updated_at)
            VALUES (\(bind: job.id), \(bind: job.ownerID), \(bind: job.processor), \(bind: job.state.rawValue), \(bind: job.queue.rawValue),
                    \(bind: job.priority), \(bind: JobRows.text(job.mediaIDs)), \(bind: job.params.text), 0, \(bind: job.creditsCharged),
                    0, \(bind: job.maxAttempts), 0, \(bind: job.createdAt.millis), \(bind: job.createdAt.millis), \(bind: job.createdAt.millis))
            """).run()
    }

    public func job(id: String, ownerID: String?) async throws -> Job? {
        let owner: SQLQueryString = ownerID.map { "AND owner_id = \(bind: $0)" } ?? ""
        return try await database.read { db in
            try await db.raw("SELECT * FROM jobs WHERE id = \(bind: id) \(owner)").first().map(JobRows.job)
        }
    }

    public func jobs(ownerID: String, state: JobState?, processor: String?, afterID: String?, limit: Int) async throws -> [Job] {
        var conditions: [SQLQueryString] = ["owner_id = \(bind: ownerID)"]
        if let state { conditions.append("state = \(bind: state.rawValue)") }
        if let processor { conditions.append("processor = \(bind: processor)") }
        if let afterID { conditions.append("id < \(bind: afterID)") }
        let filter = conditions.joined(separator: " AND ")
        return try await database.read { db in
            try await db.raw("SELECT * FROM jobs WHERE \(filter) ORDER BY id DESC LIMIT \(bind: limit)").all().map(JobRows.job)
        }
    }

    public func claim(queue: QueueClass, processors: [String], workerID: String, leaseUntil: Date, now: Date) async throws -> JobChange? {
        let request = ClaimRequest(queue: queue, processors: processors, workerID: workerID, leaseUntil: leaseUntil)
        return try await database.transaction { db in try await changes(db, [claim(db, request, now: now)])[0] }
    }

    func claim(_ db: any SQLDatabase, _ request: ClaimRequest, now: Date) async throws -> Job? {
        guard !request.processors.isEmpty else { return nil }
        let names = request.processors.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")
        // PostgreSQL: workers claim side by side, so each skips the rows others have locked (it
        // neither waits nor takes the same job). SQLite runs one writer at a time.
        let skipLocked: SQLQueryString = db.isPostgres ? "FOR UPDATE SKIP LOCKED" : ""
        return try await db.raw("""
            UPDATE jobs SET state = 'running', lease_owner = \(bind: request.workerID), lease_until = \(bind: request.leaseUntil.millis),
                attempts = attempts + 1, updated_at = \(bind: now.millis)
            WHERE id = (SELECT id FROM jobs WHERE queue = \(bind: request.queue.rawValue) AND state = 'queued'
                        AND run_after <= \(bind: now.millis) AND processor IN (\(names))
                        ORDER BY priority DESC, id LIMIT 1 \(skipLocked))
            RETURNING *
            """).first().map(JobRows.job)
    }

    public func heartbeat(jobID: String, workerID: String, leaseUntil: Date, progress: (Double, String?)?) async throws -> JobChange? {
        try await database.transaction { db in
            try await db.raw("""
                UPDATE jobs SET lease_until = \(bind: leaseUntil.millis), progress = COALESCE(\(bind: progress?.0), progress),
                    step = COALESCE(\(bind: progress?.1), step), updated_at = \(bind: Date().millis)
                WHERE id = \(bind: jobID) AND lease_owner = \(bind: workerID) AND state = 'running'
                RETURNING *
                """).first().map(JobRows.job).asyncMap { job in
                    progress == nil ? JobChange(job: job, event: nil) : try await changes(db, [job])[0] ?? JobChange(job: job, event: nil)
                }
        }
    }

    public func finish(jobID: String, workerID: String, outcome: JobOutcome, now: Date) async throws -> JobChange? {
        try await database.transaction { db in
            try await changes(db, [finish(db, jobID: jobID, workerID: workerID, outcome: outcome, now: now)])[0]
        }
    }

    public func finish(jobID: String, workerID: String, outcome: JobOutcome, now: Date,
                       thenClaim next: ClaimRequest) async throws -> (ended: JobChange?, next: JobChange?) {
        try await database.transaction { db in
            let ended = try await finish(db, jobID: jobID, workerID: workerID, outcome: outcome, now: now)
            let claimed = try await claim(db, next, now: now)
            let recorded = try await changes(db, [ended, claimed])
            return (recorded[0], recorded[1])
        }
    }

    func finish(_ db: any SQLDatabase, jobID: String, workerID: String, outcome: JobOutcome, now: Date) async throws -> Job? {
        let lease: SQLQueryString = "id = \(bind: jobID) AND lease_owner = \(bind: workerID) AND state = 'running'"
        // Success needs nothing of the current row: one statement (the common case, and the one
        // a queue of short jobs spends its time on).
        if case .succeeded(let output) = outcome {
            return try await db.raw("""
                UPDATE jobs SET state = 'succeeded', progress = 1, result = \(bind: output.json.text), error = NULL,
                    lease_owner = NULL, lease_until = NULL, updated_at = \(bind: now.millis)
                WHERE \(lease) RETURNING *
                """).first().map(JobRows.job)
        }
        guard let current = try await db.raw("SELECT * FROM jobs WHERE \(lease)").first().map(JobRows.job) else { return nil }
        let ended: Job?
        switch outcome {
        case .succeeded:
            return nil  // answered above
        case .retry where current.cancelRequested:
            // The owner asked to stop: no second try.
            ended = try await end(db, current, state: .canceled, failure: nil, now: now)
        case .retry(let failure, let delay) where current.attempts < current.maxAttempts:
            let runAfter = now.addingTimeInterval(Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
            ended = try await db.raw("""
                UPDATE jobs SET state = 'queued', error = \(bind: JobRows.text(failure)), run_after = \(bind: runAfter.millis),
                    lease_owner = NULL, lease_until = NULL, updated_at = \(bind: now.millis)
                WHERE \(lease) RETURNING *
                """).first().map(JobRows.job)
        case .retry(let failure, _), .failed(let failure):
            ended = try await end(db, current, state: .failed, failure: failure, now: now)
        case .canceled:
            ended = try await end(db, current, state: .canceled, failure: nil, now: now)
        }
        return ended
    }

    public func cancel(jobID: String, ownerID: String, now: Date) async throws -> JobChange? {
        try await database.transaction { db in
            guard let job = try await db.raw("SELECT * FROM jobs WHERE id = \(bind: jobID) AND owner_id = \(bind: ownerID)").first().map(JobRows.job) else {
                return nil
            }
            let changed: Job?
            switch job.state {
            case .queued:
                changed = try await end(db, job, state: .canceled, failure: nil, now: now)
            case .running:
                changed = try await db.raw("""
                    UPDATE jobs SET cancel_requested = 1, updated_at = \(bind: now.millis) WHERE id = \(bind: jobID) RETURNING *
                    """).first().map(JobRows.job)
            case .succeeded, .failed, .canceled:
                return JobChange(job: job, event: nil)
            }
            return try await changes(db, [changed])[0]
        }
    }

    public func recoverExpiredLeases(now: Date) async throws -> [JobChange] {
        try await database.transaction { db in
            // Every process recovers: on PostgreSQL each takes the expired jobs no other has
            // locked, in one order (by id), so two recoveries never wait on each other in a cycle.
            let skipLocked: SQLQueryString = db.isPostgres ? "FOR UPDATE SKIP LOCKED" : ""
            let expired = try await db.raw("""
                SELECT * FROM jobs WHERE state = 'running' AND lease_until < \(bind: now.millis) ORDER BY id \(skipLocked)
                """).all().map(JobRows.job)
            var changed: [Job] = []
            for job in expired {
                if job.cancelRequested {
                    if let ended = try await end(db, job, state: .canceled, failure: nil, now: now) { changed.append(ended) }
                } else if job.attempts >= job.maxAttempts {
                    let failure = JobFailure(code: "WORKER_LOST", message: "The worker running this job stopped answering, on every attempt.")
                    if let ended = try await end(db, job, state: .failed, failure: failure, now: now) { changed.append(ended) }
                } else if let requeued = try await db.raw("""
                    UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, run_after = \(bind: now.millis),
                        updated_at = \(bind: now.millis)
                    WHERE id = \(bind: job.id) AND state = 'running' AND lease_until < \(bind: now.millis) RETURNING *
                    """).first().map(JobRows.job) {
                    changed.append(requeued)
                }
            }
            return try await changes(db, changed).compactMap { $0 }
        }
    }

    /// Records a terminal state and, for failures and cancellations, refunds the charge — in the
    /// caller's transaction, so a job is never ended without its refund or refunded twice.
    func end(_ db: any SQLDatabase, _ job: Job, state: JobState, failure: JobFailure?, now: Date) async throws -> Job? {
        guard let ended = try await db.raw("""
            UPDATE jobs SET state = \(bind: state.rawValue), error = \(bind: failure.map(JobRows.text)),
                lease_owner = NULL, lease_until = NULL, updated_at = \(bind: now.millis)
            WHERE id = \(bind: job.id) AND state IN ('queued', 'running') RETURNING *
            """).first().map(JobRows.job) else { return nil }
        if job.creditsCharged > 0 {
            try await Credits.move(db, ownerID: job.ownerID, delta: job.creditsCharged, reason: "refund", jobID: job.id, now: now)
        }
        return ended
    }

    public func events(ownerID: String, jobID: String?, after sequence: Int64) async throws -> [JobEvent] {
        let job: SQLQueryString = jobID.map { "AND job_id = \(bind: $0)" } ?? ""
        return try await database.read { db in
            try await db.raw("""
                SELECT * FROM job_events WHERE owner_id = \(bind: ownerID) AND sequence > \(bind: sequence) \(job)
                ORDER BY sequence LIMIT 1000
                """).all().compactMap(JobRows.event)
        }
    }
}
