import AtelierCore
import AtelierServer
import AtelierStore
import Foundation
import NIOCore
import SQLKit
import Testing

/// Listing vectors in pgvector on PostgreSQL: migration 8, filtered HNSW search that is never
/// short, and its agreement with exact cosine ranking. (The HTTP search suites run on both
/// databases; these look at the PostgreSQL index itself.)
@Suite("Search on pgvector")
struct PgvectorSearchTests {
    // Two with capitals beyond ASCII: LOWER() under the C locale would not fold them.
    static let brands = ["Zara", "Nike", "Levi's", "Ganni", "ÉTUDES", "CHLOÉ"]
    static let sizes = ["XS", "S", "M", "L", "XL"]
    static let categories = ["jackets", "jeans", "shoes"]
    static let conditions = ["new", "good", "worn"]

    /// A small catalogue in `db`: live listings with image vectors of model `m1` (clustered, not
    /// unit length) and text vectors, plus listings the search must never return (vectors of an
    /// older model, removed listings). Returns the live `m1` listings' facets and vectors.
    static func catalogue(_ db: any Database, count: Int, random: inout SeededRandom) async throws
        -> (facets: [String: ListingFacets], vectors: [String: [Float]]) {
        let store = SQLListingStore(database: db)
        let centres = (0..<8).map { _ in vector(&random, scale: 1) }
        var facets: [String: ListingFacets] = [:]
        var vectors: [String: [Float]] = [:]
        var saves: [ListingVector] = []
        for index in 0..<count + 60 {
            // The last 60: 30 with an older model's vectors only, 30 in a marketplace that goes.
            let kind = index < count ? 0 : index < count + 30 ? 1 : 2
            let draft = ListingDraft(
                marketplace: kind == 2 ? "gone" : ["vinted", "depop", "vestiaire"][Int(random.next() % 3)], externalID: "item-\(index)",
                title: (random.next() % 2 == 0 ? "Red leather jacket " : "Blue denim jeans ") + "\(index)",
                brand: index % 17 == 0 ? nil : brands[Int(random.next() % UInt64(brands.count))].uppercased(with: random.next() % 2 == 0),
                category: categories[Int(random.next() % 3)], size: sizes[Int(random.next() % UInt64(sizes.count))],
                condition: conditions[Int(random.next() % 3)], priceMinor: Int64(100 + random.next() % 20_000),
                currency: index % 10 == 0 ? "GBP" : "EUR")
            let (listing, _) = try await store.upsert(draft, now: Date())
            let centre = centres[Int(random.next() % 8)]
            let values = zip(centre, vector(&random, scale: 0.45)).map { ($0 + $1) * 3 }
            saves.append(ListingVector(listingID: listing.id, space: .image, model: kind == 1 ? "m0" : "m1", values: values))
            saves.append(ListingVector(listingID: listing.id, space: .text, model: "t1", values: vector(&random, scale: 1)))
            if kind == 0 {
                facets[listing.id] = ListingFacets(draft)
                vectors[listing.id] = values
            }
        }
        try await store.saveVectors(saves)
        #expect(try await store.markRemoved(marketplace: "gone", notSeenSince: Date().addingTimeInterval(60)) == 30)
        return (facets, vectors)
    }

    static func vector(_ random: inout SeededRandom, scale: Float) -> [Float] {
        (0..<384).map { _ in (Float(random.next() % 2_000_001) / 1_000_000 - 1) * scale }
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        var (dot, na, nb): (Double, Double, Double) = (0, 0, 0)
        for i in a.indices { dot += Double(a[i] * b[i]); na += Double(a[i] * a[i]); nb += Double(b[i] * b[i]) }
        return Float(dot / (na.squareRoot() * nb.squareRoot()))
    }

    /// Filters from loose to very selective (a handful of listings, or none).
    static func filters(_ random: inout SeededRandom) -> SearchFilters {
        func some<T>(_ values: [T], _ most: Int) -> [T] { values.filter { _ in random.next() % UInt64(values.count) < UInt64(most) } }
        switch random.next() % 6 {
        case 0: return SearchFilters()
        case 1: return SearchFilters(brands: some(brands, 2).map { $0.lowercased() })
        case 2: return SearchFilters(priceMin: Double(random.next() % 100), priceMax: Double(60 + random.next() % 100), currency: "eur",
                                     categories: [categories[Int(random.next() % 3)]])
        case 3: return SearchFilters(sizes: [sizes[Int(random.next() % 5)]], brands: [brands[Int(random.next() % 6)]],
                                     categories: [categories[Int(random.next() % 3)]])
        case 4: return SearchFilters(priceMax: 40, currency: "GBP", marketplaces: ["Vinted", "depop"])
        default: return SearchFilters(sizes: [sizes[Int(random.next() % 5)]], brands: [brands[Int(random.next() % 6)]],
                                      categories: [categories[Int(random.next() % 3)]], conditions: [conditions[Int(random.next() % 3)]])
        }
    }

