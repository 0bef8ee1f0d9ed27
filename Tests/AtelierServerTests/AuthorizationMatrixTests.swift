import AtelierCore
import Foundation
import HTTPTypes
import Testing
@testable import AtelierServer

/// What the matrix's requests name: one owner's media, jobs and leases, an admin's source, and
/// everything the leak check looks for in bodies that are not the owner's.
struct MatrixFixture {
    static let password = "matrix password"
    /// Nothing listens on port 9 of the loopback: a source's import fails at once.
    static let deadURL = "http://127.0.0.1:9/feed.jsonl"

    let owner: Account
    let other: Account
    let admin: Account
    let media: String
    let spareMedia: String
    let job: String
    let listing: String
    let source: String
    let systemJob: String
    let workerJob: String
    let lease: String
    let failingJob: String
    let failingLease: String
    let workerSecret: String
    let otherWorkerSecret: String
    let revokedWorkerSecret: String
    let freshImage: Data
    let resultImage: Data
    /// The owner's (and the admin's) data that no refused caller and no other user may see.
    let secrets: [String]
}

@Suite("Authorization matrix")
struct AuthorizationMatrixTests {
    @Test("every endpoint × owner, other user, anonymous, expired, tampered and alg:none tokens: the expected status, and no leak")
    func matrix() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-matrix-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let processors = try Self.declareProcessors(in: folder)
        // Blobs on disk, where direct uploads answer 409 to everyone allowed past authentication
        // (S3MediaTests covers who may complete a direct upload on S3).
        try await TestServer.run({ $0.externalProcessors = processors; $0.freeCredits = 100; $0.blobURL = nil }) { api in
            // A new endpoint without a row fails here: the table must cover the router exactly.
            let (_, routes) = buildRouter(api.services, logger: .init(label: "matrix"))
            let rows = AuthorizationMatrix.rows
            #expect(Set(rows.map(\.name)) == Set(routes), "rows missing: \(Set(routes).subtracting(rows.map(\.name)).sorted())")
            #expect(rows.count == Set(rows.map(\.name)).count, "a route has two rows")

            let fixture = try await Self.fixture(api)
            let userTokens = try await Self.badTokens(api, for: fixture.owner)
            let adminTokens = try await Self.badTokens(api, for: fixture.admin)
            for row in rows {
                for principal in Principal.allCases {
                    let token: String?
                    switch (principal, row.access) {
                    case (.anonymous, _): token = nil
                    case (.owner, .admin): token = fixture.admin.accessToken
                    case (.owner, .worker): token = fixture.workerSecret
                    case (.owner, _): token = fixture.owner.accessToken
                    case (.otherUser, .admin): token = fixture.owner.accessToken
                    case (.otherUser, .worker): token = fixture.otherWorkerSecret
                    case (.otherUser, _): token = fixture.other.accessToken
                    case (.expiredToken, .worker): token = fixture.revokedWorkerSecret
                    case (.tamperedToken, .worker): token = Self.tamper(fixture.workerSecret)
                    case (_, .admin): token = adminTokens[principal]
                    default: token = userTokens[principal]
                    }
                    let request = row.request(fixture)
                    let (status, body) = try await Self.send(api, row.method, request, token: token)
                    let expected: Int
                    switch (principal, row.access) {
                    case (_, .open), (.owner, _): expected = row.owner
                    case (.otherUser, _): expected = row.other
                    default: expected = 401
                    }
                    let text = String(decoding: body, as: UTF8.self)
                    #expect(status == expected, "\(row.name) as \(principal.rawValue): \(status) \(text.prefix(300))")
                    if status >= 400 {
                        let error = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["error"] as? [String: Any]
                        #expect(error?["code"] is String, "\(row.name) as \(principal.rawValue): no error envelope: \(text.prefix(300))")
                        if expected == 401 && row.access != .open { #expect(error?["code"] as? String == "UNAUTHORIZED", "\(row.name) as \(principal.rawValue)") }
                    }
                    // Refusals, and whatever another user sees, never name the owner's data (unless
                    // the request itself did).
                    if principal != .owner && (status >= 400 || (principal == .otherUser && row.access != .open)) {
                        let asked = request.path + (request.json.flatMap { try? JSONSerialization.data(withJSONObject: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? "")
                        for secret in fixture.secrets where !asked.contains(secret) {
                            #expect(!text.contains(secret), "\(row.name) as \(principal.rawValue) leaks \(secret): \(text.prefix(300))")
                        }
                    }
                }
            }
        }
    }

    /// Three processors only external workers run: the worker rows' jobs, the claim row's, and one
    /// for the other worker token.
    static func declareProcessors(in folder: URL) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let declarations = ["matrix.external", "matrix.claimable", "matrix.other"].map { name in
            #"{"name": "\#(name)", "title": "\#(name)", "cost": 1, "queue": "interactive", "media_inputs": [0, 1], "timeout_seconds": 60, "params": {"properties": {}, "required": []}}"#
        }
        let file = folder.appendingPathComponent("processors.json")
        try Data("[\(declarations.joined(separator: ","))]".utf8).write(to: file)
        return file.path
    }

    static func fixture(_ api: APIClient) async throws -> MatrixFixture {
        let owner = try await api.register("owner-\(UUID().uuidString.prefix(8))@example.com", password: MatrixFixture.password)
        let other = try await api.register("other-\(UUID().uuidString.prefix(8))@example.com", password: MatrixFixture.password)
        let admin = try await api.register("admin-\(UUID().uuidString.prefix(8))@example.com", password: MatrixFixture.password)
        try await api.services.setRoles(email: admin.email, admin: true, premium: nil)
        let ownerName = "Owner \(UUID().uuidString.prefix(8))"
        _ = try await api.request(.patch, "/api/v1/users/me", json: ["display_name": ownerName], token: owner.accessToken)

        func upload(_ image: Data) async throws -> [String: Any] {
            let response = try await api.upload(image, token: owner.accessToken)
            guard response.status == 201 else { throw TestFailure("upload answered \(response.status)") }
            return response.data
        }
        let media = try await upload(try TestImages.make(.jpeg, width: 320, height: 240))
        let spare = try await upload(try TestImages.make(.png, width: 200, height: 100))

        let workers = api.services.externalWorkers
        let (_, workerSecret) = try await workers.createToken(name: "matrix", processors: ["matrix.external", "matrix.claimable"])
        let (_, otherWorkerSecret) = try await workers.createToken(name: "matrix-other", processors: ["matrix.other"])
        let (revoked, revokedWorkerSecret) = try await workers.createToken(name: "matrix-revoked", processors: ["matrix.external"])
        _ = try await workers.revoke(id: revoked.id)

        func createJob(_ processor: String) async throws -> String {
            let response = try await api.createJob(["processor": processor, "media_ids": [media["id"] as? String ?? ""]], token: owner.accessToken)
            guard response.status == 202, let id = response.data["id"] as? String else { throw TestFailure("job: \(response.status)") }
            return id
        }
        /// A job an external worker has claimed: its id and lease.
        func claimedJob() async throws -> (String, String) {
            let id = try await createJob("matrix.external")
            let claim = try await api.request(.post, "/api/v1/worker/claim", json: ["processors": ["matrix.external"], "wait_seconds": 5], token: workerSecret)
            guard (claim.data["job"] as? [String: Any])?["id"] as? String == id, let lease = claim.data["lease_id"] as? String else {
                throw TestFailure("claim: \(claim.status)")
            }
            return (id, lease)
        }
        let (workerJob, lease) = try await claimedJob()
        let (failingJob, failingLease) = try await claimedJob()
        let job = try await createJob("matrix.external")
        let claimable = try await createJob("matrix.claimable")

        let (listing, _) = try await api.services.catalog.listings.upsert(
            ListingDraft(marketplace: "matrix", externalID: "coat-1", title: "Wool coat", priceMinor: 2400, currency: "EUR", imageURLs: []), now: Date())
        let source = try await api.request(.post, "/api/v1/admin/ingestion/sources",
                                           json: ["name": "matrix-source", "kind": "feed", "urls": [MatrixFixture.deadURL], "every_minutes": 60],
                                           token: admin.accessToken)
        let sourceID = try #require(source.data["id"] as? String)
        let run = try await api.request(.post, "/api/v1/admin/ingestion/sources/\(sourceID)/run", token: admin.accessToken)
        let systemJob = try #require(run.data["id"] as? String)

        let candidates: [Any?] = [owner.id, owner.email, ownerName, admin.id, admin.email, media["id"], media["sha256"], spare["id"], spare["sha256"],
                                  workerJob, lease, failingJob, failingLease, job, claimable, sourceID, "matrix-source", systemJob, workerSecret]
        let secrets = candidates.compactMap { $0 as? String }
        return MatrixFixture(
            owner: owner, other: other, admin: admin, media: media["id"] as? String ?? "", spareMedia: spare["id"] as? String ?? "",
            job: job, listing: listing.id, source: sourceID, systemJob: systemJob, workerJob: workerJob, lease: lease,
            failingJob: failingJob, failingLease: failingLease, workerSecret: workerSecret, otherWorkerSecret: otherWorkerSecret,
            revokedWorkerSecret: revokedWorkerSecret, freshImage: try TestImages.make(.jpeg, width: 96, height: 64),
            resultImage: try TestImages.make(.png, width: 64, height: 64), secrets: secrets)
    }

    /// The account's own access token, expired (signed with the server's key), with its signature
    /// changed, and re-headed as `alg: none` without a signature.
    static func badTokens(_ api: APIClient, for account: Account) async throws -> [Principal: String] {
        let expired = try await AccessTokens(keys: api.services.tokens.keys, lifetimeSeconds: -120).issue(userID: account.id)
        let parts = account.accessToken.split(separator: ".")
        let header = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        return [.expiredToken: expired, .tamperedToken: tamper(account.accessToken), .unsignedToken: "\(header).\(parts[1])."]
    }

    /// One character in the middle of the token's last part changed.
    static func tamper(_ token: String) -> String {
        var characters = Array(token)
        let lastPart = (characters.lastIndex(of: ".") ?? characters.startIndex - 1) + 1
        let index = lastPart + (characters.count - lastPart) / 2
        characters[index] = characters[index] == "A" ? "B" : "A"
        return String(characters)
    }

    /// Status and body; for an event stream that was accepted, only its head is read.
    static func send(_ api: APIClient, _ method: HTTPRequest.Method, _ request: MatrixRequest, token: String?) async throws -> (Int, Data) {
        guard request.stream else {
            let response = try await api.request(method, request.path, json: request.json, body: request.body, token: token, headers: request.headers)
            return (response.status, response.body)
        }
        var head = "\(method.rawValue) \(request.path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in request.headers { head += "\(name): \(value)\r\n" }
        // Blocking socket calls on a thread of their own: on one of the two cooperative threads
        // they would starve the in-process server that must answer them.
        let (port, bytes) = (api.port, Data((head + "\r\n").utf8))
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let connection = try RawHTTPConnection(port: port)
                    try connection.send(bytes)
                    return try readHead(connection)
                })
            }
        }
    }

    /// Reads a response head, then a body with Content-Length; an event stream's body is left unread.
    static func readHead(_ connection: RawHTTPConnection) throws -> (Int, Data) {
        var received = Data()
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = recv(connection.socket, &chunk, chunk.count, 0)
            if count > 0 { received.append(contentsOf: chunk[0..<count]) }
            if let end = received.range(of: Data("\r\n\r\n".utf8)) {
                let head = String(decoding: received[..<end.lowerBound], as: UTF8.self)
                let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
                if head.lowercased().contains("text/event-stream") { return (status, Data()) }
                if let match = head.firstMatch(of: /(?i)content-length: *(\d+)/), let length = Int(match.1),
                   received.count - end.upperBound >= length || count <= 0 {
                    return (status, Data(received[end.upperBound...]))
                }
            }
            if count <= 0 { throw TestFailure("the connection ended inside a response: \(String(decoding: received, as: UTF8.self).prefix(200))") }
        }
    }
}
