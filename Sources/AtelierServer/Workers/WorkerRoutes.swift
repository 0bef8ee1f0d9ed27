import AtelierCore
import Foundation
import Hummingbird

/// `/api/v1/worker/*`: the protocol external workers (GPU boxes, any language) speak to run jobs
/// of processors this server does not implement. Authenticated by worker tokens
/// (`atelier worker-token create`), never by user tokens.
struct WorkerRoutes {
    let workers: ExternalWorkers
    let media: MediaService
    let links: MediaLinkMaker

    struct ClaimBody: Decodable {
        let processors: [String]?
        let waitSeconds: Int?
    }

    struct LeaseBody: Decodable {
        let leaseId: String
        let progress: Double?
        let step: String?
    }

    struct CompleteBody: Decodable {
        let leaseId: String
        let mediaIds: [String]?
        let data: [String: JSONValue]?
    }

    struct FailBody: Decodable {
        let leaseId: String
        let code: String?
        let message: String
        let retryable: Bool?
    }

    func add(to api: RouterGroup<AtelierContext>) {
        let group = api.group("worker").add(middleware: WorkerAuthenticator(workers: workers))
        group.post("claim") { request, context in
            let body = try await RequestBody.decode(ClaimBody.self, from: request, context: context)
            let wait = body.waitSeconds ?? 0
            guard (0...30).contains(wait) else { throw AtelierError.validation("wait_seconds must be 0–30.", field: "wait_seconds") }
            guard let claim = try await workers.claim(try context.requireWorker(), processors: body.processors, wait: .seconds(wait)) else {
                return Response(status: .noContent)
            }
            let links = links.make(request)
            var inputs: [MediaJSON] = []
            for id in claim.job.mediaIDs { inputs.append(MediaJSON(try await media.asset(id: id, ownerID: claim.job.ownerID), links: links)) }
            return try Reply.json(ClaimJSON(job: JobJSON(claim.job), leaseId: claim.leaseID, leaseExpiresAt: claim.leaseExpiresAt, inputs: inputs), context)
        }
        group.post("jobs/{id}/heartbeat") { request, context in try await renew(request, context, withProgress: false) }
        group.post("jobs/{id}/progress") { request, context in try await renew(request, context, withProgress: true) }
        group.post("jobs/{id}/media") { request, context in
            guard let leaseID = try request.uri.queryParameters.one("lease_id") else {
                throw AtelierError.validation("lease_id is required in the query.", field: "lease_id")
            }
            let image = try await UploadBody.read(request, maxFileBytes: media.limits.maxUploadBytes)
            let asset = try await workers.attach(try context.requireWorker(), jobID: try context.parameters.require("id"), leaseID: leaseID, image: image)
            return try Reply.json(MediaJSON(asset, links: links.make(request)), context, status: .created)
        }
        group.post("jobs/{id}/complete") { request, context in
            let body = try await RequestBody.decode(CompleteBody.self, from: request, context: context)
            let job = try await workers.complete(try context.requireWorker(), jobID: try context.parameters.require("id"), leaseID: body.leaseId,
                                                 mediaIDs: body.mediaIds ?? [], data: body.data ?? [:])
            return try Reply.json(JobJSON(job), context)
        }
        group.post("jobs/{id}/fail") { request, context in
            let body = try await RequestBody.decode(FailBody.self, from: request, context: context)
            let failure = JobFailure(code: String((body.code ?? "WORKER_FAILED").prefix(64)), message: String(body.message.prefix(1000)))
            let job = try await workers.fail(try context.requireWorker(), jobID: try context.parameters.require("id"), leaseID: body.leaseId,
                                             failure: failure, retryable: body.retryable ?? false)
            return try Reply.json(JobJSON(job), context)
        }
    }

    private func renew(_ request: Request, _ context: AtelierContext, withProgress: Bool) async throws -> Response {
        let body = try await RequestBody.decode(LeaseBody.self, from: request, context: context)
        var progress: (Double, String?)?
        if withProgress {
            guard let fraction = body.progress, (0...1).contains(fraction) else {
                throw AtelierError.validation("progress must be a number from 0 to 1.", field: "progress")
            }
            progress = (fraction, body.step.map { String($0.prefix(200)) })
        }
        let (job, until) = try await workers.heartbeat(try context.requireWorker(), jobID: try context.parameters.require("id"),
                                                       leaseID: body.leaseId, progress: progress)
        return try Reply.json(LeaseJSON(leaseExpiresAt: until, cancelRequested: job.cancelRequested), context)
    }
}

struct ClaimJSON: Encodable, Sendable {
    let job: JobJSON
    let leaseId: String
    let leaseExpiresAt: Date
    /// The job's input media, with signed URLs to fetch them without a user token.
    let inputs: [MediaJSON]
}

struct LeaseJSON: Encodable, Sendable {
    let leaseExpiresAt: Date
    /// The owner canceled: stop and call /fail (the job ends canceled and refunded either way).
    let cancelRequested: Bool
}

/// Requires `Authorization: Bearer atw_…`, a live worker token, and puts it in the context.
struct WorkerAuthenticator: RouterMiddleware {
    typealias Context = AtelierContext
    let workers: ExternalWorkers

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
              let token = try await workers.authenticate(secret: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        else { throw WorkerError.unauthorized }
        var context = context
        context.worker = token
        return try await next(request, context)
    }
}
