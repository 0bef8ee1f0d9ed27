import AtelierCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import SQLKit
import Testing
@testable import AtelierServer

/// The catalogue's own jobs: sources imported on a schedule, and the re-embedding after a model change.
@Suite("Catalogue upkeep")
struct CatalogUpkeepTests {
    /// An account made admin, as `atelier user admin EMAIL` does.
    static func admin(_ api: APIClient) async throws -> Account {
        let account = try await api.register()
        try await api.services.setRoles(email: account.email, admin: true, premium: nil)
        return account
    }

    /// Long-polls one of the platform's jobs until it ends.
    static func waitForSystemJob(_ api: APIClient, _ id: String, token: String) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let job = try await api.request(.get, "/api/v1/admin/jobs/\(id)", token: token).data
            if ["succeeded", "failed", "canceled"].contains(job["state"] as? String ?? "") { return job }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("system job \(id) did not finish")
    }

    @Test("a registered feed is imported by a job once per period, with its run recorded; sources are for admins and checked")
    func scheduledFeed() async throws {
        try await TestServer.run { api in
            let folder = api.dataDir.appendingPathComponent("feed")
            let feed = try Data(contentsOf: CatalogTests.feed(in: folder, count: 6))
            try await FeedSite.serve(feed, path: "listings.jsonl") { url in
                let user = try await api.register()
                let body: [String: Any] = ["name": "shop-feed", "kind": "feed", "urls": [url.absoluteString], "every_minutes": 60]
                #expect(try await api.request(.post, "/api/v1/admin/ingestion/sources", json: body, token: user.accessToken).status == 403)
                let admin = try await Self.admin(api)
                let created = try await api.request(.post, "/api/v1/admin/ingestion/sources", json: body, token: admin.accessToken)
                #expect(created.status == 201)
                let sourceID = try #require(created.data["id"] as? String)
                #expect(try await api.request(.post, "/api/v1/admin/ingestion/sources", json: body, token: admin.accessToken).errorCode == "SOURCE_EXISTS")

                // One job per occurrence, however often (and in however many processes) the check runs.
                let when = Date(timeIntervalSince1970: 1_900_000_000)
                let started = try await api.services.upkeep.startDueJobs(now: when)
                #expect(started.count == 1 && started.first?.processor == "catalog.ingest")
                #expect(try await api.services.upkeep.startDueJobs(now: when.addingTimeInterval(30)).isEmpty)
                let job = try await Self.waitForSystemJob(api, try #require(started.first?.id), token: admin.accessToken)
                #expect(job["state"] as? String == "succeeded" && job["progress"] as? Double == 1)
                // The server's own upkeep may have imported the source first (the real clock's period),
                // so this job may find the six listings already there.
                let result = try #require(job["result"] as? [String: Any])
                #expect(["created", "updated", "unchanged"].map { result[$0] as? Int ?? -1 }.reduce(0, +) == 6)
                let runs = try await api.request(.get, "/api/v1/admin/ingestion/runs", token: admin.accessToken).list
                let run = try #require(runs.first { $0["job_id"] as? String == started.first?.id })
                #expect(run["source"] as? String == "shop-feed" && run["failed"] as? Int == 2)
                // A feed from the web may not point the server at files on its disk.
                let imageURLs = try await api.services.database.read { db in
                    try await db.raw("SELECT image_urls FROM listings").all().map { try $0.decode(column: "image_urls", as: String.self) }
                }
                #expect(imageURLs.count == 6 && imageURLs.allSatisfy { !$0.contains("file:") })

                let next = try await api.services.upkeep.startDueJobs(now: when.addingTimeInterval(3600))
                #expect(next.count == 1)
                _ = try await Self.waitForSystemJob(api, try #require(next.first?.id), token: admin.accessToken)
                let sources = try await api.request(.get, "/api/v1/admin/ingestion/sources", token: admin.accessToken).list
                #expect(sources.map { $0["name"] as? String } == ["shop-feed"])
                let jobs = try await api.request(.get, "/api/v1/admin/jobs?processor=catalog.ingest", token: admin.accessToken).list
                #expect(jobs.count >= 2)
                #expect(try await api.request(.delete, "/api/v1/admin/ingestion/sources/\(sourceID)", token: admin.accessToken).status == 204)
                #expect(try await api.request(.post, "/api/v1/admin/ingestion/sources/\(sourceID)/run", token: admin.accessToken).errorCode == "SOURCE_NOT_FOUND")
            }
        }
    }

    @Test("bad sources are refused with the field at fault; users cannot start or see the platform's jobs")
    func badSources() async throws {
        try await TestServer.run { api in
            let admin = try await Self.admin(api)
            let bad: [([String: Any], String)] = [
                (["name": "local", "kind": "feed", "urls": ["file:///etc/passwd"], "every_minutes": 60], "urls"),
                (["name": "local", "kind": "feed", "urls": ["/etc/passwd"], "every_minutes": 60], "urls"),
                (["name": "two", "kind": "feed", "urls": ["https://a.example/f.csv", "https://b.example/f.csv"], "every_minutes": 60], "urls"),
                (["name": "often", "kind": "feed", "urls": ["https://a.example/f.csv"], "every_minutes": 0], "every_minutes"),
                (["name": "bad name!", "kind": "crawl", "urls": ["https://a.example/1"], "every_minutes": 60], "name"),
                (["name": "crawl", "kind": "crawl", "urls": ["https://a.example/1"], "every_minutes": 60, "full": true], "full"),
                (["name": "odd", "kind": "ftp", "urls": ["https://a.example/1"], "every_minutes": 60], "kind"),
            ]
            for (body, field) in bad {
                let response = try await api.request(.post, "/api/v1/admin/ingestion/sources", json: body, token: admin.accessToken)
                #expect(response.status == 422 && (response.json["error"] as? [String: Any]).flatMap { $0["details"] as? [String: Any] }?["field"] as? String == field, "\(body)")
            }
            let user = try await api.register()
            let attempt = try await api.createJob(["processor": "catalog.ingest", "media_ids": [String](), "params": ["source_id": "x"]], token: user.accessToken)
            #expect(attempt.errorCode == "UNKNOWN_PROCESSOR")
            let catalogue = try await api.request(.get, "/api/v1/processors").list.compactMap { $0["name"] as? String }
            #expect(!catalogue.contains("catalog.ingest") && catalogue.contains("image.enhance"))
            #expect(try await api.request(.get, "/api/v1/admin/jobs", token: user.accessToken).status == 403)
        }
    }

    @Test("after a model change a catalog.reembed job re-embeds the listings, once, with progress")
    func reembedAfterModelChange() async throws {
        try await TestServer.run(models: true) { api in
            _ = try await CatalogTests.seed(api, count: 4)
            let admin = try await Self.admin(api)
            // As if the text vectors had been made by an older model.
            try await api.services.database.transaction { db in
                try await db.raw("UPDATE listing_vectors SET model = 'older-model' WHERE space = 'text'").run()
            }
            #expect(try await api.services.catalog.photos.olderVectorCount() == 4)
            try await api.services.upkeep.startDueJobs()
            try await api.services.upkeep.startDueJobs()
            let jobs = try await api.request(.get, "/api/v1/admin/jobs?processor=catalog.reembed", token: admin.accessToken).list
            #expect(jobs.count == 1)
            let job = try await Self.waitForSystemJob(api, try #require(jobs.first?["id"] as? String), token: admin.accessToken)
            #expect(job["state"] as? String == "succeeded" && job["progress"] as? Double == 1)
            // The result counts the last attempt's work: on a loaded machine a lapsed lease may
            // have handed the job to a second attempt, which finishes what the first left.
            let texts = (job["result"] as? [String: Any])?["texts"] as? Int ?? 0
            #expect(texts == 4 || (job["attempts"] as? Int ?? 0) > 1 && texts >= 1, "\(job)")
            #expect(try await api.services.catalog.photos.olderVectorCount() == 0)
            try await api.services.upkeep.startDueJobs()
            #expect(try await api.request(.get, "/api/v1/admin/jobs?processor=catalog.reembed", token: admin.accessToken).list.count == 1)
        }
    }
}

/// A web server on a random loopback port serving one file, for imports over HTTP.
enum FeedSite {
    static func serve(_ body: Data, path: String, _ test: @escaping @Sendable (URL) async throws -> Void) async throws {
        let router = Router()
        router.get(RouterPath(path)) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        let logger = Logger(label: "feed-site")
        try await LiveServer.run(logger: logger, { listening in
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                        onServerRunning: { listening($0.localAddress?.port ?? 0) }, logger: logger)
        }) { port in
            guard let url = URL(string: "http://127.0.0.1:\(port)/\(path)") else { throw TestFailure("no URL") }
            try await test(url)
        }
    }
}
