import Foundation

/// The slots one search has reached. A generation stamp per slot makes clearing O(1), which
/// matters: zeroing a million flags per query would cost more than the search itself.
final class VisitedSet {
    private var stamps = UnsafeMutablePointer<UInt16>.allocate(capacity: 0)
    private var capacity = 0
    private var generation: UInt16 = 0

    deinit { stamps.deallocate() }

    func begin(count: Int) {
        if count > capacity {
            stamps.deallocate()
            capacity = count + count / 2
            stamps = .allocate(capacity: capacity)
            stamps.initialize(repeating: 0, count: capacity)
            generation = 0
        }
        generation &+= 1
        if generation == 0 {  // wrapped: old stamps could collide
            stamps.update(repeating: 0, count: capacity)
            generation = 1
        }
    }

    /// Marks `slot`; returns false when it was already marked.
    @inline(__always) @discardableResult
    func insert(_ slot: Int32) -> Bool {
        if stamps[Int(slot)] == generation { return false }
        stamps[Int(slot)] = generation
        return true
    }
}

/// Visited sets for concurrent searches, reused across queries.
final class VisitedPool: @unchecked Sendable {  // `free` is guarded by `lock`
    private let lock = NSLock()
    private var free: [VisitedSet] = []

    func withSet<Result>(_ body: (VisitedSet) throws -> Result) rethrows -> Result {
        let set = lock.withLock { free.popLast() } ?? VisitedSet()
        defer { lock.withLock { free.append(set) } }
        return try body(set)
    }
}
