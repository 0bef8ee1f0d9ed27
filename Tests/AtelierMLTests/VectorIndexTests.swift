import AtelierML
import Foundation
import Testing

// Run with `swift test -c release`: the recall test builds a 20,000-vector graph, which takes
// minutes unoptimised (a debug build uses 4,000 vectors there instead).

/// SplitMix64: a small seeded generator, so every run sees the same vectors.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func vector(_ dimensions: Int = 384) -> [Float] {
        normalized((0..<dimensions).map { _ in Float.random(in: -1...1, using: &self) })
    }

    mutating func key() -> UUID {
        let words = (next(), next())
        return withUnsafeBytes(of: words) { UUID(uuid: $0.load(as: uuid_t.self)) }
    }

    mutating func entries(_ count: Int, dimensions: Int = 384) -> [(key: UUID, vector: [Float])] {
        (0..<count).map { _ in (key(), vector(dimensions)) }
    }
}

func temporaryDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("vector-index-\(UUID().uuidString)")
}

/// An index in a fresh folder holding `entries`; graph search from `graphFrom` vectors on.
func makeIndex(
    _ entries: [(key: UUID, vector: [Float])], graphFrom: Int = 500, directory: URL = temporaryDirectory(),
    parameters: HNSWParameters = HNSWParameters(m: 16, efConstruction: 100, efSearch: 64)
) throws -> VectorIndex {
    let index = try VectorIndex(
        directory: directory, dimensions: entries.first?.vector.count ?? 384,
        exactSearchLimit: graphFrom, parameters: parameters)
    try index.insert(contentsOf: entries)
    index.waitForGraph()  // a small batch is journaled one by one, and its graph built beside
    return index
}

@Suite("Vector index")
struct VectorIndexTests {
    @Test("HNSW recall@20 against exact search is at least 0.95 on random vectors")
    func recall() throws {
        #if DEBUG
        let count = 4_000
        #else
        let count = 20_000
        #endif
        var rng = SeededGenerator(state: 20)
        let index = try makeIndex(
            rng.entries(count), graphFrom: 1_000,
            parameters: HNSWParameters(m: 16, efConstruction: 100, efSearch: 1_500))
        #expect(index.statistics.usesGraph)
        var hits = 0
        let queries = 100
        for _ in 0..<queries {
            let query = rng.vector()
            let exact = Set(index.exhaustiveSearch(query, limit: 20).map(\.key))
            hits += index.search(query, limit: 20).filter { exact.contains($0.key) }.count
        }
        let recall = Double(hits) / Double(20 * queries)
        #expect(recall >= 0.95, "recall@20 \(recall)")
    }

    @Test("filtered search returns min(k, matching) matching keys, whatever the selectivity",
          arguments: [false, true])
    func filtered(graph: Bool) throws {
        var rng = SeededGenerator(state: 7)
        let entries = rng.entries(6_000)
        let index = try makeIndex(entries, graphFrom: graph ? 500 : 20_000)
        #expect(index.statistics.usesGraph == graph)
        for share in [0.5, 0.05, 0.01, 0.0005, 0] {
            let matching = Set(entries.map(\.key).filter { _ in Double.random(in: 0..<1, using: &rng) < share })
            for _ in 0..<10 {
                let found = index.search(rng.vector(), limit: 20, where: { matching.contains($0) })
                #expect(found.count == min(20, matching.count), "share \(share)")
                #expect(found.allSatisfy { matching.contains($0.key) })
                #expect(zip(found, found.dropFirst()).allSatisfy { $0.score >= $1.score })
            }
        }
    }

    @Test("removed keys are never returned, before and after compaction")
    func removal() throws {
        var rng = SeededGenerator(state: 3)
        let entries = rng.entries(3_000)
        let index = try makeIndex(entries)
        for fraction in [0.1, 0.3] {  // 0.3 of the original crosses the compaction threshold
            let removed = entries.prefix(Int(Double(entries.count) * fraction))
            for entry in removed { try index.remove(entry.key) }
            let gone = Set(removed.map(\.key))
            #expect(index.count == entries.count - removed.count)
            for entry in removed.prefix(50) {  // the removed vectors themselves as queries
                let found = index.search(entry.vector, limit: 20)
                #expect(found.count == 20)
                #expect(found.allSatisfy { !gone.contains($0.key) })
                #expect(!index.contains(entry.key))
            }
        }
        #expect(index.statistics.tombstones < index.count / 3)
    }

