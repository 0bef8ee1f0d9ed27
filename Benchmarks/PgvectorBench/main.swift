import AtelierCore
import AtelierStore
import Foundation
import SQLKit

// Benchmark of listing search on PostgreSQL + pgvector, through the server's own
// `PostgresListingIndex` (HNSW, cosine, iterative scans, exact fallback). For each catalogue
// (random 384-d vectors, the hardest case for HNSW; and clustered ones around 100 centres,
// closer to real embeddings) it reports the HNSW build time and size, then for each
// hnsw.ef_search: recall@20 against exact search and queries/s (one client), without a filter
// and with a selective (1 %) and a very selective (0.1 %) one. Vectors are made in SQL, so loading
// is quick; exact results come from PostgreSQL too (a sequential scan). Usage:
//   ATELIER_BENCH_DATABASE_URL=postgres://… pgvector-bench [sizes…] [--queries 100] [--ef 40,100]
// (Benchmarks/pgvector.py starts a throwaway PostgreSQL and runs it.) The database must be empty.

struct Options {
    var sizes: [Int] = []
    var queries = 100
    var efs = [40, 100]

    init(_ arguments: ArraySlice<String>) {
        var rest = arguments
        while let argument = rest.popFirst() {
            switch argument {
            case "--queries": queries = Int(rest.popFirst()!)!
            case "--ef": efs = rest.popFirst()!.split(separator: ",").map { Int($0)! }
            default: sizes.append(Int(argument)!)
            }
        }
        if sizes.isEmpty { sizes = [30_000] }
    }
}

/// SplitMix64: small, seeded, reproducible.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let options = Options(CommandLine.arguments.dropFirst())
guard let url = ProcessInfo.processInfo.environment["ATELIER_BENCH_DATABASE_URL"] else {
    FileHandle.standardError.write(Data("pgvector-bench: set ATELIER_BENCH_DATABASE_URL (or run Benchmarks/pgvector.py)\n".utf8))
    exit(2)
}
let database = try await DatabaseOpener.open(url: url, maxConnections: 2)
let model = "bench-model"

func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }

func run(_ sql: SQLQueryString) async throws {
    try await database.transaction { db in
        try await db.raw("SET LOCAL maintenance_work_mem = '2GB'").run()
        try await db.raw(sql).run()
    }
}

/// `count` listings (brand one of 100, size one of 10, independent of each other and of the
/// vector's cluster) with a vector each: uniform in [-1, 1]³⁸⁴, or a centre plus noise.
func load(count: Int, clustered: Bool) async throws {
    try await run("TRUNCATE listings CASCADE")
    try await run("DROP INDEX IF EXISTS listing_vectors_image_hnsw")
    try await run("""
        INSERT INTO listings (id, marketplace, external_id, title, brand, category, size, condition, price_minor, currency,
            image_urls, image_state, first_seen, last_seen, removed, revision)
        SELECT 'l' || lpad(i::text, 8, '0'), 'vinted', 'x' || i, 'Listing ' || i, 'brand-' || (i % 100), 'jackets',
            'size-' || ((i / 7) % 10), 'good', 1000 + i % 5000, 'EUR', '[]', 'ready', 0, 0, 0, i
        FROM generate_series(0, \(unsafeRaw: String(count - 1))) i
        """)
    try await run("DROP TABLE IF EXISTS bench_centres")
    try await run("""
        CREATE TABLE bench_centres AS SELECT c, array_agg(random() * 2 - 1 ORDER BY d) AS v
        FROM generate_series(0, 99) c, generate_series(1, 384) d GROUP BY c
        """)
    let vector: SQLQueryString = clustered
        ? "(SELECT array_agg(ce.v[d] + (random() * 2 - 1) * 0.5 ORDER BY d) FROM bench_centres ce, generate_series(1, 384) d WHERE ce.c = (i / 100) % 100)"
        : "(SELECT array_agg(random() * 2 - 1) FROM generate_series(1, 384 + 0 * i))"
    for start in stride(from: 0, to: count, by: 10_000) {
        try await run("""
            INSERT INTO listing_vectors (listing_id, space, model, vector, embedding, revision)
            SELECT 'l' || lpad(i::text, 8, '0'), 'image', \(bind: model), '\\x'::bytea, \(vector)::real[]::vector, i
            FROM generate_series(\(unsafeRaw: String(start)), \(unsafeRaw: String(min(count, start + 10_000) - 1))) i
            """)
    }
    try await run("ANALYZE listings")
    try await run("ANALYZE listing_vectors")
}

func vectors(_ sql: SQLQueryString) async throws -> [[Float]] {
    try await database.read { db in
        try await db.raw(sql).all().map { row in
            try row.decode(column: "e", as: String.self).dropFirst().dropLast().split(separator: ",").map { Float(String($0))! }
        }
    }
}

