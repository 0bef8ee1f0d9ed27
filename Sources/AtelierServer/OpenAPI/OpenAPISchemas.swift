// The document is built from immutable literals of [String: Any] (not Sendable, never mutated).
/// The shapes of request and response bodies in the OpenAPI document.
enum OpenAPISchemas {
    static func object(_ properties: [String: Any], required: [String]? = nil) -> [String: Any] {
        ["type": "object", "properties": properties, "required": required ?? Array(properties.keys).sorted()]
    }

    nonisolated(unsafe) static let string: [String: Any] = ["type": "string"]
    nonisolated(unsafe) static let integer: [String: Any] = ["type": "integer"]
    nonisolated(unsafe) static let dateTime: [String: Any] = ["type": "string", "format": "date-time"]
    nonisolated(unsafe) static let nullableString: [String: Any] = ["type": ["string", "null"]]

    nonisolated(unsafe) static let variant = object(["url": ["type": "string", "format": "uri"], "width": integer, "height": integer, "content_type": string, "bytes": integer])

    nonisolated(unsafe) static let all: [String: Any] = [
        "Meta": object(["request_id": string]),
        "ListMeta": object(["request_id": string, "next_cursor": nullableString]),
        "Status": object(["status": string]),
        "Credentials": object(["email": ["type": "string", "format": "email"], "password": ["type": "string", "minLength": 8]]),
        "RefreshToken": object(["refresh_token": string]),
        "ProfileChange": object(
            ["email": ["type": "string", "format": "email"], "display_name": nullableString, "password": string, "current_password": string],
            required: []),
        "User": object(["id": string, "email": string, "display_name": nullableString, "created_at": dateTime]),
        "Session": object([
            "user": ref("User"), "access_token": string, "refresh_token": string,
            "expires_in": ["type": "integer", "description": "Seconds the access token is valid."], "token_type": ["type": "string", "enum": ["Bearer"]],
        ]),
        "Media": object([
            "id": string, "width": integer, "height": integer,
            "format": ["type": "string", "enum": ["jpeg", "png", "webp", "heic", "avif"]],
            "bytes": integer, "sha256": string, "duplicate": ["type": "boolean"], "created_at": dateTime,
            "variants": object(["original": variant, "display": variant, "thumb": variant]),
        ]),
        "DirectUpload": object([
            "id": string, "url": ["type": "string", "format": "uri", "description": "Presigned: PUT the bytes here, no other headers needed."],
            "method": ["type": "string", "enum": ["PUT"]], "expires_at": dateTime, "max_bytes": integer,
        ]),
        "CreateJob": object(
            ["processor": string, "media_ids": ["type": "array", "items": string], "params": ["type": "object"],
             "priority": ["type": "integer", "minimum": -10, "maximum": 10]],
            required: ["processor"]),
        "Job": object([
            "id": string, "processor": string, "state": ref("JobState"), "progress": ["type": "number"], "step": nullableString,
            "credits_charged": integer, "result": ["type": ["object", "null"]], "error": ["oneOf": [ref("JobFailure"), ["type": "null"]]],
            "media_ids": ["type": "array", "items": string], "params": ["type": "object"], "priority": integer, "attempts": integer,
            "cancel_requested": ["type": "boolean"], "created_at": dateTime, "updated_at": dateTime,
        ]),
        "EventTicket": object(["ticket": string, "expires_in": integer]),
        "JobState": ["type": "string", "enum": ["queued", "running", "succeeded", "failed", "canceled"]],
        "JobFailure": object(["code": string, "message": string]),
        "JobEvent": object([
            "sequence": ["type": ["integer", "null"]], "job_id": string, "state": ref("JobState"), "progress": ["type": "number"], "step": nullableString,
            "result": ["type": ["object", "null"]], "error": ["oneOf": [ref("JobFailure"), ["type": "null"]]], "at": dateTime,
        ]),
        "Processor": object([
            "name": string, "version": integer, "title": string, "description": string, "cost": integer,
            "queue": ["type": "string", "enum": ["interactive", "standard", "batch"]], "premium": ["type": "boolean"],
            "available": ["type": "boolean"], "featured": ["type": "boolean"],
            "inputs": object(["media_min": integer, "media_max": integer, "params": ["type": "object", "description": "JSON Schema of params."]]),
        ]),
        "Credits": object([
            "balance": integer,
            "ledger": ["type": "array", "items": object([
                "id": string, "delta": integer, "reason": string, "job_id": nullableString, "balance_after": integer, "created_at": dateTime,
            ])],
        ]),
        "Error": object([
            "error": object([
                "code": ["type": "string", "description": "Stable; see the error codes in README.md."],
                "message": string,
                "details": ["type": "object", "additionalProperties": ["type": "string"]],
            ]),
            "meta": ref("Meta"),
        ]),
    ]

    static let errorDescriptions: [Int: String] = [
        400: "BAD_REQUEST, INVALID_JSON or IDEMPOTENCY_KEY_REQUIRED", 402: "INSUFFICIENT_CREDITS", 406: "NOT_ACCEPTABLE", 401: "UNAUTHORIZED, INVALID_CREDENTIALS, INVALID_REFRESH_TOKEN, TOKEN_EXPIRED or TOKEN_REUSED",
        403: "INVALID_SIGNATURE, SIGNATURE_EXPIRED, PREMIUM_REQUIRED or FORBIDDEN", 404: "NOT_FOUND, MEDIA_NOT_FOUND, JOB_NOT_FOUND or LISTING_NOT_FOUND",
        405: "METHOD_NOT_ALLOWED", 409: "EMAIL_TAKEN, IDEMPOTENCY_KEY_IN_FLIGHT or LISTING_NOT_EMBEDDED", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE", 416: "Range not satisfiable",
        422: "VALIDATION_FAILED, INVALID_IMAGE, IMAGE_TOO_LARGE, UNKNOWN_PROCESSOR or IDEMPOTENCY_KEY_REUSED",
        429: "LOGIN_THROTTLED or RATE_LIMITED (with Retry-After)",
        500: "INTERNAL_ERROR (carries the request id only)", 503: "NOT_READY or MODEL_UNAVAILABLE",
    ]

    static var errorResponses: [String: Any] {
        Dictionary(uniqueKeysWithValues: errorDescriptions.map { status, text in
            ("Error\(status)", ["description": text, "content": ["application/json": ["schema": ref("Error")]]] as [String: Any])
        })
    }
}
