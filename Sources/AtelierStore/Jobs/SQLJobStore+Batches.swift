import AtelierCore
import Foundation
import SQLKit

/// A worker's jobs in batches: a queue of short jobs spends its time on the transactions around
/// each job (and, on PostgreSQL, on the event lock each one takes), so a worker slot claims
/// several at once and records their ends together. The same SQL on SQLite and PostgreSQL.
extension SQLJobStore {
    public func claim(_ request: ClaimRequest, limit: Int, now: Date) async throws -> [JobChange] {
        try await database.transaction { db in
            try await changes(db, claim(db, request, limit: limit, now: now)).compactMap { $0 }
        }
    }

    public func finish(_ ends: [JobEnd], returning unstarted: [String], workerID: String, now: Date, thenClaim next: ClaimRequest?,
                       limit: Int) async throws -> (ended: [JobChange?], next: [JobChange]) {
        try await database.transaction { db in
            let ended = try await finish(db, ends, workerID: workerID, now: now)
            let returned = try await putBack(db, unstarted, workerID: workerID, now: now)
            let claimed = try await next.asyncMap { try await claim(db, $0, limit: limit, now: now) } ?? []
            let recorded = try await changes(db, ended + returned + claimed.map { Optional($0) })
            return (Array(recorded.prefix(ended.count + returned.count)), recorded.dropFirst(ended.count + returned.count).compactMap { $0 })
        }
    }

    public func renew(jobIDs: [String], workerID: String, leaseUntil: Date) async throws -> [Job] {
        guard !jobIDs.isEmpty else { return [] }
        let ids = jobIDs.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")
        return try await database.transaction { db in
            try await db.raw("""
                UPDATE jobs SET lease_until = \(bind: leaseUntil.millis)
                WHERE id IN (\(ids)) AND lease_owner = \(bind: workerID) AND state = 'running'
                RETURNING *
                """).all().map(JobRows.job)
        }
    }

    /// Up to `limit` jobs in claim order. On PostgreSQL the subquery locks the rows it picks and
    /// skips those other claimers hold, as the one-job claim does.
    private func claim(_ db: any SQLDatabase, _ request: ClaimRequest, limit: Int, now: Date) async throws -> [Job] {
        guard limit > 1 else { return try await claim(db, request, now: now).map { [$0] } ?? [] }
        guard !request.processors.isEmpty else { return [] }
        let names = request.processors.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")
        let skipLocked: SQLQueryString = db.isPostgres ? "FOR UPDATE SKIP LOCKED" : ""
        let claimed = try await db.raw("""
            UPDATE jobs SET state = 'running', lease_owner = \(bind: request.workerID), lease_until = \(bind: request.leaseUntil.millis),
                attempts = attempts + 1, updated_at = \(bind: now.millis)
            WHERE id IN (SELECT id FROM jobs WHERE queue = \(bind: request.queue.rawValue) AND state = 'queued'
                         AND run_after <= \(bind: now.millis) AND processor IN (\(names))
                         ORDER BY priority DESC, id LIMIT \(bind: limit) \(skipLocked))
            RETURNING *
            """).all().map(JobRows.job)
        // RETURNING follows no order: put them back in the order they were picked in.
        return claimed.sorted { ($0.priority, $1.id) > ($1.priority, $0.id) }
    }

    /// Claimed jobs that never started go back to the queue as they were before the claim (the
    /// attempt is given back). Those whose owner asked to cancel meanwhile end canceled instead.
    private func putBack(_ db: any SQLDatabase, _ jobIDs: [String], workerID: String, now: Date) async throws -> [Job?] {
        guard !jobIDs.isEmpty else { return [] }
        let ids = jobIDs.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")
        let queued = try await db.raw("""
            UPDATE jobs SET state = 'queued', attempts = attempts - 1, lease_owner = NULL, lease_until = NULL, updated_at = \(bind: now.millis)
            WHERE id IN (\(ids)) AND lease_owner = \(bind: workerID) AND state = 'running' AND cancel_requested = 0
            RETURNING *
            """).all().map(JobRows.job)
        var returned: [Job?] = queued
        for id in jobIDs where !queued.contains(where: { $0.id == id }) {
            returned.append(try await finish(db, jobID: id, workerID: workerID, outcome: .canceled, now: now))
        }
        return returned
    }

    /// Successes (nearly every end of a short job) in one UPDATE; the rest one by one, as `finish` does.
    private func finish(_ db: any SQLDatabase, _ ends: [JobEnd], workerID: String, now: Date) async throws -> [Job?] {
        var results: [String: String] = [:]
        for end in ends {
            if case .succeeded(let output) = end.outcome { results[end.jobID] = output.json.text }
        }
        var succeeded: [String: Job] = [:]
        if !results.isEmpty {
            let values = results.map { "(\(bind: $0.key), \(bind: $0.value))" as SQLQueryString }.joined(separator: ", ")
            let rows = try await db.raw("""
                WITH ended (id, result) AS (VALUES \(values))
                UPDATE jobs SET state = 'succeeded', progress = 1, result = (SELECT ended.result FROM ended WHERE ended.id = jobs.id),
                    error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = \(bind: now.millis)
                WHERE id IN (SELECT id FROM ended) AND lease_owner = \(bind: workerID) AND state = 'running'
                RETURNING *
                """).all().map(JobRows.job)
            for job in rows { succeeded[job.id] = job }
        }
        var ended: [Job?] = []
        for end in ends {
            if case .succeeded = end.outcome {
                ended.append(succeeded[end.jobID])
            } else {
                ended.append(try await finish(db, jobID: end.jobID, workerID: workerID, outcome: end.outcome, now: now))
            }
        }
        return ended
    }
}
