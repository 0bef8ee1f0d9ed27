import AtelierImaging
import Foundation
import HTTPTypes
import Testing
@testable import AtelierServer

@Suite("Jobs and credits")
struct JobTests {
    @Test("a job is charged on creation, runs, reports progress and succeeds; the ledger matches the balance")
    func lifecycle() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            #expect(try await api.credits(token: account.accessToken).balance == 10)
            let created = try await api.createJob(["processor": "dev.sleep", "params": ["ms": 200]], token: account.accessToken)
            #expect(created.status == 202)
            #expect(created.data["state"] as? String == "queued")
            #expect(created.data["credits_charged"] as? Int == 1)
            let id = try #require(created.data["id"] as? String)
            let done = try await api.waitForJob(id, token: account.accessToken)
            #expect(done["state"] as? String == "succeeded")
            #expect(done["progress"] as? Double == 1)
            #expect((done["result"] as? [String: Any])?["media_ids"] as? [String] == [])
            let credits = try await api.credits(token: account.accessToken)
            #expect(credits.balance == 9)
            #expect(credits.ledger.map { $0["reason"] as? String } == ["job", "welcome"])
        }
    }

    @Test("image.enhance writes a new media asset with variants")
    func enhance() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let upload = try await api.upload(try TestImages.make(.jpeg, width: 800, height: 600), token: account.accessToken)
            let mediaID = try #require(upload.data["id"] as? String)
            let created = try await api.createJob(["processor": "image.enhance", "media_ids": [mediaID], "params": ["strength": 0.7]], token: account.accessToken)
            #expect(created.status == 202)
            let done = try await api.waitForJob(try #require(created.data["id"] as? String), token: account.accessToken)
            #expect(done["state"] as? String == "succeeded", "\(done["error"] ?? "")")
            let output = try #require(((done["result"] as? [String: Any])?["media_ids"] as? [String])?.first)
            #expect(output != mediaID)
            let media = try await api.request(.get, "/api/v1/media/\(output)", token: account.accessToken)
            #expect(media.status == 200)
            #expect(media.data["width"] as? Int == 800)
            #expect(media.data["format"] as? String == "jpeg")
            // Still a picture: neither washed out nor blacked out, with detail across it.
            let display = try await api.get(url: try #require((media.data["variants"] as? [String: [String: Any]])?["display"]?["url"] as? String))
            var levels: [Double] = []
            for x in stride(from: 50, to: 800, by: 150) {
                for y in stride(from: 50, to: 600, by: 150) { levels.append(try Vips.pixel(of: display.body, x: x, y: y).prefix(3).reduce(0, +) / 3) }
            }
            #expect(levels.max()! - levels.min()! > 60, "\(levels)")
            #expect(levels.filter { $0 > 250 || $0 < 5 }.count < levels.count / 2, "\(levels)")

            // A picture smaller than the local-contrast window, with transparency, works too.
            let small = try await api.upload(try TestImages.make(.png, width: 40, height: 30, alpha: true), token: account.accessToken)
            let job = try await api.createJob(["processor": "image.enhance", "media_ids": [try #require(small.data["id"] as? String)]], token: account.accessToken)
            let smallDone = try await api.waitForJob(try #require(job.data["id"] as? String), token: account.accessToken)
            #expect(smallDone["state"] as? String == "succeeded", "\(smallDone["error"] ?? "")")
        }
    }

    @Test("validation: unknown processor, wrong inputs, bad params, someone else's media, no key")
    func validation() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let other = try await api.register()
            let theirs = try await api.upload(try TestImages.make(.png, width: 32, height: 32), token: other.accessToken)
            let cases: [([String: Any], Int, String)] = [
                (["processor": "nope"], 422, "UNKNOWN_PROCESSOR"),
                (["processor": "image.enhance"], 422, "VALIDATION_FAILED"),
                (["processor": "dev.sleep", "params": ["ms": -1]], 422, "VALIDATION_FAILED"),
                (["processor": "dev.sleep", "params": ["unknown": 1]], 422, "VALIDATION_FAILED"),
                (["processor": "image.enhance", "media_ids": [theirs.data["id"] as? String ?? ""]], 404, "MEDIA_NOT_FOUND"),
            ]
            for (body, status, code) in cases {
                let response = try await api.createJob(body, token: account.accessToken)
                #expect(response.status == status, "\(body)")
                #expect(response.errorCode == code, "\(body)")
            }
            let noKey = try await api.request(.post, "/api/v1/jobs", json: ["processor": "dev.sleep"], token: account.accessToken)
            #expect(noKey.errorCode == "IDEMPOTENCY_KEY_REQUIRED")
            // The document's `^[!-~]{1,255}$`: a space, a tab or 256 characters is no key.
            for key in ["a b", "a\tb", String(repeating: "k", count: 256)] {
                let bad = try await api.request(.post, "/api/v1/jobs", json: ["processor": "dev.sleep"], token: account.accessToken, headers: ["Idempotency-Key": key])
                #expect(bad.errorCode == "IDEMPOTENCY_KEY_REQUIRED", "\(key.utf8.count) bytes")
            }
            // Nothing above was charged.
            #expect(try await api.credits(token: account.accessToken).balance == 10)
        }
    }

    @Test("50 concurrent POSTs with one Idempotency-Key make one job and one charge")
    func idempotency() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let responses = try await withThrowingTaskGroup(of: APIResponse.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await api.createJob(["processor": "dev.sleep", "params": ["ms": 10]], token: account.accessToken, key: "same-key") }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let accepted = responses.filter { $0.status == 202 }
            #expect(!accepted.isEmpty)
            #expect(Set(accepted.compactMap { $0.data["id"] as? String }).count == 1)
            let others = responses.filter { $0.status != 202 && $0.errorCode != "IDEMPOTENCY_KEY_IN_FLIGHT" }
            #expect(others.isEmpty, "\(others.map { String(decoding: $0.body, as: UTF8.self) })")
            #expect(accepted.filter { $0.header("Idempotent-Replayed") == "true" }.count == accepted.count - 1)
            let jobs = try await api.request(.get, "/api/v1/jobs", token: account.accessToken)
            #expect(jobs.list.count == 1)
            #expect(try await api.credits(token: account.accessToken).balance == 9)

            let reused = try await api.createJob(["processor": "dev.sleep", "params": ["ms": 20]], token: account.accessToken, key: "same-key")
            #expect(reused.status == 422)
            #expect(reused.errorCode == "IDEMPOTENCY_KEY_REUSED")
        }
    }

    @Test("a key with a record is replayed even when its request would now fail validation; a new key gets the error")
    func replayBeforeValidation() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let photo = try await api.upload(try TestImages.make(.png, width: 32, height: 32), token: account.accessToken)
            let mediaID = try #require(photo.data["id"] as? String)
            let body: [String: Any] = ["processor": "image.enhance", "media_ids": [mediaID]]
            let first = try await api.createJob(body, token: account.accessToken, key: "enhance-once")
            #expect(first.status == 202)
            _ = try await api.waitForJob(try #require(first.data["id"] as? String), token: account.accessToken)
            #expect(try await api.request(.delete, "/api/v1/media/\(mediaID)", token: account.accessToken).status == 204)

            let again = try await api.createJob(body, token: account.accessToken, key: "enhance-once")
            #expect(again.status == 202)
            #expect(again.header("Idempotent-Replayed") == "true")
            #expect(again.body == first.body)
            let fresh = try await api.createJob(body, token: account.accessToken)
            #expect(fresh.errorCode == "MEDIA_NOT_FOUND")
            #expect(try await api.credits(token: account.accessToken).ledger.count == 2, "the welcome grant and one charge")
        }
    }

    @Test("100 concurrent jobs against 30 credits: exactly 30 accepted, balance 0, never negative")
    func noOverdraft() async throws {
        try await TestServer.run({ $0.freeCredits = 30 }) { api in
            let account = try await api.register()
            let responses = try await withThrowingTaskGroup(of: APIResponse.self) { group in
                for _ in 0..<100 { group.addTask { try await api.createJob(["processor": "dev.sleep"], token: account.accessToken) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(responses.filter { $0.status == 202 }.count == 30)
            #expect(responses.filter { $0.status == 402 && $0.errorCode == "INSUFFICIENT_CREDITS" }.count == 70)
            let credits = try await api.credits(token: account.accessToken)
            #expect(credits.balance == 0)
            #expect(credits.ledger.allSatisfy { ($0["balance_after"] as? Int ?? -1) >= 0 })
        }
    }

    @Test("canceling a queued job refunds it at once")
    func cancelQueued() async throws {
        try await TestServer.run({ $0.standardWorkers = 0 }) { api in
            let account = try await api.register()
            let created = try await api.createJob(["processor": "dev.sleep"], token: account.accessToken)
            let id = try #require(created.data["id"] as? String)
            let canceled = try await api.request(.post, "/api/v1/jobs/\(id)/cancel", token: account.accessToken)
            #expect(canceled.data["state"] as? String == "canceled")
            let credits = try await api.credits(token: account.accessToken)
            #expect(credits.balance == 10)
            #expect(credits.ledger.first?["reason"] as? String == "refund")
            #expect(credits.ledger.first?["job_id"] as? String == id)
        }
    }

    @Test("canceling a running job stops it and refunds it")
    func cancelRunning() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let created = try await api.createJob(["processor": "dev.sleep", "params": ["ms": 20000]], token: account.accessToken)
            let id = try #require(created.data["id"] as? String)
            var state = ""
            for _ in 0..<50 where state != "running" {
                state = try await api.request(.get, "/api/v1/jobs/\(id)?wait=1", token: account.accessToken).data["state"] as? String ?? ""
            }
            #expect(state == "running")
            #expect(try await api.request(.post, "/api/v1/jobs/\(id)/cancel", token: account.accessToken).status == 200)
            let done = try await api.waitForJob(id, token: account.accessToken)
            #expect(done["state"] as? String == "canceled")
            #expect(try await api.credits(token: account.accessToken).balance == 10)
        }
    }

    @Test("a failing job is refunded; a retryable one is tried max-attempts times, then refunded")
    func failuresAndRetries() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let failing = try await api.createJob(["processor": "dev.sleep", "params": ["fail": true]], token: account.accessToken)
            let failed = try await api.waitForJob(try #require(failing.data["id"] as? String), token: account.accessToken)
            #expect(failed["state"] as? String == "failed")
            #expect((failed["error"] as? [String: Any])?["code"] as? String == "ASKED_TO_FAIL")
            #expect(failed["attempts"] as? Int == 1)

            let retrying = try await api.createJob(["processor": "dev.sleep", "params": ["retry": true]], token: account.accessToken)
            let retried = try await api.waitForJob(try #require(retrying.data["id"] as? String), token: account.accessToken)
            #expect(retried["state"] as? String == "failed")
            #expect(retried["attempts"] as? Int == 3)
            let credits = try await api.credits(token: account.accessToken)
            #expect(credits.balance == 10)
            #expect(credits.ledger.filter { $0["reason"] as? String == "refund" }.count == 2)
        }
    }

    @Test("another user's job is 404 on every path")
    func isolation() async throws {
        try await TestServer.run({ $0.standardWorkers = 0 }) { api in
            let owner = try await api.register()
            let stranger = try await api.register()
            let id = try #require(try await api.createJob(["processor": "dev.sleep"], token: owner.accessToken).data["id"] as? String)
            for (method, path) in [(HTTPRequest.Method.get, "/api/v1/jobs/\(id)"), (.get, "/api/v1/jobs/\(id)?wait=1"),
                                   (.post, "/api/v1/jobs/\(id)/cancel"), (.get, "/api/v1/jobs/\(id)/events")] {
                let response = try await api.request(method, path, token: stranger.accessToken, headers: ["Accept": "text/event-stream"])
                #expect(response.status == 404, "\(method) \(path)")
                #expect(response.errorCode == "JOB_NOT_FOUND")
            }
            #expect(try await api.request(.get, "/api/v1/jobs", token: stranger.accessToken).list.isEmpty)
        }
    }

    @Test("the processor catalogue has prices, an ETag and a one-minute cache")
    func catalogue() async throws {
        try await TestServer.run { api in
            let response = try await api.request(.get, "/api/v1/processors")
            #expect(response.status == 200)
            #expect(response.header("Cache-Control") == "public, max-age=60")
            let enhance = try #require(response.list.first { $0["name"] as? String == "image.enhance" })
            #expect(enhance["cost"] as? Int == 1)
            #expect(enhance["queue"] as? String == "interactive")
            let schema = (enhance["inputs"] as? [String: Any])?["params"] as? [String: Any]
            #expect(schema?["additionalProperties"] as? Bool == false)
            let again = try await api.request(.get, "/api/v1/processors", headers: ["If-None-Match": try #require(response.header("ETag"))])
            #expect(again.status == 304)
        }
    }

    @Test("job creation is rate limited per user with RateLimit headers and Retry-After")
    func rateLimit() async throws {
        // One job a minute: the bucket refills only after 60 s, which even a loaded machine does not
        // take between two requests (with two a minute, 30 s between the first and third did pass).
        try await TestServer.run({ $0.jobsPerMinute = 1 }) { api in
            let account = try await api.register()
            let first = try await api.createJob(["processor": "dev.sleep"], token: account.accessToken)
            #expect(first.status == 202)
            #expect(first.header("RateLimit-Limit") == "1")
            #expect(first.header("RateLimit-Remaining") == "0")
            let second = try await api.createJob(["processor": "dev.sleep"], token: account.accessToken)
            #expect(second.status == 429)
            #expect(second.errorCode == "RATE_LIMITED")
            #expect(Int(second.header("Retry-After") ?? "") ?? 0 > 0)
            #expect(try await api.credits(token: account.accessToken).balance == 9)
        }
    }
}
