import Foundation

/// Shape and effort of the HNSW graph. The defaults suit 384-d image embeddings.
public struct HNSWParameters: Sendable, Hashable {
    /// Links per vector and layer (twice that on the bottom layer): recall vs memory and build time.
    public var m: Int
    /// Candidates weighed when linking a new vector: graph quality vs insert time.
    public var efConstruction: Int
    /// Candidates weighed per search (at least the requested limit): recall vs speed.
    public var efSearch: Int
    /// Threads that build a graph from many vectors at once (rebuilds and large batches).
    public var buildThreads: Int

    public init(
        m: Int = 16, efConstruction: Int = 200, efSearch: Int = 100,
        buildThreads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        precondition(m >= 2 && efConstruction >= 1 && efSearch >= 1 && buildThreads >= 1,
                     "HNSW parameters must be positive")
        self.m = m
        self.efConstruction = efConstruction
        self.efSearch = efSearch
        self.buildThreads = buildThreads
    }
}

/// A listing found by a search, with its cosine similarity to the query (higher is closer).
public struct VectorMatch: Sendable, Hashable {
    public let key: UUID
    public let score: Float
}

/// The visual-search index of the embedded mode: unit vectors keyed by listing id, searched by
/// cosine similarity. Up to `exactSearchLimit` vectors it searches exactly (one BLAS
/// matrix–vector product); beyond, through an HNSW graph. Persistence is automatic: every
/// change is journaled in `directory` before the call returns, and snapshots are taken as
/// the journal grows (see `IndexPersistence.swift`); `save()` forces one and syncs to disk.
/// Searches run concurrently; changes are serialised. When single changes take the index past
/// `exactSearchLimit` (or a compaction drops its graph), the graph is built on a background
/// thread beside the live index and swapped in: searches meanwhile stay exact, never blocked.
public final class VectorIndex: Sendable {
    public let directory: URL
    public let dimensions: Int
    private let core: ReadWriteLocked<IndexCore>
    private let graphBuild = GraphBuildState()

    /// Opens the index in `directory`, or creates an empty one. Throws `VectorIndexError`
    /// if the folder is damaged or was made for other dimensions: rebuild it from the database.
    public init(
        directory: URL, dimensions: Int, exactSearchLimit: Int = 20_000, parameters: HNSWParameters = .init()
    ) throws {
        self.directory = directory
        self.dimensions = dimensions
        core = ReadWriteLocked(try IndexCore.open(
            directory: directory, dimensions: dimensions,
            exactSearchLimit: exactSearchLimit, parameters: parameters))
        startGraphBuildIfWanted()
    }

    /// Number of live vectors.
    public var count: Int { core.read { $0.storage.liveCount } }

    public func contains(_ key: UUID) -> Bool { core.read { $0.storage.slotOfKey[key] != nil } }

    /// Candidates per search; raise for recall, lower for speed.
    public var efSearch: Int {
        get { core.read { $0.parameters.efSearch } }
        set { core.write { $0.parameters.efSearch = max(1, newValue) } }
    }

    /// Adds the vector of `key`, replacing any previous one. The vector is scaled to unit length.
    public func insert(_ key: UUID, vector: [Float]) throws {
        let unit = try validated(vector)
        try core.write { try $0.insert(key, unit) }
        startGraphBuildIfWanted()
    }

    /// Adds many vectors at once; a large batch is written as one snapshot rather than journaled,
    /// and its graph is built on `buildThreads` threads. An invalid vector throws before anything changes.
    public func insert(contentsOf batch: [(key: UUID, vector: [Float])]) throws {
        let units = try batch.map { (key: $0.key, vector: try validated($0.vector)) }
        try core.write { try $0.insert(contentsOf: units) }
        startGraphBuildIfWanted()
    }

    /// Removes the vector of `key`; returns whether there was one.
    @discardableResult
    public func remove(_ key: UUID) throws -> Bool {
        defer { startGraphBuildIfWanted() }
        return try core.write { try $0.remove(key) }
    }

    /// Whether the index has outgrown exact search and its graph is still being built: searches
    /// stay right meanwhile, only slower (and the build takes the cores).
    public var isBuildingGraph: Bool { core.read { $0.graphWanted } }

