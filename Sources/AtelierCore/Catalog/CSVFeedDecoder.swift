import Foundation

/// CSV feeds: the first record names the columns (any order, any case); `image_urls` holds
/// several URLs separated by `|`.
struct CSVFeedDecoder: FeedDecoding {
    private var parser: CSVParser
    private var header: [String]?

    init(maximumRecordBytes: Int) {
        parser = CSVParser(maximumRecordBytes: maximumRecordBytes)
    }

    mutating func consume(_ bytes: [UInt8], into rows: inout [FeedRow]) {
        var events: [CSVParser.Event] = []
        parser.consume(bytes) { events.append($0) }
        for event in events { handle(event, into: &rows) }
    }

    mutating func finish(into rows: inout [FeedRow]) {
        var events: [CSVParser.Event] = []
        parser.finish { events.append($0) }
        for event in events { handle(event, into: &rows) }
    }

    private mutating func handle(_ event: CSVParser.Event, into rows: inout [FeedRow]) {
        switch event {
        case .malformed(let line, let reason):
            rows.append(.invalid(FeedRowError(line: line, reason: reason)))
        case .record(let line, let values):
            guard let header else {
                header = values.map { $0.trimmedWhitespace.lowercased() }
                return
            }
            guard values.count == header.count else {
                let reason = "row has \(values.count) fields; the header has \(header.count)."
                rows.append(.invalid(FeedRowError(line: line, reason: reason)))
                return
            }
            rows.append(row(line: line, Self.fields(header: header, values: values)))
        }
    }

    private static func fields(header: [String], values: [String]) -> ListingFields {
        var fields = ListingFields()
        for (key, value) in zip(header, values) {
            switch key {
            case "image_url":
                fields.imageURLs.insert(value, at: 0)
            case "image_urls":
                fields.imageURLs += value.split(separator: "|").map(String.init)
            default:
                fields[key] = value
            }
        }
        return fields
    }
}
