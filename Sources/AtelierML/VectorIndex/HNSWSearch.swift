import Foundation

extension HNSWGraph {
    /// The best `max(ef, limit)` accepted slots for `query`, by quantized similarity: greedy
    /// descent through the upper layers, then a best-first search of layer 0.
    func search(
        _ query: QuantizedVector, limit: Int, ef: Int, storage: VectorStorage,
        visited: VisitedSet, accept: ((Int32) -> Bool)?, budget: Int
    ) -> [Scored] {
        guard entryPoint >= 0, limit > 0 else { return [] }
        var nearest = Scored(score: storage.similarity(query, entryPoint), slot: entryPoint)
        for layer in stride(from: maxLevel, to: 0, by: -1) {
            nearest = greedyClosest(query, from: nearest, layer: layer, storage: storage)
        }
        return searchLayer(
            query, entry: nearest, ef: max(ef, limit), layer: 0,
            storage: storage, visited: visited, accept: accept, budget: budget)
    }

    /// Greedy walk on an upper layer: move to a closer neighbour until none is closer.
    func greedyClosest(
        _ query: QuantizedVector, from start: Scored, layer: Int, storage: VectorStorage
    ) -> Scored {
        var nearest = start
        var moved = true
        while moved {
            moved = false
            forEachNeighbour(of: nearest.slot, layer) { next in
                let score = storage.similarity(query, next)
                if score > nearest.score {
                    nearest = Scored(score: score, slot: next)
                    moved = true
                }
            }
        }
        return nearest
    }

    /// Best-first search of one layer from `entry` (the paper's SEARCH-LAYER). Every reached
    /// slot steers the walk, but only `accept`ed ones (live, passing the filter) become
    /// results, so a filter never strands the search: while fewer than `ef` results are found
    /// the walk keeps widening. It stops early once more than `budget` vectors were compared
    /// (the caller falls back to exact search if that left it short). Results come best first.
    func searchLayer(
        _ query: QuantizedVector, entry: Scored, ef: Int, layer: Int, storage: VectorStorage,
        visited: VisitedSet, accept: ((Int32) -> Bool)?, budget: Int
    ) -> [Scored] {
        visited.begin(count: nodeCount)
        visited.insert(entry.slot)
        var candidates = ScoredHeap(bestFirst: true, capacity: 2 * ef)
        var results = ScoredHeap(bestFirst: false, capacity: ef + 1)
        candidates.push(entry)
        if accept?(entry.slot) ?? true { results.push(entry) }
        var compared = 0
        // A node's unvisited neighbours, gathered (and their vectors prefetched) before any is compared.
        let fresh = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * m)
        defer { fresh.deallocate() }
        while let current = candidates.pop(), compared <= budget {
            if results.count >= ef, current.score < results.top!.score { break }
            var count = 0
            forEachNeighbour(of: current.slot, layer) { next in
                guard visited.insert(next) else { return }
                storage.prefetch(next)
                fresh[count] = next
                count += 1
            }
            for next in UnsafeBufferPointer(start: fresh, count: count) {
                let score = storage.similarity(query, next)
                compared += 1
                guard results.count < ef || score > results.top!.score else { continue }
                candidates.push(Scored(score: score, slot: next))
                if accept?(next) ?? true {
                    results.push(Scored(score: score, slot: next))
                    if results.count > ef { results.pop() }
                }
            }
        }
        return results.sortedBestFirst()
    }
}
