import Foundation

/// A hierarchical navigable small-world graph (Malkov & Yashunin, 2018) over the slots of a
/// `VectorStorage`. Layer-0 links sit in one flat buffer, `1 + 2m` Int32 per slot (count, then
/// neighbours); the few slots that reach higher layers keep those in a second flat buffer,
/// `1 + m` per layer, from `upperStart[slot]`. Tombstoned slots stay in the graph: they still
/// route searches, they are just never returned.
final class HNSWGraph {
    let m: Int
    let efConstruction: Int
    let level0: GrowableBuffer<Int32>
    let upper: GrowableBuffer<Int32>
    private(set) var levels: [UInt8]
    private(set) var upperStart: [Int]
    private(set) var entryPoint: Int32
    private(set) var maxLevel: Int
    /// Set while several threads build the graph (see `HNSWBuild.swift`).
    var locks: LinkLocks?

    var nodeCount: Int { levels.count }
    var stride0: Int { 1 + 2 * m }
    var strideUpper: Int { 1 + m }

    init(m: Int, efConstruction: Int, capacity: Int = 0) {
        self.m = m
        self.efConstruction = efConstruction
        level0 = GrowableBuffer(capacity: capacity * (1 + 2 * m))
        upper = GrowableBuffer()
        levels = []
        upperStart = []
        entryPoint = -1
        maxLevel = 0
        levels.reserveCapacity(capacity)
        upperStart.reserveCapacity(capacity)
    }

    /// A graph read back from a snapshot (already validated by the reader).
    init(m: Int, efConstruction: Int, levels: [UInt8], upperStart: [Int], level0: GrowableBuffer<Int32>,
         upper: GrowableBuffer<Int32>, entryPoint: Int32, maxLevel: Int) {
        self.m = m
        self.efConstruction = efConstruction
        self.levels = levels
        self.upperStart = upperStart
        self.level0 = level0
        self.upper = upper
        self.entryPoint = entryPoint
        self.maxLevel = maxLevel
    }

    /// The link list of `slot` on `layer`: element 0 is the count, the neighbours follow.
    @inline(__always)
    func links(_ slot: Int32, _ layer: Int) -> UnsafeMutablePointer<Int32> {
        layer == 0
            ? level0.base + Int(slot) * stride0
            : upper.base + upperStart[Int(slot)] + (layer - 1) * strideUpper
    }

    /// Top layer of a new slot: geometric with ratio 1/m (the paper's mL = 1/ln m), drawn from a
    /// hash of the slot so that replaying the journal rebuilds the very same graph.
    func randomLevel(_ slot: Int32) -> Int {
        var z = UInt64(UInt32(bitPattern: slot)) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let uniform = (Double(z >> 11) + 1) / 9_007_199_254_740_992  // (0, 1]
        return min(Int(-log(uniform) / log(Double(m))), 15)
    }

    /// Links the next slot of `storage` into every layer up to its level.
    func insert(_ slot: Int32, storage: VectorStorage, visited: VisitedSet) {
        allocate(slot)
        connect(slot, storage: storage, visited: visited)
    }

    /// Makes room for the links of the next slot (unconnected yet, so no search can reach it).
    func allocate(_ slot: Int32) {
        precondition(Int(slot) == nodeCount, "graph slots are added in order")
        let level = randomLevel(slot)
        levels.append(UInt8(level))
        upperStart.append(upper.count)
        level0.append(repeating: 0, count: stride0)
        if level > 0 { upper.append(repeating: 0, count: level * strideUpper) }
    }

    /// Links an allocated slot on every layer up to its level (the paper's INSERT).
    func connect(_ slot: Int32, storage: VectorStorage, visited: VisitedSet) {
        let level = Int(levels[Int(slot)])
        let (entry, top) = exclusive { (entryPoint, maxLevel) }
        guard entry >= 0 else {
            (entryPoint, maxLevel) = (slot, level)
            return
        }
        let query = storage.quantized(slot)
        var nearest = Scored(score: storage.similarity(query, entry), slot: entry)
        var layer = top
        while layer > level {
            nearest = greedyClosest(query, from: nearest, layer: layer, storage: storage)
            layer -= 1
        }
        for layer in stride(from: min(level, top), through: 0, by: -1) {
            let found = searchLayer(
                query, entry: nearest, ef: efConstruction, layer: layer,
                storage: storage, visited: visited, accept: nil, budget: .max)
            let chosen = selectNeighbours(found, limit: m, storage: storage)
            exclusive(slot) { setLinks(slot, layer, chosen) }
            for neighbour in chosen {
                exclusive(neighbour.slot) { link(neighbour.slot, to: slot, layer: layer, storage: storage) }
            }
            nearest = found[0]
        }
        exclusive {
            if level > maxLevel { (entryPoint, maxLevel) = (slot, level) }
        }
    }

    /// The paper's neighbour heuristic: keep a candidate only if it is closer to the base than
    /// to every neighbour already kept. Links then point in different directions, which keeps
    /// the graph navigable. `candidates` come best first.
    private func selectNeighbours(_ candidates: [Scored], limit: Int, storage: VectorStorage) -> [Scored] {
        guard candidates.count > limit else { return candidates }
        var chosen: [Scored] = []
        chosen.reserveCapacity(limit)
        for candidate in candidates {
            let vector = storage.quantized(candidate.slot)
            let diverse = chosen.allSatisfy { storage.similarity(vector, $0.slot) < candidate.score }
            if diverse {
                chosen.append(candidate)
                if chosen.count == limit { break }
            }
        }
        return chosen
    }

    /// Adds the back link `node → newcomer`; a full list is re-pruned with the heuristic.
    private func link(_ node: Int32, to newcomer: Int32, layer: Int, storage: VectorStorage) {
        let list = links(node, layer)
        let capacity = layer == 0 ? 2 * m : m
        let count = Int(list[0])
        if count < capacity {
            list[1 + count] = newcomer
            list[0] += 1
            return
        }
        let base = storage.quantized(node)
        var candidates = (0...count).map { i in
            let other = i < count ? list[1 + i] : newcomer
            return Scored(score: storage.similarity(base, other), slot: other)
        }
        candidates.sort { $0.score > $1.score }
        setLinks(node, layer, selectNeighbours(candidates, limit: capacity, storage: storage))
    }

    private func setLinks(_ slot: Int32, _ layer: Int, _ neighbours: [Scored]) {
        let list = links(slot, layer)
        list[0] = Int32(neighbours.count)
        for (i, neighbour) in neighbours.enumerated() { list[1 + i] = neighbour.slot }
    }
}