    /// Waits until the index has the graph its size calls for (building it on this thread if no
    /// background build is under way). For benchmarks and tests; the index never needs it.
    public func waitForGraph() {
        while core.read({ $0.graphWanted }) {
            if graphBuild.start() {
                defer { graphBuild.finish() }
                buildWantedGraph()
            } else {
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
    }

    private func startGraphBuildIfWanted() {
        guard core.read({ $0.graphWanted }), graphBuild.start() else { return }
        DispatchQueue.global(qos: .utility).async { [self] in
            defer { graphBuild.finish() }
            buildWantedGraph()
        }
    }

    /// Copies the vectors under the read lock (searches go on), builds the graph on the copy
    /// with no lock held, then swaps it in under the write lock after linking what was added
    /// meanwhile. While vectors pour in (a first start), it builds on from fresh copies; a
    /// compaction in between renumbers the slots, and it starts over.
    private func buildWantedGraph() {
        var graph: HNSWGraph?
        var graphLayout: UInt64 = 0
        while case let (copy, layout, parameters)? = core.read({ $0.graphWanted ? ($0.storage.copy(), $0.layout, $0.parameters) : nil }) {
            if graph == nil || graphLayout != layout {
                graph = HNSWGraph(m: parameters.m, efConstruction: parameters.efConstruction, capacity: copy.slotCount)
                graphLayout = layout
            }
            guard let building = graph else { return }
            building.insertRemaining(of: copy, threads: parameters.buildThreads, visitedPool: VisitedPool())
            do {
                switch try core.write({ try $0.install(building, layout: layout) }) {
                case .installed: return
                case .renumbered: graph = nil
                case .behind: continue
                }
            } catch {
                return  // the snapshot failed: the graph is in memory, the next checkpoint retries
            }
        }
    }

    /// The `limit` vectors most similar to `query` among those whose key passes `filter`, best
    /// first. Never short: always min(limit, live vectors passing the filter) results.
    /// `filter` is called on the calling thread, possibly for every key: keep it cheap, and do
    /// not call the index from it (it runs under the index's read lock).
    public func search(_ query: [Float], limit: Int, where filter: ((UUID) -> Bool)? = nil) -> [VectorMatch] {
        let unit = normalizedQuery(query)
        return core.read { core in
            unit.withUnsafeBufferPointer { core.search($0.baseAddress!, limit: limit, filter: filter) }
        }
    }

    /// Like `search`, but always compares against every vector (exact, slower); for checks.
    public func exhaustiveSearch(_ query: [Float], limit: Int, where filter: ((UUID) -> Bool)? = nil) -> [VectorMatch] {
        let unit = normalizedQuery(query)
        return core.read { core in
            unit.withUnsafeBufferPointer { core.exhaustiveSearch($0.baseAddress!, limit: limit, filter: filter) }
        }
    }

    /// Writes a snapshot and syncs it to disk; the journal starts empty.
    public func save() throws {
        try core.write { try $0.checkpoint() }
    }

    /// What the index holds, and roughly how much memory it takes.
    public var statistics: VectorIndexStatistics {
        core.read { core in
            let slots = core.storage.slotCount
            var bytes = slots * (core.dimensions + 4 + 16 + 1) + core.storage.liveCount * 40  // codes, scales, keys, flags, key map
            if let graph = core.graph {
                bytes += (graph.level0.count + graph.upper.count) * 4 + slots * 9  // links, levels, upper offsets
            }
            return VectorIndexStatistics(
                count: core.storage.liveCount, tombstones: core.storage.deadCount,
                usesGraph: core.graph != nil && core.storage.liveCount > core.exactSearchLimit,
                estimatedMemoryBytes: bytes)
        }
    }

    private func validated(_ vector: [Float]) throws -> [Float] {
        guard vector.count == dimensions else {
            throw VectorIndexError.dimensionMismatch(expected: dimensions, actual: vector.count)
        }
        guard vector.allSatisfy(\.isFinite), vector.contains(where: { $0 != 0 }) else {
            throw VectorIndexError.invalidVector
        }
        return normalized(vector)
    }

    private func normalizedQuery(_ query: [Float]) -> [Float] {
        precondition(query.count == dimensions, "query has \(query.count) dimensions, the index \(dimensions)")
        return normalized(query)
    }
}

public struct VectorIndexStatistics: Sendable, Hashable {
    public let count: Int
    public let tombstones: Int
    public let usesGraph: Bool
    public let estimatedMemoryBytes: Int
}

/// Whether a graph build is under way (at most one at a time).
private final class GraphBuildState: @unchecked Sendable {  // `running` is guarded by `lock`
    private let lock = NSLock()
    private var running = false

    func start() -> Bool {
        lock.withLock {
            if running { return false }
            running = true
            return true
        }
    }

    func finish() {
        lock.withLock { running = false }
    }
}
