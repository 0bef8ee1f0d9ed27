import Foundation

/// How a job ended, as a worker reports it.
public enum JobOutcome: Sendable {
    case succeeded(JobOutputRecord)
    /// Final: the job fails and its credits are refunded.
    case failed(JobFailure)
    /// Try again after `delay`, unless the attempts are used up (then as `failed`).
    case retry(JobFailure, delay: Duration)
    /// Stopped at the owner's request: refunded.
    case canceled
}

/// A stored response for an Idempotency-Key, and what a new request with that key finds.
public enum IdempotencyLookup: Sendable, Equatable {
    /// The key is new and now reserved for this request.
    case reserved
    case replay(status: Int, body: Data)
    case inFlight
    /// The key was used with a different request body.
    case mismatch
}

public struct IdempotencyKey: Sendable {
    public let key: String
    public let ownerID: String
    /// SHA-256 of the method, path and body: the same key must come with the same request.
    public let requestHash: String

    public init(key: String, ownerID: String, requestHash: String) {
        self.key = key
        self.ownerID = ownerID
        self.requestHash = requestHash
    }
}

/// A job as a change left it, and the event that records the change (nil when nothing changed).
public struct JobChange: Sendable {
    public let job: Job
    public let event: JobEvent?

    public init(job: Job, event: JobEvent?) {
        self.job = job
        self.event = event
    }
}

/// Jobs, credits and idempotency records live together: creating a job charges credits and
/// records the key in one transaction, and ending one refunds in the same transaction. Each change
/// of a job writes its event in the transaction that makes the change.
public protocol JobStore: Sendable {
    /// In one transaction: charges `job.creditsCharged` (throws INSUFFICIENT_CREDITS rather than go
    /// below zero), inserts the job, and stores `response` as the key's replay.
    func create(_ job: Job, idempotency: IdempotencyKey, response: (status: Int, body: Data)) async throws -> JobEvent
    /// `create` for a key nobody has used: records the key with `response` in the same
    /// transaction, so a creation is one write. nil, with nothing charged or created, when the
    /// key is recorded already (a concurrent request with it committed first).
    func create(_ job: Job, recordingKey idempotency: IdempotencyKey, response: (status: Int, body: Data)) async throws -> JobEvent?
    /// Whether the key has a record (a reservation or a stored response): a read.
    func hasRecord(_ key: IdempotencyKey) async throws -> Bool
    func job(id: String, ownerID: String?) async throws -> Job?
    func jobs(ownerID: String, state: JobState?, processor: String?, afterID: String?, limit: Int) async throws -> [Job]

    /// Takes the next runnable job of one queue among `processors`, leased to `workerID` until `leaseUntil`.
    func claim(queue: QueueClass, processors: [String], workerID: String, leaseUntil: Date, now: Date) async throws -> JobChange?
    /// Extends the lease and records progress (an event only with progress); nil when the lease is
    /// no longer this worker's.
    func heartbeat(jobID: String, workerID: String, leaseUntil: Date, progress: (Double, String?)?) async throws -> JobChange?
    /// Ends (or reschedules) a leased job; nil when the lease is no longer this worker's.
    func finish(jobID: String, workerID: String, outcome: JobOutcome, now: Date) async throws -> JobChange?
    /// `finish`, then `claim` with `next` in the same transaction: a busy worker's one write per job.
    func finish(jobID: String, workerID: String, outcome: JobOutcome, now: Date,
                thenClaim next: ClaimRequest) async throws -> (ended: JobChange?, next: JobChange?)
    /// Takes up to `limit` runnable jobs of one queue at once (in claim order: highest priority,
    /// then oldest), each leased to the worker as `claim` leases one. On PostgreSQL each job goes
    /// to one claimer only: rows another claimer has locked are skipped.
    func claim(_ request: ClaimRequest, limit: Int, now: Date) async throws -> [JobChange]
    /// Records how several of one worker's jobs ended (successes in one statement), puts the
    /// claimed jobs it did not start back in the queue (`returning`: the attempt is not counted;
    /// one whose owner asked to cancel ends canceled, refunded), and claims up to `limit` more
    /// with `next`, in one transaction. `ended`: the changes of `ends` (nil when that job's lease is
    /// no longer this worker's), then those of `returning`.
    func finish(_ ends: [JobEnd], returning: [String], workerID: String, now: Date, thenClaim next: ClaimRequest?,
                limit: Int) async throws -> (ended: [JobChange?], next: [JobChange])
    /// Extends the leases of jobs a worker holds but has not started yet; returns those still
    /// leased to it.
    func renew(jobIDs: [String], workerID: String, leaseUntil: Date) async throws -> [Job]
    /// Cancels a queued job (refunded at once) or asks a running one to stop.
    func cancel(jobID: String, ownerID: String, now: Date) async throws -> JobChange?
    /// Jobs whose lease ran out go back to the queue, or fail (refunded) when out of attempts.
    func recoverExpiredLeases(now: Date) async throws -> [JobChange]

