import Foundation

/// Why opening or changing an index failed.
public enum VectorIndexError: Error, Equatable, Sendable {
    /// A file of the index folder is damaged; rebuild the index from the database.
    case corrupted(String)
    /// A vector (or the folder) has other dimensions than the index.
    case dimensionMismatch(expected: Int, actual: Int)
    /// A vector with a non-finite component, or of length zero.
    case invalidVector
}

/// A 64-bit checksum over a byte stream, independent of how the stream is cut into pieces
/// (the snapshot is written in chunks but verified in one pass). Multiply–xorshift per
/// 8-byte word: it catches torn writes and flipped bits; it is not cryptographic.
struct Checksum {
    private var state: UInt64 = 0xCBF2_9CE4_8422_2325
    private var pending: UInt64 = 0
    private var pendingBytes = 0

    @inline(__always)
    private mutating func mix(_ word: UInt64) {
        state = (state ^ word) &* 0x9E37_79B9_7F4A_7C15
        state ^= state >> 29
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var i = 0
        while pendingBytes > 0, i < bytes.count { takeByte(bytes[i]); i += 1 }
        while i + 8 <= bytes.count {
            mix(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        while i < bytes.count { takeByte(bytes[i]); i += 1 }
    }

    mutating func update(_ data: Data) { data.withUnsafeBytes { update($0) } }

    private mutating func takeByte(_ byte: UInt8) {
        pending |= UInt64(byte) << (8 * pendingBytes)
        pendingBytes += 1
        if pendingBytes == 8 {
            mix(pending)
            pending = 0
            pendingBytes = 0
        }
    }

    var value: UInt64 {
        var copy = self
        copy.mix(pending ^ (UInt64(pendingBytes) << 56))
        return copy.state
    }
}

extension Data {
    /// Appends the raw (little-endian on every supported platform) bytes of a value.
    mutating func appendRaw<T: BitwiseCopyable>(_ value: T) {
        Swift.withUnsafeBytes(of: value) { append(contentsOf: $0) }
    }
}

/// Bounds-checked reads from a file's bytes: a short or damaged file throws, never traps.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func read<T: BitwiseCopyable>(_: T.Type = T.self) throws -> T {
        let raw = try take(MemoryLayout<T>.size)
        return raw.loadUnaligned(as: T.self)
    }

    mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else { throw VectorIndexError.corrupted("file is truncated") }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
    }

    /// Copies `count` values into a new array.
    mutating func readArray<T: BitwiseCopyable>(_: T.Type, count: Int) throws -> [T] {
        let raw = try take(count * MemoryLayout<T>.stride)
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
            initialized = count
        }
    }
}
