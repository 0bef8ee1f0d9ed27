/// A manually managed, growable array of plain values. Hot loops read it through `base`
/// without copy-on-write or exclusivity checks; the index lock guards every access.
final class GrowableBuffer<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int = 0) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    convenience init(copying elements: [Element]) {
        self.init(capacity: elements.count)
        elements.withUnsafeBufferPointer { if let start = $0.baseAddress { append(start, count: $0.count) } }
    }

    deinit { base.deallocate() }

    func reserve(_ minimum: Int) {
        guard minimum > capacity else { return }
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: minimum)
        grown.moveInitialize(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = minimum
    }

    /// Makes room for `extra` more elements, growing by half (not doubling: 1M vectors are 1.5 GB).
    private func grow(by extra: Int) {
        if count + extra > capacity { reserve(max(count + extra, capacity + capacity / 2)) }
    }

    func append(_ source: UnsafePointer<Element>, count extra: Int) {
        grow(by: extra)
        (base + count).initialize(from: source, count: extra)
        count += extra
    }

    func append(repeating value: Element, count extra: Int) {
        grow(by: extra)
        (base + count).initialize(repeating: value, count: extra)
        count += extra
    }

    var buffer: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: base, count: count) }
}