    func events(ownerID: String, jobID: String?, after sequence: Int64) async throws -> [JobEvent]

    func balance(ownerID: String) async throws -> Int
    func ledger(ownerID: String, afterID: String?, limit: Int) async throws -> [LedgerEntry]
    func grant(ownerID: String, amount: Int, reason: String) async throws -> LedgerEntry

    func reserve(_ key: IdempotencyKey, now: Date, inFlightTimeout: TimeInterval) async throws -> IdempotencyLookup
    func release(_ key: IdempotencyKey) async throws
    /// Deletes idempotency records older than `date`; returns how many.
    func deleteIdempotency(before date: Date) async throws -> Int
    /// Deletes job events older than `date` (they only serve SSE resume); returns how many.
    func deleteEvents(before date: Date) async throws -> Int
    /// True for exactly one caller per (name, occurrence), across processes.
    func claimOccurrence(name: String, occurrence: Int64) async throws -> Bool
}

public enum JobError {
    public static let notFound = AtelierError.notFound("JOB_NOT_FOUND", "No job with this id.")
    public static let insufficientCredits = AtelierError(status: 402, code: "INSUFFICIENT_CREDITS", message: "Not enough credits for this job.")
    public static let unknownProcessor = AtelierError(status: 422, code: "UNKNOWN_PROCESSOR", message: "No processor with this name.", details: ["field": "processor"])
    public static let premiumRequired = AtelierError(status: 403, code: "PREMIUM_REQUIRED", message: "This processor needs a premium account.")
    public static let keyRequired = AtelierError(status: 400, code: "IDEMPOTENCY_KEY_REQUIRED", message: "Send an Idempotency-Key header (1–255 printable ASCII characters, no spaces) with this request.")
    public static let keyReused = AtelierError(status: 422, code: "IDEMPOTENCY_KEY_REUSED", message: "This Idempotency-Key was used with a different request.")
    public static let keyInFlight = AtelierError(status: 409, code: "IDEMPOTENCY_KEY_IN_FLIGHT", message: "A request with this Idempotency-Key is still being processed.")
}

/// How one of a worker's jobs ended.
public struct JobEnd: Sendable {
    public let jobID: String
    public let outcome: JobOutcome

    public init(jobID: String, outcome: JobOutcome) {
        self.jobID = jobID
        self.outcome = outcome
    }
}

/// What a worker asks for when it claims: a job of one queue among `processors`.
public struct ClaimRequest: Sendable {
    public let queue: QueueClass
    public let processors: [String]
    public let workerID: String
    public let leaseUntil: Date

    public init(queue: QueueClass, processors: [String], workerID: String, leaseUntil: Date) {
        self.queue = queue
        self.processors = processors
        self.workerID = workerID
        self.leaseUntil = leaseUntil
    }
}
