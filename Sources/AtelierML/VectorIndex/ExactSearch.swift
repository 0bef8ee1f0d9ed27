import Foundation

extension VectorStorage {
    /// Exact top-`limit` live slots by similarity to `query` (scores from the int8 codes, as
    /// every search's are). With a filter, the filter runs first and only passing slots get a
    /// dot product, so selective filters are cheap.
    func exactSearch(_ query: UnsafePointer<Float>, limit: Int, filter: ((UUID) -> Bool)?) -> [Scored] {
        guard limit > 0, liveCount > 0 else { return [] }
        var best = ScoredHeap(bestFirst: false, capacity: limit)
        isLive.withUnsafeBufferPointer { live in
            for slot in 0..<Int32(slotCount) where live[Int(slot)] && filter?(keys[Int(slot)]) != false {
                best.offer(Scored(score: score(query, slot), slot: slot), limit: limit)
            }
        }
        return best.sortedBestFirst()
    }
}
