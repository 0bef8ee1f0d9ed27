import Foundation
import Testing

@Suite("Accounts")
struct AccountTests {
    @Test("register, log in, refresh, and a reused refresh token revokes its family")
    func tokenLifecycle() async throws {
        try await TestServer.run { api in
            let account = try await api.register("Ada@Example.com")
            #expect(account.email == "ada@example.com")

            let me = try await api.request(.get, "/api/v1/users/me", token: account.accessToken)
            #expect(me.status == 200)
            #expect(me.data["email"] as? String == "ada@example.com")

            let login = try await api.request(.post, "/api/v1/auth/login", json: ["email": "ADA@example.com", "password": "correct horse"])
            #expect(login.status == 200)
            #expect(login.data["expires_in"] as? Int == 900)

            let refreshed = try await api.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": account.refreshToken])
            #expect(refreshed.status == 200)
            let next = api.account(refreshed.data)
            #expect(next.refreshToken != account.refreshToken)

            // Replaying the first token: reuse detected, and the token issued after it dies too.
            let replay = try await api.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": account.refreshToken])
            #expect(replay.status == 401)
            #expect(replay.errorCode == "TOKEN_REUSED")
            let afterRevocation = try await api.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": next.refreshToken])
            #expect(afterRevocation.status == 401)

            // Logging in started a separate family, untouched by that revocation.
            let other = api.account(login.data)
            let stillFine = try await api.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": other.refreshToken])
            #expect(stillFine.status == 200)
        }
    }

