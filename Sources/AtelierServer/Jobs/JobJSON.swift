import AtelierCore
import Foundation

struct JobJSON: Encodable, Sendable {
    let id: String
    let processor: String
    let state: JobState
    let progress: Double
    let step: String?
    let creditsCharged: Int
    let result: JSONValue?
    let error: JobFailure?
    let mediaIds: [String]
    let params: JSONValue
    let priority: Int
    let attempts: Int
    let cancelRequested: Bool
    let createdAt: Date
    let updatedAt: Date

    init(_ job: Job) {
        id = job.id
        processor = job.processor
        state = job.state
        progress = job.progress
        step = job.step
        creditsCharged = job.creditsCharged
        result = job.result?.json
        error = job.error
        mediaIds = job.mediaIDs
        params = job.params
        priority = job.priority
        attempts = job.attempts
        cancelRequested = job.cancelRequested
        createdAt = job.createdAt
        updatedAt = job.updatedAt
    }

    // `result` and `error` are always present (null until the job ends), as clients expect.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(processor, forKey: .processor)
        try container.encode(state, forKey: .state)
        try container.encode(progress, forKey: .progress)
        try container.encode(step, forKey: .step)
        try container.encode(creditsCharged, forKey: .creditsCharged)
        try container.encode(result, forKey: .result)
        try container.encode(error, forKey: .error)
        try container.encode(mediaIds, forKey: .mediaIds)
        try container.encode(params, forKey: .params)
        try container.encode(priority, forKey: .priority)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(cancelRequested, forKey: .cancelRequested)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }

    private enum CodingKeys: String, CodingKey {
        case id, processor, state, progress, step, creditsCharged, result, error, mediaIds, params, priority, attempts, cancelRequested, createdAt, updatedAt
    }
}

/// What WebSocket, SSE and long-poll clients receive for each change.
struct JobEventJSON: Encodable, Sendable {
    /// Nil fields as null: the document marks them required and nullable.
    func encode(to encoder: any Encoder) throws { try encodeWithNulls(to: encoder) }

    /// The event's place in the database's order (as the SSE id); null for a "where it stands
    /// now" snapshot. Lets a client drop duplicates when it switches transport.
    let sequence: Int64?
    let jobId: String
    let state: JobState
    let progress: Double
    let step: String?
    let result: JSONValue?
    let error: JobFailure?
    let at: Date

    init(_ event: JobEvent) {
        at = event.at
        sequence = event.sequence > 0 ? event.sequence : nil
        jobId = event.jobID
        state = event.state
        progress = event.progress
        step = event.step
        result = event.result?.json
        error = event.error
    }
}

struct CreateJobBody: Decodable {
    let processor: String
    let mediaIds: [String]?
    let params: JSONValue?
    let priority: Int?
}

struct ProcessorJSON: Encodable, Sendable {
    let name: String
    let version: Int
    let title: String
    let description: String
    let cost: Int
    let queue: QueueClass
    let premium: Bool
    /// Whether jobs can be submitted. Always true in this version: a processor without a runner in
    /// this process still takes jobs, which wait for an external worker.
    let available: Bool
    let featured: Bool
    let inputs: Inputs

    struct Inputs: Encodable, Sendable {
        let mediaMin: Int
        let mediaMax: Int
        let params: JSONValue
    }

    init(_ processor: Processor) {
        let spec = processor.spec
        name = spec.name
        version = spec.version
        title = spec.title
        description = spec.description
        cost = spec.cost
        queue = spec.queue
        premium = spec.premium
        available = true
        featured = spec.featured
        inputs = Inputs(mediaMin: spec.mediaInputs.lowerBound, mediaMax: spec.mediaInputs.upperBound, params: spec.params.jsonSchema)
    }
}

struct LedgerEntryJSON: Encodable, Sendable {
    let id: String
    let delta: Int
    let reason: String
    let jobId: String?
    let balanceAfter: Int
    let createdAt: Date

    init(_ entry: LedgerEntry) {
        id = entry.id
        delta = entry.delta
        reason = entry.reason
        jobId = entry.jobID
        balanceAfter = entry.balanceAfter
        createdAt = entry.createdAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(delta, forKey: .delta)
        try container.encode(reason, forKey: .reason)
        try container.encode(jobId, forKey: .jobId)
        try container.encode(balanceAfter, forKey: .balanceAfter)
        try container.encode(createdAt, forKey: .createdAt)
    }

    private enum CodingKeys: String, CodingKey { case id, delta, reason, jobId, balanceAfter, createdAt }
}
