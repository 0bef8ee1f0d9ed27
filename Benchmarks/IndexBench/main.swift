import AtelierML
import Foundation

// Benchmark of the visual-search index on random unit vectors (the hardest case for HNSW:
// no cluster structure to exploit; `--clustered` draws them around 1,000 centres instead,
// closer to real image embeddings). Usage:
//   OPENBLAS_NUM_THREADS=1 .build/release/index-bench [sizes…] [--queries 200] [--ef 50,100,200]
//       [--m 16] [--ef-construction 200] [--dimensions 384] [--threads 2] [--clustered]
// e.g. `index-bench 100000 1000000`. Reports build time, exact and HNSW queries/s (one thread)
// and HNSW recall@20 against exact search for each efSearch — against the index's own exact
// search (over its int8 codes) and against float32 brute force (what keeping int8 costs).

struct Options {
    var sizes: [Int] = []
    var queries = 200
    var efs = [50, 100, 200, 400]
    var m = 16
    var efConstruction = 200
    var dimensions = 384
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var clustered = false

    init(_ arguments: ArraySlice<String>) {
        var rest = arguments
        while let argument = rest.popFirst() {
            switch argument {
            case "--queries": queries = Int(rest.popFirst()!)!
            case "--ef": efs = rest.popFirst()!.split(separator: ",").map { Int($0)! }
            case "--m": m = Int(rest.popFirst()!)!
            case "--ef-construction": efConstruction = Int(rest.popFirst()!)!
            case "--dimensions": dimensions = Int(rest.popFirst()!)!
            case "--threads": threads = Int(rest.popFirst()!)!
            case "--clustered": clustered = true
            default: sizes.append(Int(argument)!)
            }
        }
        if sizes.isEmpty { sizes = [100_000] }
    }
}

/// SplitMix64: small, seeded, reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomUnitVector(_ dimensions: Int, _ rng: inout SeededGenerator) -> [Float] {
    var vector = (0..<dimensions).map { _ in Float.random(in: -1...1, using: &rng) }
    let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
    for i in vector.indices { vector[i] /= norm }
    return vector
}

/// Near a random one of `centres`: cosine to it about 0.85, like views of similar garments.
func clusteredUnitVector(_ centres: [[Float]], _ rng: inout SeededGenerator) -> [Float] {
    let centre = centres.randomElement(using: &rng)!
    let noise = randomUnitVector(centre.count, &rng)
    var vector = zip(centre, noise).map { $0 + 0.6 * $1 }
    let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
    for i in vector.indices { vector[i] /= norm }
    return vector
}

func randomKey(_ rng: inout SeededGenerator) -> UUID {
    let a = rng.next(), b = rng.next()
    return withUnsafeBytes(of: (a, b)) { UUID(uuid: $0.load(as: uuid_t.self)) }
}

/// The keys of the `limit` vectors most similar to `query` in float32, by brute force.
func floatTopKeys(_ query: [Float], among batch: [(key: UUID, vector: [Float])], limit: Int) -> Set<UUID> {
    var scored = batch.map { entry in (entry.key, zip(query, entry.vector).reduce(Float(0)) { $0 + $1.0 * $1.1 }) }
    scored.sort { $0.1 > $1.1 }
    return Set(scored.prefix(limit).map(\.0))
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func residentMegabytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kilobytes = Int(line.split(separator: " ")[1]) else { return -1 }
    return kilobytes / 1024
}

let options = Options(CommandLine.arguments.dropFirst())
let f1 = { (x: Double) in String(format: "%.1f", x) }
let f3 = { (x: Double) in String(format: "%.3f", x) }
for size in options.sizes {
    var rng = SeededGenerator(state: UInt64(size))
    let kind = options.clustered ? "clustered" : "random"
    print("== \(size) \(kind) \(options.dimensions)-d unit vectors, m \(options.m), efConstruction \(options.efConstruction), \(options.threads) build threads")
    let centres = (0..<1_000).map { _ in randomUnitVector(options.dimensions, &rng) }
    let draw = { (rng: inout SeededGenerator) in
        options.clustered ? clusteredUnitVector(centres, &rng) : randomUnitVector(options.dimensions, &rng)
    }
    var batch: [(key: UUID, vector: [Float])] = []
    batch.reserveCapacity(size)
    for _ in 0..<size { batch.append((randomKey(&rng), draw(&rng))) }
    let queries = (0..<options.queries).map { _ in draw(&rng) }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("index-bench-\(size)")
    try? FileManager.default.removeItem(at: directory)
    defer { try? FileManager.default.removeItem(at: directory) }

    var index = try VectorIndex(
        directory: directory, dimensions: options.dimensions, exactSearchLimit: 20_000,
        parameters: HNSWParameters(m: options.m, efConstruction: options.efConstruction, buildThreads: options.threads))
    let buildTime = try seconds { try index.insert(contentsOf: batch) }
    let floatTruth = queries.map { floatTopKeys($0, among: batch, limit: 20) }
    batch = []
    let saveTime = try seconds { try index.save() }
    print("build (graph + snapshot): \(f1(buildTime)) s, of which writing a snapshot ≈ \(f1(saveTime)) s")
    let reopenTime = try seconds { index = try VectorIndex(directory: directory, dimensions: options.dimensions) }
    print("reopen (read + validate snapshot): \(f1(reopenTime)) s")

    var truth: [Set<UUID>] = []
    let exactTime = seconds {
        truth = queries.map { Set(index.exhaustiveSearch($0, limit: 20).map(\.key)) }
    }
    let exactAgainstFloat = zip(truth, floatTruth).map { $0.intersection($1).count }.reduce(0, +)
    print("exact: \(f1(Double(queries.count) / exactTime)) q/s; recall@20 against float32: \(f3(Double(exactAgainstFloat) / Double(20 * queries.count)))")
    for ef in options.efs {
        index.efSearch = ef
        var hits = 0, floatHits = 0
        var rounds = 0
        var time = 0.0
        repeat {  // at least a second of searching, for a stable rate
            time += seconds {
                for (index_, (query, expected)) in zip(queries, truth).enumerated() {
                    let found = index.search(query, limit: 20)
                    if rounds == 0 {
                        hits += found.filter { expected.contains($0.key) }.count
                        floatHits += found.filter { floatTruth[index_].contains($0.key) }.count
                    }
                }
            }
            rounds += 1
        } while time < 1
        let recall = Double(hits) / Double(20 * queries.count)
        print("hnsw ef \(ef): recall@20 \(f3(recall)) (against float32 \(f3(Double(floatHits) / Double(20 * queries.count)))), "
              + "\(f1(Double(rounds * queries.count) / time)) q/s")
    }
    let statistics = index.statistics
    print("memory: index ≈ \(statistics.estimatedMemoryBytes >> 20) MB, process resident \(residentMegabytes()) MB")
}