    @Test("single inserts past the exact-search limit, and a compaction, get their graph built beside the index")
    func graphBuiltBeside() throws {
        var rng = SeededGenerator(state: 8)
        let entries = rng.entries(1_500)
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let index = try VectorIndex(directory: directory, dimensions: 384, exactSearchLimit: 1_000,
                                    parameters: HNSWParameters(m: 16, efConstruction: 100, efSearch: 64))
        for entry in entries { try index.insert(entry.key, vector: entry.vector) }
        // Graph or not yet, every search is complete and finds the vector itself first.
        for entry in entries.prefix(20) { #expect(index.search(entry.vector, limit: 1).first?.key == entry.key) }
        index.waitForGraph()
        #expect(index.statistics.usesGraph)
        for entry in entries.suffix(20) { #expect(index.search(entry.vector, limit: 1).first?.key == entry.key) }

        // Removing 30 % compacts the slots and drops the graph; 1,050 left still want one.
        for entry in entries.prefix(450) { try index.remove(entry.key) }
        #expect(index.statistics.tombstones < 100)  // compacted on the way
        for entry in entries.suffix(20) { #expect(index.search(entry.vector, limit: 1).first?.key == entry.key) }
        index.waitForGraph()
        #expect(index.statistics.usesGraph && index.count == 1_050)
        let reopened = try VectorIndex(directory: directory, dimensions: 384, exactSearchLimit: 1_000)
        #expect(reopened.statistics.usesGraph && reopened.count == 1_050)
        for entry in entries.suffix(20) { #expect(reopened.search(entry.vector, limit: 1).first?.key == entry.key) }
    }

    @Test("inserting a key again replaces its vector")
    func update() throws {
        var rng = SeededGenerator(state: 4)
        let entries = rng.entries(1_000)
        let index = try makeIndex(entries)
        let replacement = rng.vector()
        try index.insert(entries[10].key, vector: replacement)
        #expect(index.count == entries.count)
        let found = index.search(replacement, limit: 1)
        #expect(found.first?.key == entries[10].key)
        #expect(abs((found.first?.score ?? 0) - 1) < 1e-4)
        #expect(index.search(entries[10].vector, limit: 1).first?.key != entries[10].key)
    }

    @Test("reopening gives the same results, from a snapshot and from the journal")
    func persistence() throws {
        var rng = SeededGenerator(state: 5)
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let entries = rng.entries(2_000)
        let queries = (0..<20).map { _ in rng.vector() }
        var index = try makeIndex(entries, directory: directory)  // journaled: below the batch-snapshot size
        for entry in entries.prefix(100) { try index.remove(entry.key) }  // journaled
        let extra = rng.entries(50)
        for entry in extra { try index.insert(entry.key, vector: entry.vector) }
        index.waitForGraph()
        let before = queries.map { index.search($0, limit: 20) }
        let reopen = {
            try VectorIndex(
                directory: directory, dimensions: 384, exactSearchLimit: 500,
                parameters: HNSWParameters(m: 16, efConstruction: 100, efSearch: 64))
        }
        index = try reopen()
        #expect(index.count == 1_950)
        let same = queries.map { index.search($0, limit: 20) } == before
        #expect(same)

        try index.save()
        try index.remove(extra[0].key)
        try index.insert(entries[0].key, vector: entries[0].vector)
        let after = queries.map { index.search($0, limit: 20) }
        index = try reopen()
        let stillSame = queries.map { index.search($0, limit: 20) } == after
        #expect(stillSame)
        #expect(!index.contains(extra[0].key) && index.contains(entries[0].key))
    }

    @Test("a damaged snapshot or journal throws instead of crashing; a torn journal tail is dropped")
    func damage() throws {
        var rng = SeededGenerator(state: 6)
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let entries = rng.entries(800)
        var index: VectorIndex? = try makeIndex(entries, directory: directory)
        try index!.save()
        index = nil
        let snapshot = directory.appendingPathComponent("index.snapshot")
        let original = try Data(contentsOf: snapshot)
        let open = { try VectorIndex(directory: directory, dimensions: 384, exactSearchLimit: 500) }

        try original.prefix(original.count / 2).write(to: snapshot)
        #expect(throws: VectorIndexError.self) { try open() }
        var flipped = original
        flipped[original.count / 3] ^= 0x40
        try flipped.write(to: snapshot)
        #expect(throws: VectorIndexError.self) { try open() }
        try original.write(to: snapshot)
        #expect(throws: VectorIndexError.self) { try VectorIndex(directory: directory, dimensions: 128) }

        // Journal: three inserts, then a torn fourth record.
        index = try open()
        let added = rng.entries(3)
        for entry in added { try index!.insert(entry.key, vector: entry.vector) }
        index = nil
        let name = try #require(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasPrefix("journal-") })
        let journal = directory.appendingPathComponent(name)
        let complete = try Data(contentsOf: journal)
        let record = (complete.count - 32) / 3
        try (complete + complete.suffix(record).prefix(record / 2)).write(to: journal)
        index = try open()
        #expect(index!.count == 803)
        index = nil
        var damaged = complete
        damaged[32 + record / 2] ^= 0x01  // inside the first record, two good ones follow
        try damaged.write(to: journal)
        #expect(throws: VectorIndexError.self) { try open() }
    }

    @Test("wrong vectors are refused")
    func validation() throws {
        let index = try VectorIndex(directory: temporaryDirectory(), dimensions: 384)
        #expect(throws: VectorIndexError.dimensionMismatch(expected: 384, actual: 3)) {
            try index.insert(UUID(), vector: [1, 2, 3])
        }
        #expect(throws: VectorIndexError.invalidVector) {
            try index.insert(UUID(), vector: [Float](repeating: 0, count: 384))
        }
        #expect(index.count == 0 && index.search([Float](repeating: 1, count: 384), limit: 5).isEmpty)
    }

    @Test("searches run concurrently with inserts and always see a valid index")
    func concurrency() async throws {
        var rng = SeededGenerator(state: 8)
        let initial = rng.entries(1_000)
        let later = rng.entries(1_000)
        let queries = (0..<50).map { _ in rng.vector() }
        let index = try makeIndex(initial)
        let known = Set((initial + later).map(\.key))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for entry in later { try index.insert(entry.key, vector: entry.vector) }
            }
            for reader in 0..<4 {
                group.addTask {
                    for round in 0..<100 {
                        let found = index.search(queries[(reader + round) % queries.count], limit: 20)
                        #expect(found.count == 20)
                        #expect(found.allSatisfy { known.contains($0.key) })
                        #expect(zip(found, found.dropFirst()).allSatisfy { $0.score >= $1.score })
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(index.count == 2_000)
    }
}