    @Test("filtered searches return min(limit, matching) listings, all matching, ranked as exact cosine search ranks them",
          .enabled(if: TestDatabase.isPostgres))
    func filteredSearchAgreesWithExact() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-pgvector-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await TestDatabase.with(in: folder) { db in
            var random = SeededRandom(2026)
            let (facets, vectors) = try await Self.catalogue(db, count: 600, random: &random)
            let hnsw = PostgresListingIndex(database: db, imageModel: "m1", textModel: "t1", efSearch: 40)
            // A scan that gives up almost at once: the exact fallback has to make up for it.
            let starved = PostgresListingIndex(database: db, imageModel: "m1", textModel: "t1", efSearch: 1, maxScanTuples: 1)
            #expect(try await hnsw.countListings() == facets.count + 30)  // the older model's listings are live
            var (found, expected, shortCases) = (0, 0, 0)
            let ids = vectors.keys.sorted()
            for round in 0..<40 {
                let near = vectors[ids[Int(random.next() % UInt64(ids.count))]]!
                let query = zip(near, Self.vector(&random, scale: 0.3)).map(+)
                let filters = Self.filters(&random)
                let limit = 1 + Int(random.next() % 30)
                let matching = facets.filter { filters.matches($0.value) }.keys
                    .map { ($0, Self.cosine(query, vectors[$0]!)) }.sorted { $0.1 > $1.1 }
                let exact = Array(matching.prefix(limit))
                if matching.count < limit { shortCases += 1 }
                for (index, isStarved) in [(hnsw, false), (starved, true)] {
                    let results = try await index.nearest(query, in: .image, filters: filters, excluding: nil, limit: limit)
                    #expect(results.count == min(limit, matching.count), "round \(round): \(filters)")
                    #expect(results.allSatisfy { facets[$0.listingID].map(filters.matches) == true }, "round \(round)")
                    #expect(results.map(\.score) == results.map(\.score).sorted(by: >))
                    for result in results {
                        #expect(abs(result.score - Self.cosine(query, vectors[result.listingID]!)) < 1e-4)
                    }
                    let hits = Set(results.map(\.listingID)).intersection(exact.map(\.0)).count
                    if isStarved {
                        #expect(hits == exact.count, "round \(round): the exact fallback is exact")
                    } else {
                        (found, expected) = (found + hits, expected + exact.count)
                    }
                }
            }
            #expect(shortCases > 0, "some filters match fewer listings than asked for")
            #expect(Double(found) / Double(expected) >= 0.95, "recall \(found)/\(expected)")

            // A listing's look-alikes exclude it; text vectors are a space of their own.
            let first = try #require(vectors.keys.sorted().first)
            let alike = try await hnsw.nearest(vectors[first]!, in: .image, filters: SearchFilters(), excluding: first, limit: 10)
            #expect(alike.count == 10 && !alike.contains { $0.listingID == first })
            let itself = try await hnsw.nearest(vectors[first]!, in: .image, filters: SearchFilters(), excluding: nil, limit: 1)
            #expect(itself.first?.listingID == first && abs((itself.first?.score ?? 0) - 1) < 1e-5)
            #expect(try await hnsw.nearest(vectors[first]!, in: .text, filters: SearchFilters(), excluding: nil, limit: 5).count == 5)
            let noModel = PostgresListingIndex(database: db, imageModel: nil, textModel: nil, efSearch: 100)
            #expect(!noModel.searches(.image) && !noModel.searches(.text))

            // Keyword matches are filtered in SQL too.
            let denimZara = SearchFilters(brands: ["zara"])
            let keyword = try await hnsw.keywordMatches("denim", filters: denimZara, limit: 1000)
            let store = SQLListingStore(database: db)
            let wanted = try await store.listings(ids: Array(facets.keys))
                .filter { $0.draft.title.hasPrefix("Blue denim") && denimZara.matches(ListingFacets($0.draft)) }
            #expect(!wanted.isEmpty && Set(wanted.map(\.id)).isSubset(of: Set(keyword)))
            // (Also the older model's listings: live, so keyword search finds them.)
            #expect(try await store.listings(ids: keyword).allSatisfy {
                !$0.removed && $0.draft.title.hasPrefix("Blue denim") && denimZara.matches(ListingFacets($0.draft))
            })
        }
    }

    @Test("migration 8 fills the pgvector column from the vectors already stored, bit for bit", .enabled(if: TestDatabase.isPostgres))
    func migrationBackfills() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-pgvector-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await TestDatabase.with(in: folder, migrate: false) { db in
            try await Migrator(database: db).migrate(through: 7)
            var random = SeededRandom(8)
            // Tiny, huge, negative and subnormal values too: the decoding in SQL must get them all.
            let values = Self.vector(&random, scale: 1).enumerated().map { index, value -> Float in
                switch index { case 0: Float(bitPattern: 0x3E8); case 1: -3.4e38; case 2: 0; case 3: -0.0; case 4: 1e-30; default: value }
            }
            var bytes = ByteBufferAllocator().buffer(capacity: 1536)
            for value in values { bytes.writeInteger(value.bitPattern, endianness: .little) }
            var short = ByteBufferAllocator().buffer(capacity: 8)
            short.writeInteger(Float(1).bitPattern, endianness: .little)
            let rows = [("l-1", bytes), ("l-2", short)]
            try await db.transaction { sql in
                for (id, vector) in rows {
                    try await sql.raw("""
                        INSERT INTO listings (id, marketplace, external_id, title, price_minor, currency, image_urls, image_state,
                            first_seen, last_seen, removed, revision)
                        VALUES (\(bind: id), 'vinted', \(bind: id), 'A coat', 100, 'EUR', '[]', 'ready', 0, 0, 0, 1)
                        """).run()
                    try await sql.raw("""
                        INSERT INTO listing_vectors (listing_id, space, model, vector, revision)
                        VALUES (\(bind: id), 'image', 'm1', \(bind: vector), 1)
                        """).run()
                }
            }
            #expect(try await Migrator(database: db).migrate().first == 8)
            let stored = try await db.read { sql in
                try await sql.raw("SELECT listing_id, embedding::text AS e FROM listing_vectors ORDER BY listing_id").all()
                    .map { (try $0.decode(column: "listing_id", as: String.self), try $0.decode(column: "e", as: String?.self)) }
            }
            #expect(stored.count == 2 && stored[1].1 == nil, "a vector of another length stays NULL")
            let parsed = stored.first?.1.map { $0.dropFirst().dropLast().split(separator: ",").compactMap { Float(String($0)) } }
            #expect(parsed == values)

            // New vectors are written to the column by the store.
            let next = Self.vector(&random, scale: 1)
            try await SQLListingStore(database: db).saveVectors([ListingVector(listingID: "l-1", space: .image, model: "m2", values: next)])
            let index = PostgresListingIndex(database: db, imageModel: "m2", textModel: nil, efSearch: 10)
            let found = try await index.nearest(next, in: .image, filters: SearchFilters(), excluding: nil, limit: 5)
            #expect(found.map(\.listingID) == ["l-1"] && abs(found[0].score - 1) < 1e-5)
        }
    }

    @Test("ATELIER_PG_EF_SEARCH is 1–1000, 100 by default; PostgreSQL servers search with pgvector, SQLite ones in memory")
    func efSearchConfig() async throws {
        #expect(AtelierConfig().pgEfSearch == 100)
        var config = AtelierConfig()
        try config.apply(["ATELIER_PG_EF_SEARCH": "250"])
        #expect(config.pgEfSearch == 250)
        for bad in ["0", "1001", "-5", "many", ""] {
            var config = AtelierConfig()
            #expect(throws: ConfigError.self, "\(bad)") { try config.apply(["ATELIER_PG_EF_SEARCH": bad]) }
        }
        try await TestServer.run { api in
            #expect((api.services.catalog.index is PostgresListingIndex) == TestDatabase.isPostgres)
            #expect((api.services.catalog.index is CatalogIndex) == !TestDatabase.isPostgres)
        }
    }
}

private extension String {
    func uppercased(with flag: Bool) -> String { flag ? uppercased() : self }
}
