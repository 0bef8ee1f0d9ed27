/// Percent-encoding exactly as Signature Version 4 defines it. Foundation's encoders follow other
/// rules (they keep `+`, `!`, `*`…), and any difference from the server's own encoding is a 403.
enum URIEncoding {
    /// Every byte but RFC 3986's unreserved set (A–Z a–z 0–9 - . _ ~) becomes `%XX`, uppercase,
    /// of its UTF-8 bytes. Paths keep `/`; query keys and values encode it too.
    static func encode(_ text: String, keepingSlash: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%"
                out.unicodeScalars.append(hexDigit(byte >> 4))
                out.unicodeScalars.append(hexDigit(byte & 0x0F))
            }
        }
        return out
    }

    /// `key=value` pairs, both encoded, sorted by key then value, joined by `&`. Used for the
    /// canonical request and for the URL itself, so the two can never disagree.
    static func query(_ items: [String: String]) -> String {
        items.map { (encode($0.key), encode($0.value)) }
            .sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> Unicode.Scalar {
        Unicode.Scalar(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10)
    }
}
