/// The catalogue's administration in the OpenAPI document (admins only: `atelier user admin EMAIL`).
extension OpenAPIDocument {
    nonisolated(unsafe) static let adminOperations: [OpenAPIOperation] = [
        .init(method: "get", path: "/api/v1/admin/ingestion/runs", id: "ingestionRuns", tag: "Admin",
              summary: "Feed and crawl runs, newest first (from `atelier ingest` or a source's scheduled job).",
              parameters: pageParameters, success: [200: "IngestionRun"], errors: [403, 422], listing: true),
        .init(method: "get", path: "/api/v1/admin/ingestion/sources", id: "ingestionSources", tag: "Admin",
              summary: "Sources imported on a schedule, oldest first.", success: [200: "IngestionSource"], errors: [403], listing: true),
        .init(method: "post", path: "/api/v1/admin/ingestion/sources", id: "addIngestionSource", tag: "Admin",
              summary: "Register a feed (one http(s) URL) or a crawl (1–1,000 listing page URLs) imported every `every_minutes` by a `catalog.ingest` job. The first import starts within a minute.",
              body: .json(schema: "NewIngestionSource"), success: [201: "IngestionSource"], errors: [403, 409, 422]),
        .init(method: "delete", path: "/api/v1/admin/ingestion/sources/{id}", id: "removeIngestionSource", tag: "Admin",
              summary: "Stop importing a source (its listings stay).", parameters: [idParameter], success: [204: nil], errors: [403, 404]),
        .init(method: "post", path: "/api/v1/admin/ingestion/sources/{id}/run", id: "runIngestionSource", tag: "Admin",
              summary: "Queue an import of the source now, besides its schedule.", parameters: [idParameter], success: [202: "Job"], errors: [403, 404]),
        .init(method: "get", path: "/api/v1/admin/jobs", id: "systemJobs", tag: "Admin",
              summary: "The jobs the platform gives itself (`catalog.ingest`, `catalog.reembed`), newest first.",
              parameters: pageParameters + [
                  ["name": "state", "in": "query", "schema": ["type": "string", "enum": ["queued", "running", "succeeded", "failed", "canceled"]]],
                  ["name": "processor", "in": "query", "schema": ["type": "string"]],
              ], success: [200: "Job"], errors: [403, 422], listing: true),
        .init(method: "get", path: "/api/v1/admin/jobs/{id}", id: "systemJob", tag: "Admin", summary: "One of the platform's own jobs (ETag).",
              parameters: [idParameter, ["name": "If-None-Match", "in": "header", "schema": ["type": "string"]]],
              success: [200: "Job", 304: nil], errors: [403, 404]),
    ]
}

extension OpenAPISchemas {
    nonisolated(unsafe) static let admin: [String: Any] = [
        "IngestionRun": object([
            "id": string, "kind": ["type": "string", "enum": ["feed", "crawl"]], "source": string,
            "state": ["type": "string", "enum": ["running", "succeeded", "failed"]], "created": integer, "updated": integer,
            "unchanged": integer, "removed": integer, "failed": integer, "errors": ["type": "array", "items": string],
            "started_at": dateTime, "finished_at": ["type": ["string", "null"], "format": "date-time"],
            "job_id": ["type": ["string", "null"], "description": "The catalog.ingest job that made the run; null for a CLI run."],
        ]),
        "IngestionSource": object([
            "id": string, "name": string, "kind": ["type": "string", "enum": ["feed", "crawl"]],
            "urls": ["type": "array", "items": string], "full": ["type": "boolean"], "every_minutes": integer, "created_at": dateTime,
        ]),
        "NewIngestionSource": object([
            "name": ["type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"], "kind": ["type": "string", "enum": ["feed", "crawl"]],
            "urls": ["type": "array", "items": ["type": "string", "format": "uri"], "minItems": 1, "maxItems": 1000],
            "full": ["type": "boolean", "description": "A complete feed: listings of its marketplaces that it lacks are marked removed."],
            "every_minutes": ["type": "integer", "minimum": 1, "maximum": 43200],
        ], required: ["name", "kind", "urls", "every_minutes"]),
    ]
}
