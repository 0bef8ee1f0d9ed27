import CPackedGEMM
import Foundation

/// The vectors of an index, each kept only in int8 form (see `QuantizedVector`): a quarter of
/// float32's memory (38 MB instead of 154 MB for 100,000 vectors of 384), with scores within
/// ~5e-4 of float32 ones — far inside the gaps that decide a search. One contiguous row-major
/// matrix (slot × dimensions) with the key of every slot. A removed key leaves a tombstone
/// (its slot stays, marked dead) until the index compacts.
final class VectorStorage {
    let dimensions: Int
    let codes: GrowableBuffer<Int8>
    let scales: GrowableBuffer<Float>
    private(set) var keys: [UUID] = []
    private(set) var isLive: [Bool] = []
    private(set) var slotOfKey: [UUID: Int32] = [:]

    init(dimensions: Int, capacity: Int = 0) {
        self.dimensions = dimensions
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
    func quantized(_ slot: Int32) -> QuantizedVector {
        QuantizedVector(codes: codes.base + Int(slot) * dimensions, scale: scales.base[Int(slot)])
    }

    /// Quantized similarity of `query` and a slot's vector: cheap, approximate (the graph walk).
    @inline(__always)
    func similarity(_ query: QuantizedVector, _ slot: Int32) -> Float {
        dot(query, quantized(slot), dimensions)
    }

    /// Starts loading a slot's vector into the caches: the graph walk asks for all of a node's
    /// unvisited neighbours first, so their cache misses overlap instead of coming one by one.
    @inline(__always)
    func prefetch(_ slot: Int32) {
        memory_prefetch(codes.base + Int(slot) * dimensions, Int32(dimensions))
        memory_prefetch(scales.base + Int(slot), 4)
    }

    /// Similarity of a float query and a slot's vector: the score searches return.
    @inline(__always)
    func score(_ query: UnsafePointer<Float>, _ slot: Int32) -> Float {
        float_int8_dot(query, codes.base + Int(slot) * dimensions, Int32(dimensions)) * scales.base[Int(slot)]
    }

    /// Room for `count` more vectors without regrowing.
    func reserve(_ count: Int) {
        codes.reserve((slotCount + count) * dimensions)
        scales.reserve(slotCount + count)
    }

    /// Appends a slot; `key` must not be live (the index removes the old vector first).
    @discardableResult
    func append(_ key: UUID, _ vector: UnsafePointer<Float>, live: Bool = true) -> Int32 {
        let slot = Int32(slotCount)
        appendCodes(vector)
        keys.append(key)
        isLive.append(live)
        if live { slotOfKey[key] = slot }
        return slot
    }

    /// Fills an empty storage with a snapshot's contents (`codes`: slots × dimensions, `scales`:
    /// one per slot); a live key found twice throws.
    func load(keys: [UUID], isLive: [Bool], codes: UnsafeRawBufferPointer, scales: [Float]) throws {
        precondition(slotCount == 0 && codes.count == keys.count * dimensions && scales.count == keys.count)
        self.codes.append(codes.assumingMemoryBound(to: Int8.self).baseAddress!, count: codes.count)
        self.scales.append(scales, count: scales.count)
        try load(keys: keys, isLive: isLive)
    }

    /// The same from a version-1 snapshot, which kept float vectors (quantised as they load).
    func load(keys: [UUID], isLive: [Bool], floats: UnsafeRawBufferPointer) throws {
        precondition(slotCount == 0 && floats.count == keys.count * dimensions * 4)
        reserve(keys.count)
        var vector = [Float](repeating: 0, count: dimensions)
        for slot in 0..<keys.count {
            vector.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: floats[slot * dimensions * 4..<(slot + 1) * dimensions * 4])) }
            vector.withUnsafeBufferPointer { appendCodes($0.baseAddress!) }
        }
        try load(keys: keys, isLive: isLive)
    }

    private func load(keys: [UUID], isLive: [Bool]) throws {
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
        for slot in 0..<slotCount where isLive[slot] {
            copy.codes.append(codes.base + slot * dimensions, count: dimensions)
            copy.scales.append(scales.base + slot, count: 1)
            copy.keys.append(keys[slot])
            copy.isLive.append(true)
            copy.slotOfKey[keys[slot]] = Int32(copy.keys.count - 1)
        }
        return copy
    }
}
