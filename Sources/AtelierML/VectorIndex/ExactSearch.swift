#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import Foundation

extension VectorStorage {
    /// Exact top-`limit` live slots by similarity to `query`.
    ///
    /// Without a filter: one `cblas_sgemv` over the whole matrix (tombstones included, it is
    /// cheaper than skipping them), then a top-k pass over the live slots. With a filter, the
    /// filter runs first and only passing slots get a dot product, so selective filters are cheap.
    func exactSearch(_ query: UnsafePointer<Float>, limit: Int, filter: ((UUID) -> Bool)?) -> [Scored] {
        guard limit > 0, liveCount > 0 else { return [] }
        var best = ScoredHeap(bestFirst: false, capacity: limit)
        if let filter {
            for slot in 0..<Int32(slotCount) where isLive[Int(slot)] && filter(keys[Int(slot)]) {
                best.offer(Scored(score: dot(query, vector(slot), dimensions), slot: slot), limit: limit)
            }
            return best.sortedBestFirst()
        }
        var scores = [Float](repeating: 0, count: slotCount)
        scores.withUnsafeMutableBufferPointer { out in
            cblas_sgemv(
                CblasRowMajor, CblasNoTrans, Int32(slotCount), Int32(dimensions),
                1, vectors.base, Int32(dimensions), query, 1, 0, out.baseAddress, 1)
        }
        isLive.withUnsafeBufferPointer { live in
            for slot in 0..<slotCount where live[slot] {
                best.offer(Scored(score: scores[slot], slot: Int32(slot)), limit: limit)
            }
        }
        return best.sortedBestFirst()
    }
}
