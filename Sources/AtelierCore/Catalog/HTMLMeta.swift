import Foundation

/// What a listing page says about itself, read by a small tolerant scanner (no HTML library):
/// JSON-LD script blocks, meta tags, the canonical link and the title. Comments are skipped and
/// the content of other scripts and styles is never mistaken for tags. Broken markup yields less,
/// never a crash.
struct HTMLMeta {
    /// The text of each `<script type="application/ld+json">`, in page order.
    var jsonLD: [String] = []
    /// Meta values by lowercased `property`, `name` or `itemprop`, in page order (og:image repeats).
    var meta: [String: [String]] = [:]
    var canonical: String?
    var title: String?

    init(html: String) {
        let bytes = Array(html.utf8)
        var index = 0
        while let open = Self.find(UInt8(ascii: "<"), in: bytes, from: index) {
            if Self.hasPrefix("<!--", bytes, at: open) {
                index = Self.find("-->", in: bytes, from: open + 4).map { $0 + 3 } ?? bytes.count
                continue
            }
            guard let tag = Self.tag(in: bytes, at: open) else {
                index = open + 1
                continue
            }
            index = tag.end
            switch tag.name {
            case "script", "style", "title", "textarea", "noscript":
                // Raw text up to the closing tag.
                let close = Self.find("</\(tag.name)", in: bytes, from: tag.end) ?? bytes.count
                let text = String(decoding: bytes[tag.end..<close], as: UTF8.self)
                index = close
                if tag.name == "script", Self.mediaType(tag.attributes["type"]) == "application/ld+json" {
                    jsonLD.append(text)
                } else if tag.name == "title", title == nil {
                    title = HTMLEntities.decode(text)
                }
            case "meta":
                guard let key = tag.attributes["property"] ?? tag.attributes["name"] ?? tag.attributes["itemprop"],
                      let content = tag.attributes["content"] else { continue }
                meta[key.lowercased().trimmedWhitespace, default: []].append(content)
            case "link":
                let rel = tag.attributes["rel"]?.lowercased().split(separator: " ") ?? []
                if canonical == nil, rel.contains("canonical") { canonical = tag.attributes["href"] }
            default:
                continue
            }
        }
    }

    func first(_ key: String) -> String? {
        meta[key]?.first { !$0.trimmedWhitespace.isEmpty }
    }

    private struct Tag {
        let name: String
        let attributes: [String: String]
        /// Just past the closing `>`.
        let end: Int
    }

    /// An opening tag at `start` (a `<`), with its attributes decoded; nil for anything else.
    private static func tag(in bytes: [UInt8], at start: Int) -> Tag? {
        var index = start + 1
        let nameStart = index
        while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
        guard index > nameStart, isLetter(bytes[nameStart]) else { return nil }
        let name = String(decoding: bytes[nameStart..<index], as: UTF8.self).lowercased()
        var attributes: [String: String] = [:]
        while index < bytes.count {
            while index < bytes.count, isSpace(bytes[index]) || bytes[index] == UInt8(ascii: "/") { index += 1 }
            guard index < bytes.count, bytes[index] != UInt8(ascii: ">") else { break }
            let attributeStart = index
            while index < bytes.count, !isSpace(bytes[index]), !"=>/".utf8.contains(bytes[index]) { index += 1 }
            let attribute = String(decoding: bytes[attributeStart..<index], as: UTF8.self).lowercased()
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            var value = ""
            if index < bytes.count, bytes[index] == UInt8(ascii: "=") {
                index += 1
                while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                let valueStart: Int, valueEnd: Int
                if index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") {
                    let quote = bytes[index]
                    valueStart = index + 1
                    valueEnd = find(quote, in: bytes, from: valueStart) ?? bytes.count
                    index = min(valueEnd + 1, bytes.count)
                } else {
                    valueStart = index
                    while index < bytes.count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: ">") { index += 1 }
                    valueEnd = index
                }
                value = HTMLEntities.decode(String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self))
            }
            if !attribute.isEmpty, attributes[attribute] == nil { attributes[attribute] = value }
        }
        return Tag(name: name, attributes: attributes, end: min(index + 1, bytes.count))
    }

    /// "Application/LD+JSON; charset=utf-8" → "application/ld+json".
    private static func mediaType(_ value: String?) -> String? {
        value?.split(separator: ";").first.map { String($0).trimmedWhitespace.lowercased() }
    }

    private static func find(_ byte: UInt8, in bytes: [UInt8], from start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        return bytes[start...].firstIndex(of: byte)
    }

    /// Case-insensitive search for ASCII `needle`.
    private static func find(_ needle: String, in bytes: [UInt8], from start: Int) -> Int? {
        let pattern = Array(needle.utf8)
        guard let first = pattern.first else { return nil }
        var index = start
        while index + pattern.count <= bytes.count {
            if lower(bytes[index]) == first, hasPrefix(needle, bytes, at: index) { return index }
            index += 1
        }
        return nil
    }

    private static func hasPrefix(_ prefix: String, _ bytes: [UInt8], at index: Int) -> Bool {
        let pattern = Array(prefix.utf8)
        guard index + pattern.count <= bytes.count else { return false }
        return zip(pattern, bytes[index...]).allSatisfy { lower($1) == $0 }
    }

    private static func lower(_ byte: UInt8) -> UInt8 { (65...90).contains(byte) ? byte + 32 : byte }
    private static func isLetter(_ byte: UInt8) -> Bool { (97...122).contains(lower(byte)) }
    private static func isNameByte(_ byte: UInt8) -> Bool { isLetter(byte) || (48...57).contains(byte) || byte == UInt8(ascii: "-") }
    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
}
