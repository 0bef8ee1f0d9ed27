import AtelierCore
import Foundation
import HTTPTypes
import Hummingbird

/// `/api/v1/processors`, `/api/v1/jobs` and `/api/v1/events`.
struct JobRoutes {
    let jobs: JobService
    let catalogue: ProcessorCatalogue
    let authenticator: Authenticator
    let jobCreationLimit: RateLimitMiddleware
    let tickets: EventTickets

    func add(to api: RouterGroup<AtelierContext>) {
        api.get("processors") { request, context in
            // The whole catalogue, one page: next_cursor is null, as on every list.
            try Reply.cacheable(catalogue.published.map(ProcessorJSON.init), request, context, cacheControl: "public, max-age=60", nextCursor: .some(nil))
        }
        // Creation has a stricter limit of its own, so it gets a group of its own.
        api.group("jobs").add(middleware: authenticator).add(middleware: jobCreationLimit).post(use: create)
        let group = api.group("jobs").add(middleware: authenticator)
        group.get { request, context in
            let query = request.uri.queryParameters
            let page = try PageRequest(limit: try query.int("limit"), cursor: try query.one("cursor"))
            let result = try await jobs.list(ownerID: try context.requireUser(), state: try Self.state(query),
                                             processor: try query.one("processor"), page: page)
            return try Reply.json(result.items.map(JobJSON.init), context, nextCursor: .some(result.nextCursor))
        }
        group.get("{id}") { request, context in
            var job = try await jobs.job(id: try context.parameters.require("id"), ownerID: try context.requireUser())
            if let wait = try request.uri.queryParameters.int("wait") {
                guard (0...60).contains(wait) else { throw AtelierError.validation("wait must be 0–60 seconds.", field: "wait") }
                // Long-poll: hold the request until the job differs from what the client has.
                let current = try Reply.etag(JobJSON(job))
                if request.headers[.ifNoneMatch] == nil || ETagMatch.matches(request.headers[.ifNoneMatch], current) {
                    job = try await jobs.wait(for: job, timeout: .seconds(wait))
                }
            }
            return try Reply.cacheable(JobJSON(job), request, context, cacheControl: "private, no-cache")
        }
        group.post("{id}/cancel") { _, context in
            try Reply.json(JobJSON(try await jobs.cancel(id: try context.parameters.require("id"), ownerID: try context.requireUser())), context)
        }
        group.get("{id}/events") { request, context in
            try await EventStream.response(request, jobs: jobs, ownerID: try context.requireUser(), jobID: try context.parameters.require("id"))
        }
        let events = api.group("events").add(middleware: authenticator)
        events.get { request, context in
            try await EventStream.response(request, jobs: jobs, ownerID: try context.requireUser(), jobID: nil)
        }
        events.post("tickets") { _, context in
            struct Ticket: Encodable, Sendable { let ticket: String; let expiresIn: Int }
            let ticket = await tickets.issue(userID: try context.requireUser())
            return try Reply.json(Ticket(ticket: ticket, expiresIn: Int(tickets.lifetime)), context, status: .created)
        }
    }

    /// The `state` filter of a job list.
    static func state(_ query: Parameters) throws -> JobState? {
        try query.one("state").map { raw in
            guard let state = JobState(rawValue: raw) else { throw AtelierError.validation("state is not a job state.", field: "state") }
            return state
        }
    }

    @Sendable func create(_ request: Request, context: AtelierContext) async throws -> Response {
        let ownerID = try context.requireUser()
        guard let key = request.headers[.idempotencyKey] else { throw JobError.keyRequired }
        let raw = try await request.body.collect(upTo: context.maxUploadSize)
        let body = try RequestBody.decode(CreateJobBody.self, from: Data(buffer: raw))
        let creation = try await jobs.create(
            .init(processor: body.processor, mediaIDs: body.mediaIds ?? [], params: body.params ?? .object([:]), priority: body.priority ?? 0),
            ownerID: ownerID, key: key, requestBody: Data(buffer: raw), isPremium: context.user?.isPremium == true
        ) { job in
            (202, try JSONCoding.encoder.encode(Envelope(data: JobJSON(job), meta: .init(requestId: context.requestID))))
        }
        switch creation {
        case .created(_, let body):
            // The response stored for replays is this request's own: encoded once.
            return Reply.json(body, status: .accepted)
        case .replayed(let status, let body):
            return Reply.json(body, status: HTTPResponse.Status(code: status), headers: [.idempotentReplayed: "true"])
        }
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}
