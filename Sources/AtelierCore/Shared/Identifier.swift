import Foundation

/// Row ids: UUIDv7 strings. Time-ordered, so "newest first" and cursors are an ORDER BY on the id.
public enum Identifier {
    public static func make(now: Date = Date()) -> String {
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - UInt64(i)))) }
        let tail = sequence.next()
        for i in 0..<8 { bytes[8 + i] = UInt8(truncatingIfNeeded: tail.low >> (8 * (7 - UInt64(i)))) }
        bytes[6] = 0x70 | UInt8(tail.high >> 8 & 0x0F)  // version 7
        bytes[7] = UInt8(truncatingIfNeeded: tail.high)
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, digit) in Hex.encode(bytes).utf8.enumerated() {
            if index == 8 || index == 12 || index == 16 || index == 20 { text.append(UInt8(ascii: "-")) }
            text.append(digit)
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// True for the shape `make` produces; anything else can be rejected before touching storage.
    public static func isWellFormed(_ id: String) -> Bool {
        id.utf8.count == 36 && UUID(uuidString: id) != nil
    }

    private static let sequence = MonotonicTail()
}

/// The 74 bits after the timestamp: a counter that starts at random and goes up by a random step
/// with every id the process makes (RFC 9562, method 3, not reseeded per millisecond). Ids made in
/// one millisecond therefore sort in the order they were made, even when ids for other times (a `now`
/// passed in) are made between them; reseeding on each new millisecond broke that, and two ledger
/// rows of one millisecond could swap. The random step keeps neighbouring ids unguessable.
private final class MonotonicTail: @unchecked Sendable {
    private let lock = NSLock()
    private var high = UInt16.random(in: 0...0x07FF)  // 12 bits used; headroom to count up
    private var low = UInt64.random(in: 0...0x1FFF_FFFF_FFFF_FFFF)  // 62 bits used

    func next() -> (high: UInt16, low: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        low += UInt64.random(in: 1...UInt64(UInt32.max))
        if low > 0x3FFF_FFFF_FFFF_FFFF {
            low &= 0x3FFF_FFFF_FFFF_FFFF
            high = (high + 1) & 0x0FFF
        }
        return (high, low)
    }
}
