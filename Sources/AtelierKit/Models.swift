import Foundation

/// A signed-in account.
public struct User: Sendable, Codable, Hashable, Identifiable {
    public let id: String
    public let email: String
    public let displayName: String?
    public let createdAt: Date?
    enum CodingKeys: String, CodingKey { case id, email, displayName = "display_name", createdAt = "created_at" }
}

/// What register, login and refresh answer.
public struct Session: Sendable, Codable, Hashable {
    public let user: User
    public let accessToken: String
    public let refreshToken: String
    public let expiresIn: Int
    enum CodingKeys: String, CodingKey {
        case user, accessToken = "access_token", refreshToken = "refresh_token", expiresIn = "expires_in"
    }
}

/// One stored size of an uploaded photo; `url` is signed and works without the bearer token.
public struct MediaVariant: Sendable, Codable, Hashable {
    public let url: String
    public let width: Int
    public let height: Int
}

/// An uploaded photo and its variants (`original`, `display`, `thumb`).
public struct Media: Sendable, Codable, Hashable, Identifiable {
    public let id: String
    public let width: Int
    public let height: Int
    public let format: String
    public let bytes: Int
    public let sha256: String
    public let duplicate: Bool
    public let createdAt: Date
    public let variants: [String: MediaVariant]
    enum CodingKeys: String, CodingKey {
        case id, width, height, format, bytes, sha256, duplicate, variants, createdAt = "created_at"
    }
}

/// An entry of the processor catalogue.
public struct Processor: Sendable, Codable, Hashable, Identifiable {
    public var id: String { name }
    public let name: String
    public let title: String
    public let description: String?
    public let cost: Int
    public let queue: String
    public let premium: Bool
    public let available: Bool
    public let featured: Bool
    /// Media counts and a JSON Schema for params.
    public let inputs: JSONValue
}

/// The life-cycle states of a job.
public enum JobState: String, Sendable, Codable, Hashable {
    case queued, running, succeeded, failed, canceled
    /// Whether the job will not change any more.
    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .canceled }
}

/// Why a job failed.
public struct JobFailure: Sendable, Codable, Hashable {
    public let code: String
    public let message: String
}

/// A processing job.
public struct Job: Sendable, Codable, Hashable, Identifiable {
    public let id: String
    public let processor: String
    public var state: JobState
    public var progress: Double
    public var step: String?
    public let creditsCharged: Int
    public var result: JSONValue?
    public var error: JobFailure?
    public let mediaIDs: [String]?
    public let createdAt: Date
    enum CodingKeys: String, CodingKey {
        case id, processor, state, progress, step, result, error
        case creditsCharged = "credits_charged", mediaIDs = "media_ids", createdAt = "created_at"
    }

    /// This job with a progress event applied.
    func applying(_ event: JobEvent) -> Job {
        var job = self
        job.state = event.state
        job.progress = event.progress
        job.step = event.step ?? job.step
        job.result = event.result ?? job.result
        job.error = event.error ?? job.error
        return job
    }
}

/// A change to a job, as sent by the event streams.
public struct JobEvent: Sendable, Codable, Hashable {
    public let jobID: String
    public let state: JobState
    public let progress: Double
    public let step: String?
    public let result: JSONValue?
    public let error: JobFailure?
    public let sequence: Int?
    enum CodingKeys: String, CodingKey {
        case state, progress, step, result, error, sequence, jobID = "job_id"
    }
}

/// The caller's balance and the ledger it sums.
public struct Credits: Sendable, Codable, Hashable {
    public let balance: Int
    public let ledger: [LedgerEntry]
}

/// One change to the balance.
public struct LedgerEntry: Sendable, Codable, Hashable, Identifiable {
    public let id: String
    public let delta: Int
    public let reason: String
    public let jobID: String?
    public let balanceAfter: Int
    public let createdAt: Date
    enum CodingKeys: String, CodingKey {
        case id, delta, reason, jobID = "job_id", balanceAfter = "balance_after", createdAt = "created_at"
    }
}

/// A page of a list, with the cursor of the next one (nil on the last page).
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let nextCursor: String?
}
