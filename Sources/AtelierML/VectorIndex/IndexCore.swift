import Foundation

/// The state behind a `VectorIndex`: the vectors, the graph once the index outgrows exact
/// search, and the journal. Not thread-safe by itself: `VectorIndex` calls it under its
/// reader-writer lock, searches as readers and everything else as the writer.
final class IndexCore {
    let directory: URL
    let dimensions: Int
    let exactSearchLimit: Int
    var parameters: HNSWParameters
    var storage: VectorStorage
    var graph: HNSWGraph?
    var generation: UInt64
    var journal: IndexJournal?
    let visitedPool = VisitedPool()
    /// The index has outgrown exact search but has no graph yet: `VectorIndex` builds one beside
    /// the live index (searches stay exact, so slower but never wrong, until it is swapped in).
    var graphWanted = false
    /// Changes whenever slots are renumbered (compaction): a graph built on an older copy of
    /// the vectors no longer fits.
    var layout: UInt64 = 0

    init(directory: URL, dimensions: Int, exactSearchLimit: Int, parameters: HNSWParameters,
         storage: VectorStorage, graph: HNSWGraph?, generation: UInt64, journal: IndexJournal?) {
        self.directory = directory
        self.dimensions = dimensions
        self.exactSearchLimit = exactSearchLimit
        self.parameters = parameters
        self.storage = storage
        self.graph = graph
        self.generation = generation
        self.journal = journal
    }

    // MARK: Changes: journal first, then memory, so what a call returned from is never lost.

    func insert(_ key: UUID, _ vector: [Float]) throws {
        try currentJournal().append(.insert(key, vector))
        try afterChange(compacted: apply(.insert(key, vector)))
    }

    func remove(_ key: UUID) throws -> Bool {
        guard storage.slotOfKey[key] != nil else { return false }
        try currentJournal().append(.remove(key))
        try afterChange(compacted: apply(.remove(key)))
        return true
    }

    /// A compaction renumbers every slot: snapshot it rather than journal on top of it.
    private func afterChange(compacted: Bool) throws {
        if compacted { try checkpoint() } else { try checkpointIfDue() }
    }

    /// A large batch skips the journal and ends with a snapshot instead: a crash midway
    /// leaves the previous snapshot and journal, as if the batch had not started.
    func insert(contentsOf batch: [(key: UUID, vector: [Float])]) throws {
        guard batch.count >= journalLimit else {
            for (key, vector) in batch { try insert(key, vector) }
            return
        }
        storage.reserve(batch.count)
        for (key, vector) in batch {
            _ = storage.remove(key)
            vector.withUnsafeBufferPointer { _ = storage.append(key, $0.baseAddress!) }
        }
        // A bulk load builds its graph right away, on all build threads.
        _ = compactIfDue()
        if let graph {
            graph.insertRemaining(of: storage, threads: parameters.buildThreads, visitedPool: visitedPool)
        } else if storage.liveCount > exactSearchLimit {
            buildGraph()
        }
        try checkpoint()
    }

    /// Applies one change in memory (also to replay the journal); returns whether it compacted the slots.
    func apply(_ entry: JournalEntry) -> Bool {
        switch entry {
        case .insert(let key, let vector):
            _ = storage.remove(key)  // an update replaces the vector: the old slot becomes a tombstone
            let slot = vector.withUnsafeBufferPointer { storage.append(key, $0.baseAddress!) }
            if let graph {
                visitedPool.withSet { graph.insert(slot, storage: storage, visited: $0) }
            } else if storage.liveCount > exactSearchLimit {
                graphWanted = true
            }
        case .remove(let key):
            _ = storage.remove(key)
        }
        return compactIfDue()
    }

    /// Tombstones cost memory and, in the graph, search effort: past a quarter of the slots
    /// the index compacts. That renumbers the slots, so the graph goes and is built again
    /// beside the live index.
    private func compactIfDue() -> Bool {
        guard storage.deadCount >= 64, storage.deadCount * 4 > storage.slotCount else { return false }
        storage = storage.compacted()
        layout &+= 1
        graph = nil
        graphWanted = storage.liveCount > exactSearchLimit
        return true
    }

    /// Builds the graph over every slot here and now (a bulk load, or a graph-wanted index
    /// that nobody searches yet).
    func buildGraph() {
        let graph = HNSWGraph(m: parameters.m, efConstruction: parameters.efConstruction, capacity: storage.slotCount)
        graph.insertRemaining(of: storage, threads: parameters.buildThreads, visitedPool: visitedPool)
        self.graph = graph
        graphWanted = false
    }

