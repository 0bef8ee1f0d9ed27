/// A slot of the index with its similarity to the query.
struct Scored {
    var score: Float
    var slot: Int32
}

/// Binary heap of scored slots. `bestFirst` pops the highest score first (the queue of
/// candidates to expand); otherwise the lowest (a bounded result set evicting its worst).
struct ScoredHeap {
    private(set) var items: [Scored] = []
    let bestFirst: Bool

    init(bestFirst: Bool, capacity: Int = 0) {
        self.bestFirst = bestFirst
        items.reserveCapacity(capacity)
    }

    var count: Int { items.count }
    var top: Scored? { items.first }

    @inline(__always)
    private func above(_ a: Scored, _ b: Scored) -> Bool {
        bestFirst ? a.score > b.score : a.score < b.score
    }

    mutating func push(_ element: Scored) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard above(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func pop() -> Scored? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            siftDown()
        }
        return first
    }

    /// Keeps the best `limit` elements offered: a lowest-first heap used as a top-k collector.
    mutating func offer(_ element: Scored, limit: Int) {
        if items.count < limit {
            push(element)
        } else if let worst = items.first, element.score > worst.score {
            items[0] = element
            siftDown()
        }
    }

    private mutating func siftDown() {
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var next = parent
            if left < items.count, above(items[left], items[next]) { next = left }
            if right < items.count, above(items[right], items[next]) { next = right }
            if next == parent { return }
            items.swapAt(parent, next)
            parent = next
        }
    }

    /// The elements, highest score first.
    func sortedBestFirst() -> [Scored] {
        items.sorted { $0.score > $1.score || ($0.score == $1.score && $0.slot < $1.slot) }
    }
}
