import AtelierCore
import AtelierServer
import Foundation
import Testing

/// Find this fit: feeds in, listings' photos embedded, and search by photo, text and listing.
@Suite("Catalogue and search")
struct CatalogTests {
    static let brands = ["Zara", "Nike", "Levi's", "Ganni"]
    static let sizes = ["S", "M", "L"]

    /// `count` listings with their photos as files, in a JSON Lines feed (plus two bad rows).
    static func feed(in folder: URL, count: Int) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var lines: [String] = []
        for index in 0..<count {
            let photo = folder.appendingPathComponent("photo-\(index).png")
            try TestScene(seed: UInt64(index)).png.write(to: photo)
            let row: [String: Any] = [
                "marketplace": index % 3 == 0 ? "vinted" : "depop", "external_id": "item-\(index)",
                "title": index % 2 == 0 ? "Red leather jacket \(index)" : "Blue denim jeans \(index)",
                "brand": brands[index % brands.count], "size": sizes[index % sizes.count], "condition": "good",
                "category": index % 2 == 0 ? "jackets" : "jeans", "price": String(format: "%d.50", 5 + index * 3), "currency": "EUR",
                "url": "https://shop.example/item-\(index)", "deep_link": "depop://product/item-\(index)", "image_url": photo.absoluteString,
            ]
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: row), as: UTF8.self))
            if index == 2 { lines.append("{\"marketplace\": \"depop\", \"title\": \"no id\", \"price\": \"1\", \"currency\": \"EUR\"}") }
            if index == 4 { lines.append("this is not json") }
        }
        let file = folder.appendingPathComponent("feed.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Imports the feed and brings its photos into the index, as the server's upkeep would.
    static func seed(_ api: APIClient, count: Int) async throws -> IngestionRun {
        let file = try feed(in: api.dataDir.appendingPathComponent("feed"), count: count)
        let catalog = api.services.catalog
        let run = try await catalog.importer.importFeed(FeedReader(fileName: file.path).rows(fromFile: file), source: file.path, full: false)
        try await catalog.photos.catchUp()
        try await catalog.index.refresh()
        return run
    }

    @Test("a feed imports its good rows, reports bad ones by line, updates on re-import and --full removes what it lacks")
    func feedImport() async throws {
        try await TestServer.run { api in
            let catalog = api.services.catalog
            let file = try Self.feed(in: api.dataDir.appendingPathComponent("feed"), count: 6)
            let first = try await catalog.importer.importFeed(FeedReader(fileName: file.path).rows(fromFile: file), source: "test", full: false)
            #expect(first.created == 6)
            #expect(first.failed == 2)
            #expect(first.errors.contains { $0.hasPrefix("line 4:") && $0.contains("external_id") })
            #expect(first.errors.contains { $0.hasPrefix("line 7:") })

            let again = try await catalog.importer.importFeed(FeedReader(fileName: file.path).rows(fromFile: file), source: "test", full: false)
            #expect(again.unchanged == 6 && again.created == 0)

            // A full feed of vinted with only item-0: vinted's item-3 is removed, depop is untouched.
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
            let short = api.dataDir.appendingPathComponent("short.jsonl")
            try (lines[0] + "\n").write(to: short, atomically: true, encoding: .utf8)
            let full = try await catalog.importer.importFeed(FeedReader(fileName: short.path).rows(fromFile: short), source: "test", full: true)
            #expect(full.unchanged == 1)
            #expect(full.removed == 1)
            try await catalog.index.refresh()
            #expect(try await catalog.index.countListings() == 5)
        }
    }
}
