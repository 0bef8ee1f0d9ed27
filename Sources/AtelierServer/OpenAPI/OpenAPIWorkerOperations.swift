/// The external-worker protocol in the OpenAPI document: enough to write a worker (a Python GPU
/// box, say) from the document alone. Every call takes `Authorization: Bearer atw_…`, a worker
/// token from `atelier worker-token create --processors …`.
extension OpenAPIDocument {
    nonisolated(unsafe) static let workerJobPath: [[String: Any]] = [idParameter]

    nonisolated(unsafe) static let workerOperations: [OpenAPIOperation] = [
        .init(method: "post", path: "/api/v1/worker/claim", id: "workerClaim", tag: "Workers",
              summary: "Take the next job of the token's processors (or those named), interactive queue first, with a lease; waits up to wait_seconds for one (long-poll). 204 when none came. Renew the lease (heartbeat or progress) well within lease_expires_at, or the job goes back to the queue and runs again elsewhere.",
              body: .json(schema: "WorkerClaimRequest"), success: [200: "WorkerClaim", 204: nil], errors: [401, 403, 422]),
        .init(method: "post", path: "/api/v1/worker/jobs/{id}/heartbeat", id: "workerHeartbeat", tag: "Workers",
              summary: "Renew the lease. cancel_requested: the owner canceled — stop and call /fail.",
              parameters: workerJobPath, body: .json(schema: "WorkerLease"), success: [200: "WorkerLeaseState"], errors: [401, 409, 422]),
        .init(method: "post", path: "/api/v1/worker/jobs/{id}/progress", id: "workerProgress", tag: "Workers",
              summary: "Report progress (0…1 and a step name) to the job's watchers; also renews the lease.",
              parameters: workerJobPath, body: .json(schema: "WorkerProgress"), success: [200: "WorkerLeaseState"], errors: [401, 409, 422]),
        .init(method: "post", path: "/api/v1/worker/jobs/{id}/media", id: "workerUploadResult", tag: "Workers",
              summary: "Upload a result image (as POST /media: raw body or multipart `file`), owned by the job's owner; name its id in /complete.",
              parameters: workerJobPath + [["name": "lease_id", "in": "query", "required": true, "schema": ["type": "string"]]],
              body: .image, success: [201: "Media"], errors: [401, 409, 413, 415, 422]),
        .init(method: "post", path: "/api/v1/worker/jobs/{id}/complete", id: "workerComplete", tag: "Workers",
              summary: "Finish the job successfully with its result media ids and JSON data.",
              parameters: workerJobPath, body: .json(schema: "WorkerCompletion"), success: [200: "Job"], errors: [401, 404, 409, 422]),
        .init(method: "post", path: "/api/v1/worker/jobs/{id}/fail", id: "workerFail", tag: "Workers",
              summary: "Fail the job: retryable failures run again after a backoff while attempts remain; otherwise it fails and the owner is refunded.",
              parameters: workerJobPath, body: .json(schema: "WorkerFailure"), success: [200: "Job"], errors: [401, 409, 422]),
    ]
}

extension OpenAPISchemas {
    nonisolated(unsafe) static let workers: [String: Any] = [
        "WorkerClaimRequest": object([
            "processors": ["type": "array", "items": string, "description": "Default: every processor the token may run."],
            "wait_seconds": ["type": "integer", "minimum": 0, "maximum": 30],
        ], required: []),
        "WorkerClaim": object([
            "job": ref("Job"), "lease_id": ["type": "string", "description": "Send with every later call about this job."],
            "lease_expires_at": dateTime, "inputs": ["type": "array", "items": ref("Media"), "description": "The input media, with signed URLs."],
        ]),
        "WorkerLease": object(["lease_id": string]),
        "WorkerProgress": object(["lease_id": string, "progress": ["type": "number", "minimum": 0, "maximum": 1], "step": string],
                                 required: ["lease_id", "progress"]),
        "WorkerLeaseState": object(["lease_expires_at": dateTime, "cancel_requested": ["type": "boolean"]]),
        "WorkerCompletion": object(["lease_id": string, "media_ids": ["type": "array", "items": string], "data": ["type": "object"]],
                                   required: ["lease_id"]),
        "WorkerFailure": object(["lease_id": string, "code": string, "message": string, "retryable": ["type": "boolean"]],
                                required: ["lease_id", "message"]),
    ]
}
