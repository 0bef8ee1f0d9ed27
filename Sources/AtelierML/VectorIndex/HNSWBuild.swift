#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Striped mutexes over the link lists, plus one for the entry point, while several threads
/// build a graph. No thread ever holds two of them, so they cannot deadlock.
final class LinkLocks {
    private static let stripes = 1024
    private let mutexes = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: stripes + 1)

    init() {
        for i in 0...Self.stripes { pthread_mutex_init(mutexes + i, nil) }
    }

    deinit {
        for i in 0...Self.stripes { pthread_mutex_destroy(mutexes + i) }
        mutexes.deallocate()
    }

    /// `slot` nil: the entry-point lock.
    func withLock<Result>(_ slot: Int32?, _ body: () -> Result) -> Result {
        let mutex = mutexes + (slot.map { Int(UInt32(bitPattern: $0)) % Self.stripes } ?? Self.stripes)
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}

/// Lets the build threads share the graph; `LinkLocks` makes that safe.
private struct SharedBuild: @unchecked Sendable {
    let graph: HNSWGraph
    let storage: VectorStorage
    let visitedPool: VisitedPool
}

extension HNSWGraph {
    /// Runs `body` holding the lock of `slot` (nil: the entry point) if a parallel build is on.
    @inline(__always)
    func exclusive<Result>(_ slot: Int32? = nil, _ body: () -> Result) -> Result {
        guard let locks else { return body() }
        return locks.withLock(slot, body)
    }

    /// Calls `body` with each neighbour of `slot` on `layer`. During a parallel build the list is
    /// copied under its lock first, since another thread may be rewriting it.
    @inline(__always)
    func forEachNeighbour(of slot: Int32, _ layer: Int, _ body: (Int32) -> Void) {
        let list = links(slot, layer)
        guard let locks else {
            for i in 0..<Int(list[0]) { body(list[1 + i]) }
            return
        }
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * m) { copy in
            let count = locks.withLock(slot) {
                let count = Int(list[0])
                _ = copy.initialize(fromContentsOf: UnsafeBufferPointer(start: list + 1, count: count))
                return count
            }
            for i in 0..<count { body(copy[i]) }
        }
    }

    /// Links every slot of `storage` the graph does not hold yet, on up to `threads` threads.
    /// The order of insertion then varies from run to run, so the caller snapshots the result
    /// instead of relying on a journal replay to rebuild the same graph.
    func insertRemaining(of storage: VectorStorage, threads: Int, visitedPool: VisitedPool) {
        var next = nodeCount
        let end = storage.slotCount
        guard next < end else { return }
        for slot in next..<end { allocate(Int32(slot)) }
        let threads = max(1, min(threads, (end - next) / 1_000))  // for a few slots threads do not pay
        if entryPoint < 0 || threads == 1 {
            let serialEnd = threads == 1 ? end : next + 1  // the first node alone sets the entry point
            visitedPool.withSet { visited in
                for slot in next..<serialEnd { connect(Int32(slot), storage: storage, visited: visited) }
            }
            next = serialEnd
            guard next < end else { return }
        }
        locks = LinkLocks()
        defer { locks = nil }
        let shared = SharedBuild(graph: self, storage: storage, visitedPool: visitedPool)
        let first = next
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            shared.visitedPool.withSet { visited in
                for slot in stride(from: first + thread, to: end, by: threads) {
                    shared.graph.connect(Int32(slot), storage: shared.storage, visited: visited)
                }
            }
        }
    }
}
