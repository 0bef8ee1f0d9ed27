import Foundation
import Testing
@testable import AtelierKit

@Suite struct SearchTests {
    static let feed = [
        #"{"marketplace":"vinted","external_id":"1","title":"Blue denim jacket","brand":"Levis","category":"jackets","size":"M","condition":"good","price":"24.00","currency":"EUR","url":"https://example.com/1","deep_link":"vinted://item/1"}"#,
        #"{"marketplace":"depop","external_id":"2","title":"Red wool sweater","brand":"Zara","category":"knitwear","size":"S","price":"15.50","currency":"EUR","url":"https://example.com/2","deep_link":"depop://item/2"}"#,
    ]

    @Test func byTextWithFilters() async throws {
        try await withServer { server in
            try server.ingest(Self.feed)
            let client = try await server.client()
            // Imports reach the server's index within seconds; ask until they have.
            var hits: [SearchHit] = []
            for _ in 0..<100 where hits.isEmpty {
                hits = try await client.search.byText("denim jacket")
                if hits.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
            }
            let top = try #require(hits.first)
            #expect(top.listing.title == "Blue denim jacket")
            #expect(top.listing.deepLink == "vinted://item/1")
            #expect(top.listing.price == "24.00")
            #expect(top.score > 0 && top.score <= 1)
            let filtered = try await client.search.byText("denim jacket", filters: SearchFilters(brands: ["zara"]))
            #expect(filtered.allSatisfy { $0.listing.brand == "Zara" })
            let cheap = try await client.search.byText("jacket", filters: SearchFilters(priceMax: 10, currency: "EUR"))
            #expect(cheap.isEmpty)
        }
    }

    /// Photo search needs the image model; without it the server answers MODEL_UNAVAILABLE (503).
    @Test func byPhotoAndByMedia() async throws {
        try await withServer { server in
            let client = try await server.client()
            let photo = makePNG(side: 64, seed: 7)
            let media = try await client.media.upload(photo)
            for search in [{ try await client.search.byPhoto(photo, filters: SearchFilters(limit: 5)) },
                           { try await client.search.byMedia(media.id, filters: SearchFilters(sizes: ["M"])) }] {
                do {
                    let hits = try await search()
                    #expect(hits.count <= 20)
                } catch let error as AtelierError {
                    #expect(error.code == "MODEL_UNAVAILABLE")
                    #expect(error.status == 503)
                }
            }
        }
    }
}

extension TestServer {
    /// Imports JSON-lines listings with the CLI into this server's data folder.
    func ingest(_ lines: [String]) throws {
        let file = dataDir.appendingPathComponent("feed-\(UUID().uuidString).jsonl")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["ingest", "feed", file.path, "--data-dir", dataDir.path]
        process.environment = ProcessInfo.processInfo.environment.merging(["ATELIER_LOG_LEVEL": "warning"]) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
    }
}
