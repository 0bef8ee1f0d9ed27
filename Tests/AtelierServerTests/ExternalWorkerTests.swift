import Foundation
import Testing
@testable import AtelierServer

/// The external-worker protocol, spoken in plain HTTP as a GPU worker in another language would.
@Suite("External workers")
struct ExternalWorkerTests {
    /// A processor this binary does not implement, declared the way operators do.
    static func declare(in folder: URL) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("processors.json")
        try Data("""
            [{"name": "gpu.segment", "title": "Segment (GPU)", "cost": 2, "queue": "interactive", "media_inputs": [1, 1],
              "timeout_seconds": 60, "max_attempts": 5,
              "params": {"properties": {"detail": {"type": "number", "minimum": 0, "maximum": 1}}, "required": []}}]
            """.utf8).write(to: file)
        return file.path
    }

    /// `lease`: seconds; short only where a lapse is the point (a loaded machine can take a
    /// second between two calls).
    static func run(lease: Int = 30, _ body: @escaping @Sendable (APIClient, String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-processors-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try declare(in: folder)
        try await TestServer.run({ $0.externalProcessors = file; $0.jobLeaseSeconds = lease }) { api in
            let (_, secret) = try await api.services.externalWorkers.createToken(name: "gpu-box", processors: ["gpu.segment"])
            try await body(api, secret)
        }
    }

    @Test("a worker claims a job of a processor the server lacks, reports progress, uploads a result and completes it")
    func claimProgressComplete() async throws {
        try await Self.run { api, secret in
            let user = try await api.register()
            #expect(try await api.request(.get, "/api/v1/processors").list.contains { $0["name"] as? String == "gpu.segment" })
            let photo = try TestImages.make(.jpeg)
            let mediaID = try #require(try await api.upload(photo, token: user.accessToken).data["id"] as? String)
            let created = try await api.createJob(["processor": "gpu.segment", "media_ids": [mediaID], "params": ["detail": 0.5]], token: user.accessToken)
            #expect(created.status == 202)
            let jobID = try #require(created.data["id"] as? String)

            #expect(try await api.request(.post, "/api/v1/worker/claim", json: [:], token: user.accessToken).status == 401)
            #expect(try await api.request(.post, "/api/v1/worker/claim", json: [:], token: "atw_not-a-token").status == 401)
            let claim = try await api.request(.post, "/api/v1/worker/claim", json: ["wait_seconds": 5], token: secret)
            #expect(claim.status == 200)
            let lease = try #require(claim.data["lease_id"] as? String)
            #expect((claim.data["job"] as? [String: Any])?["id"] as? String == jobID)
            let input = try #require((claim.data["inputs"] as? [[String: Any]])?.first)
            let original = (input["variants"] as? [String: [String: Any]])?["original"]?["url"] as? String
            #expect(try await api.get(url: try #require(original)).body == photo)

            let progress = try await api.request(.post, "/api/v1/worker/jobs/\(jobID)/progress",
                                                 json: ["lease_id": lease, "progress": 0.5, "step": "segmenting"], token: secret)
            #expect(progress.status == 200 && progress.data["cancel_requested"] as? Bool == false)
            let seen = try await api.request(.get, "/api/v1/jobs/\(jobID)", token: user.accessToken).data
            #expect(seen["state"] as? String == "running" && seen["progress"] as? Double == 0.5 && seen["step"] as? String == "segmenting")

            let result = try await api.request(.post, "/api/v1/worker/jobs/\(jobID)/media?lease_id=\(lease)", body: try TestImages.make(.png), token: secret)
            #expect(result.status == 201)
            let resultID = try #require(result.data["id"] as? String)
            let done = try await api.request(.post, "/api/v1/worker/jobs/\(jobID)/complete",
                                             json: ["lease_id": lease, "media_ids": [resultID], "data": ["area": 0.25]], token: secret)
            #expect(done.status == 200 && done.data["state"] as? String == "succeeded")
            let finished = try await api.waitForJob(jobID, token: user.accessToken)
            #expect((finished["result"] as? [String: Any])?["media_ids"] as? [String] == [resultID])
            #expect((finished["result"] as? [String: Any])?["area"] as? Double == 0.25)
            // The result belongs to the job's owner; the lease is spent.
            #expect(try await api.request(.get, "/api/v1/media/\(resultID)", token: user.accessToken).status == 200)
            let again = try await api.request(.post, "/api/v1/worker/jobs/\(jobID)/complete", json: ["lease_id": lease], token: secret)
            #expect(again.status == 409 && again.errorCode == "LEASE_LOST")
            #expect(try await api.credits(token: user.accessToken).balance == 8)
        }
    }

    @Test("a lapsed lease returns the job to the queue, and the old lease can no longer report")
    func leaseLapse() async throws {
        try await Self.run(lease: 1) { api, secret in
            let user = try await api.register()
            let mediaID = try #require(try await api.upload(try TestImages.make(.jpeg), token: user.accessToken).data["id"] as? String)
            let jobID = try #require(try await api.createJob(["processor": "gpu.segment", "media_ids": [mediaID]], token: user.accessToken).data["id"] as? String)
            let first = try await api.request(.post, "/api/v1/worker/claim", json: ["wait_seconds": 5], token: secret)
            let lapsed = try #require(first.data["lease_id"] as? String)
            // No heartbeat: after the 1 s lease the job is queued again and claimed anew.
            var second = try await api.request(.post, "/api/v1/worker/claim", json: ["wait_seconds": 5], token: secret)
            for _ in 0..<10 where second.status == 204 {
                second = try await api.request(.post, "/api/v1/worker/claim", json: ["wait_seconds": 5], token: secret)
            }
            let job = try #require(second.data["job"] as? [String: Any])
            #expect(job["id"] as? String == jobID && (job["attempts"] as? Int ?? 0) >= 2)
            let stale = try await api.request(.post, "/api/v1/worker/jobs/\(jobID)/heartbeat", json: ["lease_id": lapsed], token: secret)
            #expect(stale.errorCode == "LEASE_LOST")
        }
    }

    // A lease long enough that a loaded machine cannot let it lapse between claim and fail.
    @Test("a final failure refunds; tokens are limited to their processors")
    func finalFailure() async throws {
        try await Self.run(lease: 60) { api, secret in
            let user = try await api.register()
            let mediaID = try #require(try await api.upload(try TestImages.make(.jpeg), token: user.accessToken).data["id"] as? String)
            let jobID = try #require(try await api.createJob(["processor": "gpu.segment", "media_ids": [mediaID]], token: user.accessToken).data["id"] as? String)
            let claim = try await api.request(.post, "/api/v1/worker/claim", json: ["wait_seconds": 5], token: secret)
            let failed = try await api.request(.post, "/api/v1/worker/jobs/\(jobID)/fail",
                                               json: ["lease_id": try #require(claim.data["lease_id"] as? String), "code": "GPU_OOM", "message": "out of memory"], token: secret)
            #expect(failed.status == 200 && failed.data["state"] as? String == "failed")
            #expect((failed.data["error"] as? [String: Any])?["code"] as? String == "GPU_OOM")
            #expect(try await api.credits(token: user.accessToken).balance == 10)

            let (_, other) = try await api.services.externalWorkers.createToken(name: "other", processors: ["image.enhance"])
            let refused = try await api.request(.post, "/api/v1/worker/claim", json: ["processors": ["gpu.segment"]], token: other)
            #expect(refused.status == 403)
            #expect(try await api.request(.post, "/api/v1/worker/claim", json: ["wait_seconds": 31], token: secret).status == 422)
        }
    }
}
