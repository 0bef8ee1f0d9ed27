import Foundation

/// Row ids: UUIDv7 strings. Time-ordered, so "newest first" and cursors are an ORDER BY on the id.
public enum Identifier {
    public static func make(now: Date = Date()) -> String {
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - UInt64(i)))) }
        var random = SystemRandomNumberGenerator()
        for i in 6..<16 { bytes[i] = random.next() }
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    /// True for the shape `make` produces; anything else can be rejected before touching storage.
    public static func isWellFormed(_ id: String) -> Bool {
        id.utf8.count == 36 && UUID(uuidString: id) != nil
    }
}
