import Foundation

/// Processing jobs.
public struct JobsAPI: Sendable {
    let core: HTTPCore

    /// Starts a job and charges its cost.
    ///
    /// One `Idempotency-Key` is made per call and sent with every retry, so a retry after a lost
    /// answer gets the first job back instead of paying twice.
    /// Throws `UNKNOWN_PROCESSOR` (422), `INSUFFICIENT_CREDITS` (402) or `PREMIUM_REQUIRED` (403).
    public func create(processor: String, mediaIDs: [String] = [], params: [String: JSONValue] = [:],
                       priority: Int? = nil) async throws -> Job {
        var body: [String: JSONValue] = [
            "processor": .string(processor), "media_ids": .array(mediaIDs.map { .string($0) }), "params": .object(params),
        ]
        if let priority { body["priority"] = .number(Double(priority)) }
        var request = APIRequest("POST", "/jobs")
        try request.json(body)
        request.headers["Idempotency-Key"] = UUID().uuidString
        request.replayable = true
        return try await core.data(request)
    }

    /// One job (ETag-cached).
    public func get(_ id: String) async throws -> Job {
        var request = APIRequest("GET", "/jobs/\(id)")
        request.cacheable = true
        return try await core.data(request)
    }

    /// A page of the caller's jobs, optionally only those in `state` or of `processor`.
    public func list(limit: Int? = nil, cursor: String? = nil, state: JobState? = nil,
                     processor: String? = nil) async throws -> Page<Job> {
        var query = pageQuery(limit: limit, cursor: cursor)
        if let state { query.append(.init(name: "state", value: state.rawValue)) }
        if let processor { query.append(.init(name: "processor", value: processor)) }
        return try await core.page(APIRequest("GET", "/jobs", query: query))
    }

    /// Asks for the job to stop; a canceled job is refunded.
    @discardableResult
    public func cancel(_ id: String) async throws -> Job {
        var request = APIRequest("POST", "/jobs/\(id)/cancel")
        request.replayable = true  // canceling twice is harmless
        return try await core.data(request)
    }

    /// The job as it changes, ending after a terminal state (`succeeded`, `failed`, `canceled`).
    /// Cancelling the consuming task, or dropping the stream, closes the underlying connection.
    /// - Parameter options: Which transports to try, in order, and polling intervals.
    public func updates(_ id: String, options: UpdateOptions = UpdateOptions()) -> AsyncThrowingStream<Job, any Error> {
        JobUpdates(core: core, jobID: id, options: options).stream()
    }
}
