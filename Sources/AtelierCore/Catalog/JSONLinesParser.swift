import Foundation

/// JSON Lines feeds: one object per line, blank lines skipped, a line that is not an object is an
/// error for that line only.
struct JSONLinesDecoder: FeedDecoding {
    private var lines: LineSplitter
    private let json = JSONDecoder()

    init(maximumLineBytes: Int) {
        lines = LineSplitter(maximumLineBytes: maximumLineBytes)
    }

    mutating func consume(_ bytes: [UInt8], into rows: inout [FeedRow]) {
        var found: [LineSplitter.Line] = []
        lines.consume(bytes) { found.append($0) }
        for line in found { decode(line, into: &rows) }
    }

    mutating func finish(into rows: inout [FeedRow]) {
        if let line = lines.finish() { decode(line, into: &rows) }
    }

    private func decode(_ line: LineSplitter.Line, into rows: inout [FeedRow]) {
        switch line {
        case .tooLong(let number, let limit):
            rows.append(.invalid(FeedRowError(line: number, reason: "line is longer than \(limit) bytes.")))
        case .text(let number, let bytes):
            guard bytes.contains(where: { !Self.isWhitespace($0) }) else { return }
            guard let value = try? json.decode(JSONValue.self, from: Data(bytes)) else {
                rows.append(.invalid(FeedRowError(line: number, reason: "line is not valid JSON.")))
                return
            }
            guard case .object(let object) = value else {
                rows.append(.invalid(FeedRowError(line: number, reason: "line is not a JSON object.")))
                return
            }
            do {
                rows.append(row(line: number, try Self.fields(object)))
            } catch {
                rows.append(.invalid(FeedRowError(line: number, error)))
            }
        }
    }

    /// Text fields may be JSON strings or numbers (`"external_id": 123`, `"price": 24.5`).
    static func fields(_ object: [String: JSONValue]) throws(AtelierError) -> ListingFields {
        var fields = ListingFields()
        for (key, value) in object {
            switch (key, value) {
            case (_, .null):
                continue
            case ("image_urls", .array(let items)):
                for item in items {
                    guard case .string(let text) = item else {
                        throw .validation("image_urls must be an array of URL strings.", field: "image_urls")
                    }
                    fields.imageURLs.append(text)
                }
            case ("image_url", .string(let text)), ("image_urls", .string(let text)):
                fields.imageURLs.insert(text, at: key == "image_url" ? 0 : fields.imageURLs.count)
            case (_, .string(let text)):
                fields[key] = text
            case (_, .number(let number)):
                fields[key] = Money.decimalText(number)
            default:
                guard ListingDraft.maximumLengths[key] != nil || key == "price" || key == "currency" else { continue }
                throw .validation("\(key) must be a string or a number.", field: key)
            }
        }
        return fields
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}

/// Splits a byte stream into lines (LF or CRLF), numbering them from 1. A line longer than the
/// limit is reported and skipped rather than buffered, so one runaway line cannot exhaust memory.
struct LineSplitter {
    enum Line {
        case text(number: Int, [UInt8])
        case tooLong(number: Int, limit: Int)
    }

    let maximumLineBytes: Int
    private var current: [UInt8] = []
    private var overflowed = false
    private var lineNumber = 1

    init(maximumLineBytes: Int) {
        self.maximumLineBytes = maximumLineBytes
    }

    mutating func consume(_ bytes: [UInt8], emit: (Line) -> Void) {
        for byte in bytes {
            if byte == 0x0A {
                emit(take())
                continue
            }
            guard !overflowed else { continue }
            if current.count >= maximumLineBytes {
                overflowed = true
                current = []
            } else {
                current.append(byte)
            }
        }
    }

    /// The last line when the feed does not end with a newline.
    mutating func finish() -> Line? {
        guard !current.isEmpty || overflowed else { return nil }
        return take()
    }

    private mutating func take() -> Line {
        defer {
            current = []
            overflowed = false
            lineNumber += 1
        }
        if overflowed { return .tooLong(number: lineNumber, limit: maximumLineBytes) }
        if current.last == 0x0D { current.removeLast() }
        return .text(number: lineNumber, current)
    }
}
