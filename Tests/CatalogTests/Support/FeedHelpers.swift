@testable import AtelierCore
import Foundation

/// Parses `text` as it would stream in, `chunkSize` bytes at a time.
func feedRows(_ text: String, format: FeedFormat? = nil, chunkSize: Int = 7, maximumRowBytes: Int = 1 << 20) async throws -> [FeedRow] {
    let bytes = Array(text.utf8)
    let chunks = stride(from: 0, to: bytes.count, by: chunkSize).map { bytes[$0..<min($0 + chunkSize, bytes.count)] }
    let stream = AsyncStream<ArraySlice<UInt8>> { continuation in
        for chunk in chunks { continuation.yield(chunk) }
        continuation.finish()
    }
    var rows: [FeedRow] = []
    for try await row in FeedReader(format: format, maximumRowBytes: maximumRowBytes).rows(from: stream) { rows.append(row) }
    return rows
}

extension FeedRow {
    var listing: ListingDraft? {
        if case .listing(_, let listing) = self { return listing }
        return nil
    }

    var error: FeedRowError? {
        if case .invalid(let error) = self { return error }
        return nil
    }

    var line: Int {
        switch self {
        case .listing(let line, _): line
        case .invalid(let error): error.line
        }
    }
}
