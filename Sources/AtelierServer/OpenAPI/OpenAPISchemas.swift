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
        400: "BAD_REQUEST or INVALID_JSON", 401: "UNAUTHORIZED, INVALID_CREDENTIALS, INVALID_REFRESH_TOKEN, TOKEN_EXPIRED or TOKEN_REUSED",
        403: "INVALID_SIGNATURE or SIGNATURE_EXPIRED", 404: "NOT_FOUND or MEDIA_NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
        409: "EMAIL_TAKEN", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE", 416: "Range not satisfiable",
        422: "VALIDATION_FAILED, INVALID_IMAGE or IMAGE_TOO_LARGE", 429: "LOGIN_THROTTLED (with Retry-After)",
        500: "INTERNAL_ERROR (carries the request id only)", 503: "NOT_READY",
    ]

    static var errorResponses: [String: Any] {
        Dictionary(uniqueKeysWithValues: errorDescriptions.map { status, text in
            ("Error\(status)", ["description": text, "content": ["application/json": ["schema": ref("Error")]]] as [String: Any])
        })
    }
}
