import Foundation

public enum JobState: String, Sendable, Codable, CaseIterable {
    case queued, running, succeeded, failed, canceled

    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .canceled }
}

public struct JobFailure: Sendable, Equatable, Codable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

public struct Job: Sendable, Equatable {
    public let id: String
    public let ownerID: String
    public let processor: String
    public var state: JobState
    public let queue: QueueClass
    public let priority: Int
    public let mediaIDs: [String]
    public let params: JSONValue
    public var progress: Double
    public var step: String?
    public var result: JobOutputRecord?
    public var error: JobFailure?
    public let creditsCharged: Int
    public var attempts: Int
    public let maxAttempts: Int
    public var cancelRequested: Bool
    public let createdAt: Date
    public var updatedAt: Date

    public init(id: String, ownerID: String, processor: String, state: JobState, queue: QueueClass, priority: Int,
                mediaIDs: [String], params: JSONValue, progress: Double = 0, step: String? = nil, result: JobOutputRecord? = nil,
                error: JobFailure? = nil, creditsCharged: Int, attempts: Int = 0, maxAttempts: Int, cancelRequested: Bool = false,
                createdAt: Date, updatedAt: Date) {
        self.id = id
        self.ownerID = ownerID
        self.processor = processor
        self.state = state
        self.queue = queue
        self.priority = priority
        self.mediaIDs = mediaIDs
        self.params = params
        self.progress = progress
        self.step = step
        self.result = result
        self.error = error
        self.creditsCharged = creditsCharged
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.cancelRequested = cancelRequested
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A finished job's result as stored and shown: `{"media_ids": [...], ...processor data}`.
public struct JobOutputRecord: Sendable, Equatable {
    public let mediaIDs: [String]
    public let data: [String: JSONValue]

    public init(mediaIDs: [String], data: [String: JSONValue]) {
        self.mediaIDs = mediaIDs
        self.data = data
    }

    public var json: JSONValue {
        var object = data
        object["media_ids"] = .array(mediaIDs.map(JSONValue.string))
        return .object(object)
    }

    public init?(json: JSONValue) {
        guard case .object(var object) = json else { return nil }
        let ids: [String]
        if case .array(let values)? = object.removeValue(forKey: "media_ids") { ids = values.compactMap(\.string) } else { ids = [] }
        self.init(mediaIDs: ids, data: object)
    }
}

/// One change of a job, as the phone sees it: over WebSocket, SSE or long-poll.
public struct JobEvent: Sendable, Equatable {
    /// Increasing per database: the SSE event id, for `Last-Event-ID` resume.
    public let sequence: Int64
    public let jobID: String
    public let ownerID: String
    public let state: JobState
    public let progress: Double
    public let step: String?
    public let result: JobOutputRecord?
    public let error: JobFailure?
    /// When the change happened (the job's `updated_at`).
    public let at: Date

    public init(sequence: Int64, job: Job) {
        self.init(sequence: sequence, jobID: job.id, ownerID: job.ownerID, state: job.state, progress: job.progress,
                  step: job.step, result: job.result, error: job.error, at: job.updatedAt)
    }

    public init(sequence: Int64, jobID: String, ownerID: String, state: JobState, progress: Double, step: String?,
                result: JobOutputRecord?, error: JobFailure?, at: Date) {
        self.at = at
        self.sequence = sequence
        self.jobID = jobID
        self.ownerID = ownerID
        self.state = state
        self.progress = progress
        self.step = step
        self.result = result
        self.error = error
    }
}
