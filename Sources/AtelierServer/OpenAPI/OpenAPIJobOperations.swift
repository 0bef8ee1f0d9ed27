/// Jobs, processors, events and credits in the OpenAPI document.
extension OpenAPIDocument {
    nonisolated(unsafe) static let sseParameters: [[String: Any]] = [
        ["name": "Accept", "in": "header", "required": true, "schema": ["type": "string", "enum": ["text/event-stream"]]],
        ["name": "Last-Event-ID", "in": "header", "schema": ["type": "string"], "description": "Resume after this event id."],
    ]

    nonisolated(unsafe) static let jobOperations: [OpenAPIOperation] = [
        .init(method: "get", path: "/api/v1/processors", id: "listProcessors", tag: "Jobs",
              summary: "The processor catalogue with prices (ETag; Cache-Control max-age=60).", bearer: false,
              parameters: [["name": "If-None-Match", "in": "header", "schema": ["type": "string"]]], success: [200: "Processor", 304: nil], listing: true),
        .init(method: "post", path: "/api/v1/jobs", id: "createJob", tag: "Jobs",
              summary: "Start a job. Charges the processor's cost, records the Idempotency-Key and creates the job in one transaction; the same key replays the first response.",
              parameters: [["name": "Idempotency-Key", "in": "header", "required": true, "schema": ["type": "string", "pattern": "^[!-~]{1,255}$"],
                             "description": "1–255 printable ASCII characters, no spaces (a UUID, say)."]],
              body: .json(schema: "CreateJob"), success: [202: "Job"], errors: [402, 403, 404, 409, 422]),
        .init(method: "get", path: "/api/v1/jobs", id: "listJobs", tag: "Jobs", summary: "The caller's jobs, newest first.",
              parameters: pageParameters + [
                  ["name": "state", "in": "query", "schema": ["type": "string", "enum": ["queued", "running", "succeeded", "failed", "canceled"]]],
                  ["name": "processor", "in": "query", "schema": ["type": "string"]],
              ], success: [200: "Job"], errors: [422], listing: true),
        .init(method: "get", path: "/api/v1/jobs/{id}", id: "getJob", tag: "Jobs",
              summary: "A job (ETag). With ?wait=N (≤ 60) it long-polls: answers as soon as the job differs from the If-None-Match ETag, or after N seconds.",
              parameters: [idParameter, ["name": "wait", "in": "query", "schema": ["type": "integer", "minimum": 0, "maximum": 60]],
                           ["name": "If-None-Match", "in": "header", "schema": ["type": "string"]]],
              success: [200: "Job", 304: nil], errors: [404, 422]),
        .init(method: "post", path: "/api/v1/jobs/{id}/cancel", id: "cancelJob", tag: "Jobs",
              summary: "Cancel: a queued job ends at once and is refunded; a running one stops at its next check and is refunded.",
              parameters: [idParameter], success: [200: "Job"], errors: [404]),
        .init(method: "get", path: "/api/v1/jobs/{id}/events", id: "jobEvents", tag: "Jobs",
              summary: "One job's events: Server-Sent Events (`event: job`, data a JobEvent, `id` for Last-Event-ID), or a WebSocket (upgrade on this path; bearer header or `?ticket=`) sending JobEvent text frames. Both start with where the job stands and end at its terminal state.",
              parameters: [idParameter] + sseParameters, success: [200: nil], errors: [404, 406]),
        .init(method: "get", path: "/api/v1/events", id: "events", tag: "Jobs",
              summary: "All of the caller's job events, as Server-Sent Events or over a WebSocket upgrade on this path.",
              parameters: sseParameters, success: [200: nil], errors: [406]),
        .init(method: "post", path: "/api/v1/events/tickets", id: "createEventTicket", tag: "Jobs",
              summary: "A single-use ticket, valid 60 s, to open an event WebSocket with `?ticket=` where headers cannot be set.",
              success: [201: "EventTicket"]),
        .init(method: "get", path: "/api/v1/credits", id: "getCredits", tag: "Credits", summary: "Balance and ledger (newest first).",
              parameters: pageParameters, success: [200: "Credits"], errors: [422]),
    ]
}
