import Foundation

/// The API as OpenAPI 3.1: operations here, shapes in `OpenAPISchemas`.
enum OpenAPIDocument {
    nonisolated(unsafe) static let pageParameters: [[String: Any]] = [
        ["name": "limit", "in": "query", "schema": ["type": "integer", "minimum": 1, "maximum": 100, "default": 20]],
        ["name": "cursor", "in": "query", "schema": ["type": "string"], "description": "`meta.next_cursor` of the previous page."],
    ]
    nonisolated(unsafe) static let idParameter: [String: Any] = ["name": "id", "in": "path", "required": true, "schema": ["type": "string", "format": "uuid"]]

    nonisolated(unsafe) static let operations: [OpenAPIOperation] = [
        .init(method: "get", path: "/health", id: "health", tag: "Operations", summary: "Liveness: the process answers.", bearer: false, success: [200: "Status"]),
        .init(method: "get", path: "/ready", id: "ready", tag: "Operations", summary: "Readiness: the database answers.", bearer: false, success: [200: "Status"], errors: [503]),
        .init(method: "get", path: "/metrics", id: "metrics", tag: "Operations", summary: "Prometheus metrics (text exposition format).", bearer: false, success: [200: nil]),
        .init(method: "get", path: "/api/v1/openapi.json", id: "openapi", tag: "Operations", summary: "This document.", bearer: false, success: [200: nil]),
        // The web console is not API, but it is a route the router has, so it is listed here too.
        .init(method: "get", path: "/", id: "console", tag: "Console",
              summary: "The web console's page (text/html; ETag, Cache-Control no-cache, a strict Content-Security-Policy). 503 CONSOLE_UNAVAILABLE when its files are not installed.",
              bearer: false, parameters: [["name": "If-None-Match", "in": "header", "schema": ["type": "string"]]],
              success: [200: nil, 304: nil], errors: [503]),
        .init(method: "get", path: "/console/{file}", id: "consoleFile", tag: "Console",
              summary: "One of the console's scripts, styles or images, by plain file name (ETag, Cache-Control no-cache).",
              bearer: false, parameters: [["name": "file", "in": "path", "required": true, "schema": ["type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$"]],
                                          ["name": "If-None-Match", "in": "header", "schema": ["type": "string"]]],
              success: [200: nil, 304: nil], errors: [404, 503]),

        .init(method: "post", path: "/api/v1/auth/register", id: "register", tag: "Accounts", summary: "Create an account and sign in.",
              bearer: false, body: .json(schema: "Credentials"), success: [201: "Session"], errors: [409, 422]),
        .init(method: "post", path: "/api/v1/auth/login", id: "login", tag: "Accounts", summary: "Sign in with email and password.",
              bearer: false, body: .json(schema: "Credentials"), success: [200: "Session"], errors: [401, 422]),
        .init(method: "post", path: "/api/v1/auth/refresh", id: "refresh", tag: "Accounts",
              summary: "Trade a refresh token for new tokens. A token works once; using it again signs out its whole family (TOKEN_REUSED).",
              bearer: false, body: .json(schema: "RefreshToken"), success: [200: "Session"], errors: [401, 422]),
        .init(method: "post", path: "/api/v1/auth/logout", id: "logout", tag: "Accounts", summary: "Revoke a refresh token and its family.",
              bearer: false, body: .json(schema: "RefreshToken"), success: [204: nil], errors: [422]),
        .init(method: "get", path: "/api/v1/users/me", id: "getMe", tag: "Accounts", summary: "The signed-in user.", success: [200: "User"]),
        .init(method: "patch", path: "/api/v1/users/me", id: "updateMe", tag: "Accounts",
              summary: "Change email, display name or password (the password needs current_password).",
              body: .json(schema: "ProfileChange"), success: [200: "User"], errors: [409, 422]),
        .init(method: "delete", path: "/api/v1/users/me", id: "deleteMe", tag: "Accounts", summary: "Delete the account with all its rows and files.", success: [204: nil]),

        .init(method: "post", path: "/api/v1/media", id: "uploadMedia", tag: "Media",
              summary: "Upload an image (JPEG, PNG, WebP, HEIC, AVIF). 201 when new, 200 with duplicate=true when the same bytes were uploaded before.",
              body: .image, success: [201: "Media", 200: "Media"], errors: [415, 422]),
        .init(method: "post", path: "/api/v1/media/uploads", id: "startDirectUpload", tag: "Media",
              summary: "Start an upload straight to S3: PUT the image bytes to `url` before `expires_at`, then call /complete within a day (later, the object is gone: 404). 409 DIRECT_UPLOADS_UNAVAILABLE when blobs live in a folder.",
              success: [201: "DirectUpload"], errors: [409]),
        .init(method: "post", path: "/api/v1/media/uploads/{id}/complete", id: "completeDirectUpload", tag: "Media",
              summary: "Take a directly uploaded image in, with the same checks as POST /media (then the staged object is deleted). 201 when new, 200 when a duplicate.",
              parameters: [idParameter], success: [201: "Media", 200: "Media"], errors: [404, 409, 413, 415, 422]),
        .init(method: "get", path: "/api/v1/media", id: "listMedia", tag: "Media", summary: "The caller's media, newest first.",
              parameters: pageParameters, success: [200: "Media"], errors: [422], listing: true),
        .init(method: "get", path: "/api/v1/media/{id}", id: "getMedia", tag: "Media", summary: "Media metadata (ETag; 304 on If-None-Match).",
              parameters: [idParameter, ["name": "If-None-Match", "in": "header", "schema": ["type": "string"]]], success: [200: "Media", 304: nil], errors: [404]),
        .init(method: "delete", path: "/api/v1/media/{id}", id: "deleteMedia", tag: "Media", summary: "Delete media and its files.",
              parameters: [idParameter], success: [204: nil], errors: [404]),
        .init(method: "get", path: "/api/v1/media/{id}/content", id: "getMediaContent", tag: "Media",
              summary: "The image bytes of a variant. Needs the owner's bearer token or a signed URL (expires + signature) from the metadata.",
              bearer: false,
              parameters: [
                  idParameter,
                  ["name": "variant", "in": "query", "schema": ["type": "string", "enum": ["original", "display", "thumb"], "default": "original"]],
                  ["name": "expires", "in": "query", "schema": ["type": "integer"]],
                  ["name": "signature", "in": "query", "schema": ["type": "string"]],
                  ["name": "Range", "in": "header", "schema": ["type": "string"], "description": "One byte range, e.g. `bytes=0-1023`."],
              ],
              success: [200: nil, 206: nil, 304: nil], errors: [401, 403, 404, 416, 422]),
    ] + jobOperations + searchOperations + adminOperations + workerOperations

    static func json() -> Data {
        var paths: [String: [String: Any]] = [:]
        for operation in operations {
            paths[operation.path, default: [:]][operation.method] = operation.json()
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": [
                "title": "Atelier API", "version": "1.0.0",
                "description": "The backend for AI photo and fashion apps. JSON bodies use snake_case; successes are `{data, meta}`, errors `{error: {code, message, details}, meta}`.",
            ],
            "servers": [["url": "/"]],
            "paths": paths,
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]],
                "schemas": OpenAPISchemas.all.merging(OpenAPISchemas.search) { first, _ in first }.merging(OpenAPISchemas.admin) { first, _ in first }
                    .merging(OpenAPISchemas.workers) { first, _ in first },
                "responses": OpenAPISchemas.errorResponses,
            ],
        ]
        return (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }
}