    @Test("refreshes racing with one token: at most one wins, and the family ends revoked")
    func concurrentRefresh() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let results = try await withThrowingTaskGroup(of: APIResponse.self) { group in
                for _ in 0..<6 {
                    group.addTask { try await api.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": account.refreshToken]) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = results.filter { $0.status == 200 }
            #expect(winners.count <= 1)
            #expect(results.filter { $0.status == 401 }.count >= 5)
            for winner in winners {
                let next = api.account(winner.data)
                #expect(try await api.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": next.refreshToken]).status == 401)
            }
        }
    }

    @Test("a deleted account's access token stops working at once")
    func deletedAccountToken() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            #expect(try await api.request(.delete, "/api/v1/users/me", token: account.accessToken).status == 204)
            let upload = try await api.upload(try TestImages.make(.jpeg), token: account.accessToken)
            #expect(upload.status == 401)
        }
    }

    @Test("logout revokes the family")
    func logout() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let out = try await api.request(.post, "/api/v1/auth/logout", json: ["refresh_token": account.refreshToken])
            #expect(out.status == 204)
            let refresh = try await api.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": account.refreshToken])
            #expect(refresh.status == 401)
            #expect(refresh.errorCode == "INVALID_REFRESH_TOKEN")
        }
    }

    @Test("registration rules: unique email ignoring case, password length, email shape")
    func registrationRules() async throws {
        try await TestServer.run { api in
            _ = try await api.register("bo@example.com")
            let taken = try await api.request(.post, "/api/v1/auth/register", json: ["email": " BO@example.com ", "password": "long enough"])
            #expect(taken.status == 409)
            #expect(taken.errorCode == "EMAIL_TAKEN")
            let short = try await api.request(.post, "/api/v1/auth/register", json: ["email": "c@example.com", "password": "short"])
            #expect(short.status == 422)
            #expect(short.errorCode == "VALIDATION_FAILED")
            let bad = try await api.request(.post, "/api/v1/auth/register", json: ["email": "not-an-email", "password": "long enough"])
            #expect(bad.status == 422)
            let missing = try await api.request(.post, "/api/v1/auth/register", json: ["email": "d@example.com"])
            #expect(missing.status == 422)
            #expect((missing.json["error"] as? [String: Any]).flatMap { $0["details"] as? [String: String] }?["field"] == "password")
            let garbage = try await api.request(.post, "/api/v1/auth/register", body: Data("{nope".utf8), headers: ["Content-Type": "application/json"])
            #expect(garbage.status == 400)
            #expect(garbage.errorCode == "INVALID_JSON")
        }
    }

    @Test("wrong passwords are throttled per account with Retry-After")
    func loginThrottle() async throws {
        try await TestServer.run({ $0.loginFailuresPerAccount = 3 }) { api in
            let account = try await api.register()
            for _ in 0..<3 {
                let wrong = try await api.request(.post, "/api/v1/auth/login", json: ["email": account.email, "password": "wrong password"])
                #expect(wrong.status == 401)
                #expect(wrong.errorCode == "INVALID_CREDENTIALS")
            }
            // Even the right password waits now.
            let blocked = try await api.request(.post, "/api/v1/auth/login", json: ["email": account.email, "password": "correct horse"])
            #expect(blocked.status == 429)
            #expect(blocked.errorCode == "LOGIN_THROTTLED")
            #expect(Int(blocked.header("Retry-After") ?? "") ?? 0 > 0)
        }
    }

    @Test("bearer tokens: missing, tampered, unsigned and expired are all 401")
    func badTokens() async throws {
        try await TestServer.run({ $0.accessTokenSeconds = 1 }) { api in
            let account = try await api.register()
            #expect(try await api.request(.get, "/api/v1/users/me").status == 401)
            var tampered = Array(account.accessToken)
            tampered[tampered.count - 3] = tampered[tampered.count - 3] == "A" ? "B" : "A"
            #expect(try await api.request(.get, "/api/v1/users/me", token: String(tampered)).status == 401)
            let parts = account.accessToken.split(separator: ".")
            let header = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            #expect(try await api.request(.get, "/api/v1/users/me", token: "\(header).\(parts[1]).").status == 401)
            try await Task.sleep(for: .seconds(2.2))
            let expired = try await api.request(.get, "/api/v1/users/me", token: account.accessToken)
            #expect(expired.status == 401)
            #expect(expired.errorCode == "UNAUTHORIZED")
        }
    }

    @Test("profile updates and account deletion, which removes rows and files")
    func profileAndDeletion() async throws {
        // Blobs on disk: the test counts the files in the blob folder (S3MediaTests covers deletes on S3).
        try await TestServer.run({ $0.blobURL = nil }) { api in
            let account = try await api.register()
            let renamed = try await api.request(.patch, "/api/v1/users/me", json: ["display_name": "Ada"], token: account.accessToken)
            #expect(renamed.data["display_name"] as? String == "Ada")
            let noCurrent = try await api.request(.patch, "/api/v1/users/me", json: ["password": "new password 1"], token: account.accessToken)
            #expect(noCurrent.status == 422)
            let changed = try await api.request(.patch, "/api/v1/users/me", json: ["password": "new password 1", "current_password": "correct horse"], token: account.accessToken)
            #expect(changed.status == 200)
            let login = try await api.request(.post, "/api/v1/auth/login", json: ["email": account.email, "password": "new password 1"])
            #expect(login.status == 200)
            // The new password signed out the sessions that came before it.
            #expect(try await api.request(.post, "/api/v1/auth/refresh", json: ["refresh_token": account.refreshToken]).status == 401)

            let upload = try await api.upload(try TestImages.make(.jpeg), token: account.accessToken)
            #expect(upload.status == 201)
            let blobs = api.dataDir.appendingPathComponent("blobs")
            #expect(try regularFiles(in: blobs).count == 3)

            #expect(try await api.request(.delete, "/api/v1/users/me", token: account.accessToken).status == 204)
            #expect(try regularFiles(in: blobs).isEmpty)
            #expect(try await api.request(.get, "/api/v1/users/me", token: account.accessToken).status == 401)
            let again = try await api.request(.post, "/api/v1/auth/login", json: ["email": account.email, "password": "new password 1"])
            #expect(again.status == 401)
        }
    }
}

func regularFiles(in folder: URL) throws -> [URL] {
    guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
    return walker.compactMap { $0 as? URL }.filter {
        (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true && !$0.path.hasPrefix(folder.appendingPathComponent("tmp").path)
    }
}
