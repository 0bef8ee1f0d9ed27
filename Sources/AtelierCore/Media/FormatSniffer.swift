import Foundation

/// Recognises an image by its magic bytes; what the client says the type is never counts.
public enum FormatSniffer {
    public static func format(of data: Data) -> ImageFormat? {
        let head = [UInt8](data.prefix(32))
        func ascii(_ range: Range<Int>) -> String? {
            guard head.count >= range.upperBound else { return nil }
            return String(bytes: head[range], encoding: .ascii)
        }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if ascii(0..<4) == "RIFF", ascii(8..<12) == "WEBP" { return .webp }
        if ascii(4..<8) == "ftyp" { return isobmff(data) }
        return nil
    }

    /// HEIF and AVIF share a container: the major and compatible brands in the `ftyp` box tell them apart.
    private static func isobmff(_ data: Data) -> ImageFormat? {
        let bytes = [UInt8](data.prefix(64))
        guard bytes.count >= 16 else { return nil }
        let boxSize = min(Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3]), bytes.count)
        guard boxSize >= 16 else { return nil }
        var brands = [String(decoding: bytes[8..<12], as: UTF8.self)]
        var offset = 16
        while offset + 4 <= boxSize {
            brands.append(String(decoding: bytes[offset..<offset + 4], as: UTF8.self))
            offset += 4
        }
        if brands.contains(where: { ["avif", "avis"].contains($0) }) { return .avif }
        if brands.contains(where: { ["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"].contains($0) }) { return .heic }
        return nil
    }
}
