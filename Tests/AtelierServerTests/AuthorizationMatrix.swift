import Foundation
import HTTPTypes

/// Who calls, in the authorization matrix.
enum Principal: String, CaseIterable {
    /// Refused callers first: a row's own call may change what later calls see (a delete).
    case anonymous, expiredToken = "expired token", tamperedToken = "tampered token", unsignedToken = "alg:none token"
    case otherUser = "other user", owner
}

/// How an endpoint decides who may call it.
enum Access {
    /// Anyone; a bearer token, good or bad, changes nothing.
    case open
    /// A signed-in user; the owner is the user whose data the request names.
    case user
    /// An admin account (the owner); the other user is a plain account (the owner of user data).
    case admin
    /// An external worker's token (`atw_…`; the owner holds the job's lease); the other user is a
    /// worker token for another processor, the expired token a revoked one.
    case worker
}

/// One request of the matrix.
struct MatrixRequest {
    var path: String
    var json: [String: Any]?
    var body: Data?
    var headers: [String: String] = [:]
    /// An endless Server-Sent Events stream: only its head is read.
    var stream = false

    init(_ path: String, json: [String: Any]? = nil, body: Data? = nil, headers: [String: String] = [:], stream: Bool = false) {
        self.path = path
        self.json = json
        self.body = body
        self.headers = headers
        self.stream = stream
    }
}

/// One endpoint: the answer the owner and the other user get (the owner's for everyone on an open
/// endpoint; 401 for anonymous, expired, tampered and unsigned tokens everywhere else).
struct MatrixRow {
    let method: HTTPRequest.Method
    /// As the router and the OpenAPI document name it.
    let route: String
    let access: Access
    let owner: Int
    let other: Int
    let request: (MatrixFixture) -> MatrixRequest

    init(_ method: HTTPRequest.Method, _ route: String, _ access: Access, owner: Int, other: Int? = nil,
         _ request: @escaping (MatrixFixture) -> MatrixRequest) {
        self.method = method
        self.route = route
        self.access = access
        self.owner = owner
        self.other = other ?? owner
        self.request = request
    }

    var name: String { "\(method.rawValue) \(route)" }
}

