import Foundation

/// Row ids: UUIDv7 strings. Time-ordered, so "newest first" and cursors are an ORDER BY on the id.
public enum Identifier {
    public static func make(now: Date = Date()) -> String {
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - UInt64(i)))) }
        let tail = sequence.next(millis: millis)
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

/// The 74 bits after the timestamp: random, except that ids made in the same millisecond count up
/// from the previous one (RFC 9562, method 3), so two ledger rows written in one millisecond still
/// sort in the order they were written.
private final class MonotonicTail: @unchecked Sendable {
    private let lock = NSLock()
    private var lastMillis: UInt64 = 0
    private var high: UInt16 = 0  // 12 bits used
    private var low: UInt64 = 0   // 62 bits used

    func next(millis: UInt64) -> (high: UInt16, low: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        var random = SystemRandomNumberGenerator()
        if millis == lastMillis {
            let (sum, overflow) = (low & 0x3FFF_FFFF_FFFF_FFFF).addingReportingOverflow(UInt64.random(in: 1...0xFFFF, using: &random))
            low = sum & 0x3FFF_FFFF_FFFF_FFFF
            if overflow || sum > 0x3FFF_FFFF_FFFF_FFFF { high = (high + 1) & 0x0FFF }
        } else {
            lastMillis = millis
            high = UInt16.random(in: 0...0x07FF, using: &random)  // headroom to count up
            low = UInt64.random(in: 0...0x1FFF_FFFF_FFFF_FFFF, using: &random)
        }
        return (high, low)
    }
}