    enum GraphInstall { case installed, renumbered, behind }

    /// Swaps in a graph built beside the index on a copy of its vectors taken at `layout`,
    /// after linking the few vectors added since. `.renumbered`: a compaction made it useless;
    /// `.behind`: too many were added to link here under the lock, so build on from a new copy.
    func install(_ built: HNSWGraph, layout copied: UInt64) throws -> GraphInstall {
        guard graphWanted, graph == nil else { return .installed }
        guard copied == layout else { return .renumbered }
        guard storage.slotCount - built.nodeCount <= 1_000 else { return .behind }
        built.insertRemaining(of: storage, threads: 1, visitedPool: visitedPool)
        graph = built
        graphWanted = false
        // Built on threads, the graph cannot be replayed from the journal: snapshot it.
        try checkpoint()
        return .installed
    }

    // MARK: Search

    /// The best `limit` live vectors passing `filter`; never fewer than exist.
    func search(_ query: UnsafePointer<Float>, limit: Int, filter: ((UUID) -> Bool)?) -> [VectorMatch] {
        let found = scoredSearch(query, limit: limit, filter: filter)
        return found.map { VectorMatch(key: storage.keys[Int($0.slot)], score: $0.score) }
    }

    private func scoredSearch(_ query: UnsafePointer<Float>, limit: Int, filter: ((UUID) -> Bool)?) -> [Scored] {
        let live = storage.liveCount
        guard limit > 0, live > 0 else { return [] }
        guard let graph, live > exactSearchLimit else {
            return storage.exactSearch(query, limit: limit, filter: filter)
        }
        // A very selective filter would make the graph walk visit most nodes to fill the
        // results: checking every key and scoring only the passing vectors is cheaper.
        if let filter, passingShare(filter) < 0.01 {
            return storage.exactSearch(query, limit: limit, filter: filter)
        }
        let storage = self.storage
        let accept: ((Int32) -> Bool)?
        if let filter {
            accept = { storage.isLive[Int($0)] && filter(storage.keys[Int($0)]) }
        } else if storage.deadCount > 0 {
            accept = { storage.isLive[Int($0)] }
        } else {
            accept = nil
        }
        let ef = parameters.efSearch
        // A filtered walk that fills its results slowly stops past this many comparisons:
        // exact search over the passing vectors is then cheaper.
        let budget = filter == nil ? Int.max : max(8 * ef * parameters.m, storage.slotCount / 16)
        var codes = [Int8](repeating: 0, count: dimensions)
        let candidates = codes.withUnsafeMutableBufferPointer { codes in
            let scale = quantize(query, dimensions, into: codes.baseAddress!)
            let quantized = QuantizedVector(codes: codes.baseAddress!, scale: scale)
            return visitedPool.withSet {
                graph.search(quantized, limit: limit, ef: ef, storage: storage, visited: $0, accept: accept, budget: budget)
            }
        }
        // The walk ranked by int8 × int8 similarity; the final order comes from the float query.
        var best = ScoredHeap(bestFirst: false, capacity: limit)
        for candidate in candidates {
            best.offer(Scored(score: storage.score(query, candidate.slot), slot: candidate.slot), limit: limit)
        }
        let found = best.sortedBestFirst()
        // Never short: unreachable or undiscovered matches are found exactly.
        let wanted = filter == nil ? min(limit, live) : limit
        return found.count >= wanted ? found : storage.exactSearch(query, limit: limit, filter: filter)
    }

    /// Share of live vectors passing `filter`, estimated from a fixed sample of slots.
    private func passingShare(_ filter: (UUID) -> Bool) -> Double {
        let step = max(1, storage.slotCount / 512)
        var seen = 0, passed = 0
        for slot in stride(from: 0, to: storage.slotCount, by: step) where storage.isLive[slot] {
            seen += 1
            if filter(storage.keys[slot]) { passed += 1 }
        }
        return seen == 0 ? 0 : Double(passed) / Double(seen)
    }

    func exhaustiveSearch(_ query: UnsafePointer<Float>, limit: Int, filter: ((UUID) -> Bool)?) -> [VectorMatch] {
        storage.exactSearch(query, limit: limit, filter: filter).map {
            VectorMatch(key: storage.keys[Int($0.slot)], score: $0.score)
        }
    }
}