/// Every endpoint of the router, in the order the matrix calls them (destructive ones after those
/// that need what they destroy; the account's deletion last). A route without a row fails the test.
enum AuthorizationMatrix {
    static var rows: [MatrixRow] {
        [
            // Operations
            MatrixRow(.get, "/health", .open, owner: 200) { _ in .init("/health") },
            MatrixRow(.get, "/ready", .open, owner: 200) { _ in .init("/ready") },
            MatrixRow(.get, "/metrics", .open, owner: 200) { _ in .init("/metrics") },
            MatrixRow(.get, "/api/v1/openapi.json", .open, owner: 200) { _ in .init("/api/v1/openapi.json") },

            // The web console: static files, the same for everyone (it signs in through the API)
            MatrixRow(.get, "/", .open, owner: 200) { _ in .init("/") },
            MatrixRow(.get, "/console/{file}", .open, owner: 200) { _ in .init("/console/console.js") },

            // Accounts (sign-in takes credentials, never a bearer token)
            MatrixRow(.post, "/api/v1/auth/register", .open, owner: 201) { _ in
                .init("/api/v1/auth/register", json: ["email": "new-\(UUID().uuidString.prefix(8))@example.com", "password": "long enough"])
            },
            MatrixRow(.post, "/api/v1/auth/login", .open, owner: 200) { f in
                .init("/api/v1/auth/login", json: ["email": f.other.email, "password": MatrixFixture.password])
            },
            MatrixRow(.post, "/api/v1/auth/refresh", .open, owner: 401) { _ in .init("/api/v1/auth/refresh", json: ["refresh_token": "not-a-token"]) },
            MatrixRow(.post, "/api/v1/auth/logout", .open, owner: 204) { _ in .init("/api/v1/auth/logout", json: ["refresh_token": "not-a-token"]) },
            MatrixRow(.get, "/api/v1/users/me", .user, owner: 200, other: 200) { _ in .init("/api/v1/users/me") },
            MatrixRow(.patch, "/api/v1/users/me", .user, owner: 200, other: 200) { _ in .init("/api/v1/users/me", json: ["display_name": "Renamed"]) },

            // Media: another user's media does not exist for them (404, never 403).
            MatrixRow(.post, "/api/v1/media", .user, owner: 201, other: 201) { f in
                .init("/api/v1/media", body: f.freshImage, headers: ["Content-Type": "application/octet-stream"])
            },
            MatrixRow(.post, "/api/v1/media/uploads", .user, owner: 409, other: 409) { _ in .init("/api/v1/media/uploads") },
            MatrixRow(.post, "/api/v1/media/uploads/{id}/complete", .user, owner: 409, other: 409) { _ in
                .init("/api/v1/media/uploads/\(UUID().uuidString.lowercased())/complete")
            },
            MatrixRow(.get, "/api/v1/media", .user, owner: 200, other: 200) { _ in .init("/api/v1/media") },
            MatrixRow(.get, "/api/v1/media/{id}", .user, owner: 200, other: 404) { f in .init("/api/v1/media/\(f.media)") },
            MatrixRow(.get, "/api/v1/media/{id}/content", .user, owner: 200, other: 404) { f in .init("/api/v1/media/\(f.media)/content?variant=thumb") },
            MatrixRow(.delete, "/api/v1/media/{id}", .user, owner: 204, other: 404) { f in .init("/api/v1/media/\(f.spareMedia)") },

            // Jobs, events, credits
            MatrixRow(.get, "/api/v1/processors", .open, owner: 200) { _ in .init("/api/v1/processors") },
            MatrixRow(.post, "/api/v1/jobs", .user, owner: 202, other: 404) { f in
                // The other user names the owner's photo: it does not exist for them.
                .init("/api/v1/jobs", json: ["processor": "image.enhance", "media_ids": [f.media]], headers: ["Idempotency-Key": UUID().uuidString])
            },
            MatrixRow(.get, "/api/v1/jobs", .user, owner: 200, other: 200) { _ in .init("/api/v1/jobs") },
            MatrixRow(.get, "/api/v1/jobs/{id}", .user, owner: 200, other: 404) { f in .init("/api/v1/jobs/\(f.job)") },
            MatrixRow(.get, "/api/v1/jobs/{id}/events", .user, owner: 200, other: 404) { f in
                .init("/api/v1/jobs/\(f.job)/events", headers: ["Accept": "text/event-stream"], stream: true)
            },
            MatrixRow(.post, "/api/v1/jobs/{id}/cancel", .user, owner: 200, other: 404) { f in .init("/api/v1/jobs/\(f.job)/cancel") },
            MatrixRow(.get, "/api/v1/events", .user, owner: 200, other: 200) { _ in
                .init("/api/v1/events", headers: ["Accept": "text/event-stream"], stream: true)
            },
            MatrixRow(.post, "/api/v1/events/tickets", .user, owner: 201, other: 201) { _ in .init("/api/v1/events/tickets") },
            MatrixRow(.get, "/api/v1/credits", .user, owner: 200, other: 200) { _ in .init("/api/v1/credits") },

            // Search: listings are for every signed-in user; a stored photo only for its owner.
            // No image model is installed here, so a photo search ends at 503 once past the checks.
            MatrixRow(.post, "/api/v1/search/image", .user, owner: 503, other: 404) { f in
                .init("/api/v1/search/image", json: ["media_id": f.media])
            },
            MatrixRow(.get, "/api/v1/search", .user, owner: 200, other: 200) { _ in .init("/api/v1/search?q=coat") },
            MatrixRow(.get, "/api/v1/listings/{id}", .user, owner: 200, other: 200) { f in .init("/api/v1/listings/\(f.listing)") },
            MatrixRow(.get, "/api/v1/listings/{id}/similar", .user, owner: 409, other: 409) { f in .init("/api/v1/listings/\(f.listing)/similar") },

            // Administration: admins only; a plain account gets 403.
            MatrixRow(.get, "/api/v1/admin/ingestion/runs", .admin, owner: 200, other: 403) { _ in .init("/api/v1/admin/ingestion/runs") },
            MatrixRow(.get, "/api/v1/admin/ingestion/sources", .admin, owner: 200, other: 403) { _ in .init("/api/v1/admin/ingestion/sources") },
            MatrixRow(.post, "/api/v1/admin/ingestion/sources", .admin, owner: 201, other: 403) { _ in
                .init("/api/v1/admin/ingestion/sources", json: ["name": "matrix-added", "kind": "crawl", "urls": [MatrixFixture.deadURL], "every_minutes": 60])
            },
            MatrixRow(.post, "/api/v1/admin/ingestion/sources/{id}/run", .admin, owner: 202, other: 403) { f in
                .init("/api/v1/admin/ingestion/sources/\(f.source)/run")
            },
            MatrixRow(.delete, "/api/v1/admin/ingestion/sources/{id}", .admin, owner: 204, other: 403) { f in
                .init("/api/v1/admin/ingestion/sources/\(f.source)")
            },
            MatrixRow(.get, "/api/v1/admin/jobs", .admin, owner: 200, other: 403) { _ in .init("/api/v1/admin/jobs") },
            MatrixRow(.get, "/api/v1/admin/jobs/{id}", .admin, owner: 200, other: 403) { f in .init("/api/v1/admin/jobs/\(f.systemJob)") },

            // External workers: another worker holding the owner's lease id gets LEASE_LOST.
            MatrixRow(.post, "/api/v1/worker/claim", .worker, owner: 200, other: 403) { _ in
                .init("/api/v1/worker/claim", json: ["processors": ["matrix.claimable"], "wait_seconds": 0])
            },
            MatrixRow(.post, "/api/v1/worker/jobs/{id}/heartbeat", .worker, owner: 200, other: 409) { f in
                .init("/api/v1/worker/jobs/\(f.workerJob)/heartbeat", json: ["lease_id": f.lease])
            },
            MatrixRow(.post, "/api/v1/worker/jobs/{id}/progress", .worker, owner: 200, other: 409) { f in
                .init("/api/v1/worker/jobs/\(f.workerJob)/progress", json: ["lease_id": f.lease, "progress": 0.5, "step": "matrix"])
            },
            MatrixRow(.post, "/api/v1/worker/jobs/{id}/media", .worker, owner: 201, other: 409) { f in
                .init("/api/v1/worker/jobs/\(f.workerJob)/media?lease_id=\(f.lease)", body: f.resultImage, headers: ["Content-Type": "image/png"])
            },
            MatrixRow(.post, "/api/v1/worker/jobs/{id}/complete", .worker, owner: 200, other: 409) { f in
                .init("/api/v1/worker/jobs/\(f.workerJob)/complete", json: ["lease_id": f.lease])
            },
            MatrixRow(.post, "/api/v1/worker/jobs/{id}/fail", .worker, owner: 200, other: 409) { f in
                .init("/api/v1/worker/jobs/\(f.failingJob)/fail", json: ["lease_id": f.failingLease, "message": "matrix"])
            },

            // Last: the owner's account goes.
            MatrixRow(.delete, "/api/v1/users/me", .user, owner: 204, other: 204) { _ in .init("/api/v1/users/me") },
        ]
    }
}
