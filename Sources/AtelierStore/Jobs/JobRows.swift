import AtelierCore
import Foundation
import SQLKit

/// Turning rows into jobs, events and ledger entries, and jobs' JSON columns into text.
enum JobRows {
    static func job(_ row: any SQLRow) throws -> Job {
        Job(
            id: try row.decode(column: "id", as: String.self),
            ownerID: try row.decode(column: "owner_id", as: String.self),
            processor: try row.decode(column: "processor", as: String.self),
            state: JobState(rawValue: try row.decode(column: "state", as: String.self)) ?? .failed,
            queue: QueueClass(rawValue: try row.decode(column: "queue", as: String.self)) ?? .standard,
            priority: try row.decode(column: "priority", as: Int.self),
            mediaIDs: (try? JSONDecoder().decode([String].self, from: Data(try row.decode(column: "media_ids", as: String.self).utf8))) ?? [],
            params: JSONValue.parse(try row.decode(column: "params", as: String.self)) ?? .null,
            progress: try row.decode(column: "progress", as: Double.self),
            step: try row.decode(column: "step", as: String?.self),
            result: try row.decode(column: "result", as: String?.self).flatMap(JSONValue.parse).flatMap(JobOutputRecord.init(json:)),
            error: try row.decode(column: "error", as: String?.self).flatMap { try? JSONDecoder().decode(JobFailure.self, from: Data($0.utf8)) },
            creditsCharged: try row.decode(column: "credits_charged", as: Int.self),
            attempts: try row.decode(column: "attempts", as: Int.self),
            maxAttempts: try row.decode(column: "max_attempts", as: Int.self),
            cancelRequested: try row.decode(column: "cancel_requested", as: Int.self) != 0,
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(millis: try row.decode(column: "updated_at", as: Int64.self)))
    }

    static func ledger(_ row: any SQLRow) throws -> LedgerEntry {
        LedgerEntry(
            id: try row.decode(column: "id", as: String.self),
            ownerID: try row.decode(column: "owner_id", as: String.self),
            delta: try row.decode(column: "delta", as: Int.self),
            reason: try row.decode(column: "reason", as: String.self),
            jobID: try row.decode(column: "job_id", as: String?.self),
            balanceAfter: try row.decode(column: "balance_after", as: Int.self),
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)))
    }

    /// Events store what the phone is shown, as JSON.
    struct Snapshot: Codable {
        let state: JobState
        let progress: Double
        let step: String?
        let result: JSONValue?
        let error: JobFailure?
        let at: Date?
    }

    static func snapshot(_ job: Job) -> String {
        let snapshot = Snapshot(state: job.state, progress: job.progress, step: job.step, result: job.result?.json, error: job.error, at: job.updatedAt)
        return String(decoding: (try? JSONEncoder().encode(snapshot)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func event(_ row: any SQLRow) throws -> JobEvent? {
        event(sequence: try row.decode(column: "sequence", as: Int64.self), jobID: try row.decode(column: "job_id", as: String.self),
              ownerID: try row.decode(column: "owner_id", as: String.self), snapshot: try row.decode(column: "snapshot", as: String.self),
              createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)))
    }

    /// An event from its stored parts (a row, or another process's announcement of one).
    static func event(sequence: Int64, jobID: String, ownerID: String, snapshot text: some StringProtocol, createdAt: Date) -> JobEvent? {
        guard let snapshot = try? JSONDecoder().decode(Snapshot.self, from: Data(text.utf8)) else { return nil }
        return JobEvent(
            sequence: sequence, jobID: jobID, ownerID: ownerID,
            state: snapshot.state, progress: snapshot.progress, step: snapshot.step,
            result: snapshot.result.flatMap(JobOutputRecord.init(json:)), error: snapshot.error,
            at: snapshot.at ?? createdAt)
    }

    static func text(_ failure: JobFailure) -> String {
        String(decoding: (try? JSONEncoder().encode(failure)) ?? Data(), as: UTF8.self)
    }

    static func text(_ ids: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(ids)) ?? Data("[]".utf8), as: UTF8.self)
    }
}
