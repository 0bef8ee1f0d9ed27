#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The whole index in one file, `index.snapshot`, little-endian:
///
///     header    "ATVXSNAP", version u32 = 2, dimensions u32, generation u64, slots u64,
///               m u32 (0: no graph), efConstruction u32, entry point i32, top layer i32,
///               16 reserved bytes (64 bytes in all)
///     keys      slots × 16 bytes (UUID)
///     live      slots × u8 (1 live, 0 tombstone)
///     codes     slots × dimensions × i8 (version 1: slots × dimensions × f32, no scales)
///     scales    slots × f32 (a vector ≈ its codes × its scale)
///     graph, only when m > 0:
///       levels  slots × u8 (top layer of each slot)
///       layer 0 slots × (1 + 2m) × i32 (count, then neighbour slots)
///       upper   Σ levels × (1 + m) × i32, slot by slot, from layer 1 up
///     checksum  u64 of everything before it
///
/// Written to `index.snapshot.tmp`, fsynced, then renamed over the old file, so a crash at any
/// moment leaves the previous snapshot or the new one whole, never a mix.
enum IndexSnapshot {
    static let magic = Array("ATVXSNAP".utf8)

    static func write(storage: VectorStorage, graph: HNSWGraph?, generation: UInt64, to url: URL) throws {
        let temporary = url.appendingPathExtension("tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary.path])
        }
        let handle = try FileHandle(forWritingTo: temporary)
        defer { try? handle.close() }
        var checksum = Checksum()
        func emit(_ bytes: UnsafeRawBufferPointer) throws {
            var offset = 0
            while offset < bytes.count {  // in chunks: one huge write(2) is not portable
                let chunk = UnsafeRawBufferPointer(rebasing: bytes[offset..<min(offset + (64 << 20), bytes.count)])
                checksum.update(chunk)
                try handle.write(contentsOf: Data(
                    bytesNoCopy: UnsafeMutableRawPointer(mutating: chunk.baseAddress!),
                    count: chunk.count, deallocator: .none))
                offset += chunk.count
            }
        }
        var header = Data(magic)
        header.appendRaw(UInt32(2))
        header.appendRaw(UInt32(storage.dimensions))
        header.appendRaw(generation)
        header.appendRaw(UInt64(storage.slotCount))
        header.appendRaw(UInt32(graph?.m ?? 0))
        header.appendRaw(UInt32(graph?.efConstruction ?? 0))
        header.appendRaw(graph?.entryPoint ?? -1)
        header.appendRaw(Int32(graph?.maxLevel ?? 0))
        header.append(Data(count: 16))
        try header.withUnsafeBytes(emit)
        try storage.keys.map(\.uuid).withUnsafeBytes(emit)
        try storage.isLive.withUnsafeBytes(emit)
        try emit(UnsafeRawBufferPointer(storage.codes.buffer))
        try emit(UnsafeRawBufferPointer(storage.scales.buffer))
        if let graph {
            try graph.levels.withUnsafeBytes(emit)
            try emit(UnsafeRawBufferPointer(graph.level0.buffer))
            try emit(UnsafeRawBufferPointer(graph.upper.buffer))
        }
        try handle.write(contentsOf: withUnsafeBytes(of: checksum.value) { Data($0) })
        try handle.synchronize()
        guard rename(temporary.path, url.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        syncDirectory(url.deletingLastPathComponent())
    }

    /// Makes the rename itself durable.
    static func syncDirectory(_ directory: URL) {
        let descriptor = open(directory.path, O_RDONLY)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        _ = close(descriptor)
    }

    /// Reads and fully validates a snapshot: damage throws, it never traps later in a search.
    static func read(_ url: URL, dimensions: Int) throws -> (VectorStorage, HNSWGraph?, generation: UInt64) {
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        return try data.withUnsafeBytes { file in
            guard file.count >= 72 else { throw VectorIndexError.corrupted("snapshot is truncated") }
            let body = UnsafeRawBufferPointer(rebasing: file[..<(file.count - 8)])
            var checksum = Checksum()
            checksum.update(body)
            guard checksum.value == file.loadUnaligned(fromByteOffset: body.count, as: UInt64.self) else {
                throw VectorIndexError.corrupted("snapshot checksum does not match (truncated or damaged)")
            }
            var reader = ByteReader(body)
            guard Array(try reader.take(8)) == magic, case let version = try reader.read(UInt32.self), (1...2).contains(version) else {
                throw VectorIndexError.corrupted("not an index snapshot")
            }
            let storedDimensions = Int(try reader.read(UInt32.self))
            guard storedDimensions == dimensions else {
                throw VectorIndexError.dimensionMismatch(expected: dimensions, actual: storedDimensions)
            }
            let generation = try reader.read(UInt64.self)
            let slotCount = try reader.read(UInt64.self)
            let m = Int(try reader.read(UInt32.self))
            let efConstruction = Int(try reader.read(UInt32.self))
            let entryPoint = try reader.read(Int32.self)
            let maxLevel = Int(try reader.read(Int32.self))
            _ = try reader.take(16)
            guard slotCount < UInt64(Int32.max), m == 0 || (2...1024).contains(m) && efConstruction >= 1,
                  UInt64(body.count) >= slotCount * UInt64(17 + dimensions)
            else { throw VectorIndexError.corrupted("snapshot header is inconsistent") }
            let slots = Int(slotCount)
            let storage = try readStorage(&reader, version: version, slots: slots, dimensions: dimensions)
            var graph: HNSWGraph?
            if m > 0 {
                graph = try readGraph(
                    &reader, slots: slots, m: m, efConstruction: efConstruction,
                    entryPoint: entryPoint, maxLevel: maxLevel)
            }
            guard reader.remaining == 0 else { throw VectorIndexError.corrupted("snapshot has trailing bytes") }
            return (storage, graph, generation)
        }
    }

    private static func readStorage(_ reader: inout ByteReader, version: UInt32, slots: Int, dimensions: Int) throws -> VectorStorage {
        let keys = try reader.readArray(uuid_t.self, count: slots).map(UUID.init(uuid:))
        let live = try reader.readArray(UInt8.self, count: slots)
        guard live.allSatisfy({ $0 <= 1 }) else { throw VectorIndexError.corrupted("snapshot live flags") }
        let storage = VectorStorage(dimensions: dimensions, capacity: slots)
        let isLive = live.map { $0 == 1 }
        if version == 1 {
            try storage.load(keys: keys, isLive: isLive, floats: try reader.take(slots * dimensions * 4))
        } else {
            let codes = try reader.take(slots * dimensions)
            let scales = try reader.readArray(Float.self, count: slots)
            guard scales.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw VectorIndexError.corrupted("snapshot scales") }
            try storage.load(keys: keys, isLive: isLive, codes: codes, scales: scales)
        }
        return storage
    }

