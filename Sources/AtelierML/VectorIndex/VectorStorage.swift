import Foundation

/// The vectors of an index as one contiguous row-major matrix (slot × dimensions), so exact
/// search is a single BLAS matrix–vector product, with the key of every slot. A removed
/// key leaves a tombstone (its slot stays, marked dead) until the index compacts.
final class VectorStorage {
    let dimensions: Int
    let vectors: GrowableBuffer<Float>
    /// The int8 form of every vector, for the graph walk (see `QuantizedVector`).
    let codes: GrowableBuffer<Int8>
    let scales: GrowableBuffer<Float>
    private(set) var keys: [UUID] = []
    private(set) var isLive: [Bool] = []
    private(set) var slotOfKey: [UUID: Int32] = [:]

    init(dimensions: Int, capacity: Int = 0) {
        self.dimensions = dimensions
        vectors = GrowableBuffer(capacity: capacity * dimensions)
        codes = GrowableBuffer(capacity: capacity * dimensions)
        scales = GrowableBuffer(capacity: capacity)
        keys.reserveCapacity(capacity)
        isLive.reserveCapacity(capacity)
        slotOfKey.reserveCapacity(capacity)
    }

    var slotCount: Int { keys.count }
    var liveCount: Int { slotOfKey.count }
    var deadCount: Int { slotCount - liveCount }

    @inline(__always)
    func vector(_ slot: Int32) -> UnsafePointer<Float> {
        UnsafePointer(vectors.base + Int(slot) * dimensions)
    }

    @inline(__always)
    func quantized(_ slot: Int32) -> QuantizedVector {
        QuantizedVector(codes: codes.base + Int(slot) * dimensions, scale: scales.base[Int(slot)])
    }

    /// Quantized similarity of `query` and a slot's vector: cheap, approximate.
    @inline(__always)
    func similarity(_ query: QuantizedVector, _ slot: Int32) -> Float {
        dot(query, quantized(slot), dimensions)
    }

    /// Appends a slot; `key` must not be live (the index removes the old vector first).
    @discardableResult
    func append(_ key: UUID, _ vector: UnsafePointer<Float>, live: Bool = true) -> Int32 {
        let slot = Int32(slotCount)
        vectors.append(vector, count: dimensions)
        appendCodes(vector)
        keys.append(key)
        isLive.append(live)
        if live { slotOfKey[key] = slot }
        return slot
    }

    /// Fills an empty storage with a snapshot's contents; a live key found twice throws.
    func load(keys: [UUID], isLive: [Bool], vectorBytes: UnsafeRawBufferPointer) throws {
        precondition(slotCount == 0 && vectorBytes.count == keys.count * dimensions * 4)
        vectors.reserve(keys.count * dimensions)
        codes.reserve(keys.count * dimensions)
        scales.reserve(keys.count)
        vectors.append(repeating: 0, count: keys.count * dimensions)
        UnsafeMutableRawBufferPointer(vectors.buffer).copyMemory(from: vectorBytes)
        for slot in 0..<keys.count { appendCodes(vectors.base + slot * dimensions) }
        self.keys = keys
        self.isLive = isLive
        for (slot, key) in keys.enumerated() where isLive[slot] {
            guard slotOfKey.updateValue(Int32(slot), forKey: key) == nil else {
                throw VectorIndexError.corrupted("snapshot has a key twice")
            }
        }
    }

    private func appendCodes(_ vector: UnsafePointer<Float>) {
        codes.append(repeating: 0, count: dimensions)
        let scale = quantize(vector, dimensions, into: codes.base + codes.count - dimensions)
        scales.append(repeating: scale, count: 1)
    }

    /// Tombstones the slot of `key`; returns whether the key was live.
    func remove(_ key: UUID) -> Bool {
        guard let slot = slotOfKey.removeValue(forKey: key) else { return false }
        isLive[Int(slot)] = false
        return true
    }

    /// An independent copy with the same slots (tombstones included): a graph built on it fits
    /// this storage as long as no compaction renumbers the slots.
    func copy() -> VectorStorage {
        let copy = VectorStorage(dimensions: dimensions, capacity: slotCount)
        copy.vectors.append(vectors.base, count: vectors.count)
        copy.codes.append(codes.base, count: codes.count)
        copy.scales.append(scales.base, count: scales.count)
        copy.keys = keys
        copy.isLive = isLive
        copy.slotOfKey = slotOfKey
        return copy
    }

    /// A copy holding only the live vectors, in slot order, without tombstones.
    func compacted() -> VectorStorage {
        let copy = VectorStorage(dimensions: dimensions, capacity: liveCount)
        for slot in 0..<Int32(slotCount) where isLive[Int(slot)] {
            copy.append(keys[Int(slot)], vector(slot))
        }
        return copy
    }
}
