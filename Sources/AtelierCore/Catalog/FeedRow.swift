/// One row of a listings feed: a listing, or why that row was not one. A bad row never stops the feed.
public enum FeedRow: Sendable, Equatable {
    /// `line` is where the row starts (1-based; a CSV row may span several lines).
    case listing(line: Int, ListingDraft)
    case invalid(FeedRowError)
}

/// Why one feed row was rejected, for the import report.
public struct FeedRowError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line where the row starts.
    public let line: Int
    public let reason: String
    /// The feed key at fault, when one field is (`price`, `url`, …).
    public let field: String?

    public init(line: Int, reason: String, field: String? = nil) {
        self.line = line
        self.reason = reason
        self.field = field
    }

    init(line: Int, _ error: AtelierError) {
        self.init(line: line, reason: error.message, field: error.details["field"])
    }

    public var description: String { "line \(line): \(reason)" }
}

/// How a feed is written.
public enum FeedFormat: String, Sendable, CaseIterable {
    /// One JSON object per line (JSON Lines / NDJSON).
    case jsonLines
    /// RFC 4180 CSV with a header line naming the columns.
    case csv

    /// From the file name's extension: .jsonl, .ndjson, .csv (any case); nil otherwise.
    public init?(fileName: String) {
        let name = fileName.lowercased()
        if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") {
            self = .jsonLines
        } else if name.hasSuffix(".csv") {
            self = .csv
        } else {
            return nil
        }
    }

    /// From the first byte that is not whitespace: `{` starts JSON Lines, anything else is CSV.
    static func sniff(firstByte: UInt8) -> FeedFormat {
        firstByte == UInt8(ascii: "{") ? .jsonLines : .csv
    }
}

/// A feed's rows turned into listing fields, fed a chunk of bytes at a time.
protocol FeedDecoding {
    mutating func consume(_ bytes: [UInt8], into rows: inout [FeedRow])
    /// The end of the feed: the last row without a final newline, or an unclosed CSV quote.
    mutating func finish(into rows: inout [FeedRow])
}

extension FeedDecoding {
    /// The row as a listing, or the reason it is not one.
    func row(line: Int, _ fields: ListingFields) -> FeedRow {
        do {
            return .listing(line: line, try ListingDraft(validating: fields))
        } catch {
            return .invalid(FeedRowError(line: line, error))
        }
    }
}