    /// Reads the graph and checks every link, so a search can follow them without bounds checks.
    private static func readGraph(
        _ reader: inout ByteReader, slots: Int, m: Int, efConstruction: Int, entryPoint: Int32, maxLevel: Int
    ) throws -> HNSWGraph {
        let damaged = VectorIndexError.corrupted("snapshot graph is inconsistent")
        let levels = try reader.readArray(UInt8.self, count: slots)
        let level0 = try reader.readArray(Int32.self, count: slots * (1 + 2 * m))
        var upperStart = [Int](repeating: 0, count: slots)
        var upperCount = 0
        for slot in 0..<slots {
            guard Int(levels[slot]) <= maxLevel else { throw damaged }
            upperStart[slot] = upperCount
            upperCount += Int(levels[slot]) * (1 + m)
        }
        let upper = try reader.readArray(Int32.self, count: upperCount)
        func check(_ list: ArraySlice<Int32>, capacity: Int, layer: Int) throws {
            let count = Int(list.first!)
            guard count >= 0, count <= capacity else { throw damaged }
            for neighbour in list.dropFirst().prefix(count) {
                guard neighbour >= 0, Int(neighbour) < slots, Int(levels[Int(neighbour)]) >= layer else { throw damaged }
            }
        }
        for slot in 0..<slots {
            try check(level0[slot * (1 + 2 * m)..<(slot + 1) * (1 + 2 * m)], capacity: 2 * m, layer: 0)
            for layer in stride(from: 1, through: Int(levels[slot]), by: 1) {
                let start = upperStart[slot] + (layer - 1) * (1 + m)
                try check(upper[start..<start + 1 + m], capacity: m, layer: layer)
            }
        }
        if slots == 0 {
            guard entryPoint == -1 else { throw damaged }
        } else {
            guard entryPoint >= 0, Int(entryPoint) < slots, Int(levels[Int(entryPoint)]) == maxLevel else { throw damaged }
        }
        return HNSWGraph(
            m: m, efConstruction: efConstruction, levels: levels, upperStart: upperStart,
            level0: GrowableBuffer(copying: level0), upper: GrowableBuffer(copying: upper),
            entryPoint: entryPoint, maxLevel: maxLevel)
    }
}