/// Exact top `limit`, from a sequential scan (the ORDER BY expression is one no index serves).
func exact(_ query: [Float], _ filter: SQLQueryString, limit: Int) async throws -> [String] {
    let literal = "[" + query.map { "\($0)" }.joined(separator: ",") + "]"
    return try await database.read { db in
        try await db.raw("""
            SELECT v.listing_id FROM listing_vectors v JOIN listings l ON l.id = v.listing_id
            WHERE v.space = 'image' \(filter) ORDER BY (v.embedding <=> CAST(\(bind: literal) AS vector)) + 0 LIMIT \(bind: limit)
            """).all().map { try $0.decode(column: "listing_id", as: String.self) }
    }
}

let filters: [(String, SearchFilters, SQLQueryString)] = [
    ("no filter", SearchFilters(), ""),
    ("brand (1 %)", SearchFilters(brands: ["brand-7"]), "AND l.brand = 'brand-7'"),
    ("brand+size (0.1 %)", SearchFilters(sizes: ["size-3"], brands: ["brand-7"]), "AND l.brand = 'brand-7' AND l.size = 'size-3'"),
]

print("pgvector search through PostgresListingIndex: recall@20 vs exact, queries/s (one client), \(options.queries) queries each")
for size in options.sizes {
    for clustered in [false, true] {
        let started = ContinuousClock.now
        try await load(count: size, clustered: clustered)
        let loaded = ContinuousClock.now
        try await run("""
            CREATE INDEX listing_vectors_image_hnsw ON listing_vectors USING hnsw (embedding vector_cosine_ops) WHERE space = 'image'
            """)
        let built = ContinuousClock.now - loaded
        let indexMB = try await database.read { db in
            try await db.raw("SELECT pg_relation_size('listing_vectors_image_hnsw') AS n").first()!.decode(column: "n", as: Int.self)
        } / 1_000_000
        print("\n\(size) \(clustered ? "clustered" : "random") vectors: loaded in \(String(format: "%.1f", seconds(loaded - started))) s, "
              + "HNSW (m 16, ef_construction 64) built in \(String(format: "%.1f", seconds(built))) s, \(indexMB) MB")
        var random = SplitMix(state: UInt64(size) + (clustered ? 1 : 0))
        let queries: [[Float]]
        if clustered {  // near listings' vectors, as a shopper's photo is near the listing it shows
            queries = try await vectors("SELECT embedding::text AS e FROM listing_vectors ORDER BY md5(listing_id) LIMIT \(bind: options.queries)")
                .map { $0.map { $0 + Float.random(in: -0.3...0.3, using: &random) } }
        } else {
            queries = (0..<options.queries).map { _ in (0..<384).map { _ in Float.random(in: -1...1, using: &random) } }
        }
        for (name, filter, sql) in filters {
            var truth: [[String]] = []
            let exactStart = ContinuousClock.now
            for query in queries { truth.append(try await exact(query, sql, limit: 20)) }
            let exactQPS = Double(queries.count) / seconds(ContinuousClock.now - exactStart)
            var line = "  " + name.padding(toLength: 19, withPad: " ", startingAt: 0) + String(format: " exact %6.1f q/s", exactQPS)
            for ef in options.efs {
                let index = PostgresListingIndex(database: database, imageModel: model, textModel: nil, efSearch: ef)
                var (hits, wanted, short) = (0, 0, 0)
                let start = ContinuousClock.now
                for (query, expected) in zip(queries, truth) {
                    let found = try await index.nearest(query, in: .image, filters: filter, excluding: nil, limit: 20)
                    hits += Set(found.map(\.listingID)).intersection(expected).count
                    wanted += expected.count
                    if found.count < expected.count { short += 1 }
                }
                let qps = Double(queries.count) / seconds(ContinuousClock.now - start)
                line += String(format: " | ef %4d: recall@20 %.3f, %6.1f q/s", ef, Double(hits) / Double(max(wanted, 1)), qps)
                    + (short > 0 ? " (\(short) short!)" : "")
            }
            print(line)
        }
    }
}
// The plan of an approximate filtered search, to show the HNSW index at work.
let plan = try await database.transaction { db in
    try await db.raw("SELECT set_config('hnsw.iterative_scan', 'strict_order', true)").run()
    let literal = "[" + (0..<384).map { _ in "0.5" }.joined(separator: ",") + "]"
    return try await db.raw("""
        EXPLAIN SELECT v.listing_id, v.embedding <=> CAST(\(bind: literal) AS vector) AS distance
        FROM listing_vectors v JOIN listings l ON l.id = v.listing_id
        WHERE v.space = 'image' AND v.model = \(bind: model) AND v.embedding IS NOT NULL AND l.removed = 0 AND LOWER(l.brand) IN ('brand-7')
        ORDER BY distance LIMIT 20
        """).all().map { try $0.decode(column: "QUERY PLAN", as: String.self) }
}
print("\nPlan of a filtered search:\n" + plan.map { "  " + $0 }.joined(separator: "\n"))
try await database.close()
