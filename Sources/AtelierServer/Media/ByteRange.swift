import AtelierCore
import Foundation
import HTTPTypes
import Hummingbird

/// Conditional and partial GETs: 304 for a matching `If-None-Match`, 206 for one `Range`.
enum ByteRange {
    static func response(_ data: Data, request: Request, headers: HTTPFields) throws -> Response {
        var headers = headers
        headers[.acceptRanges] = "bytes"
        if let etag = headers[.eTag], ETagMatch.matches(request.headers[.ifNoneMatch], etag) {
            return Response(status: .notModified, headers: headers)
        }
        guard let rangeHeader = request.headers[.range] else {
            headers[.contentLength] = String(data.count)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        guard let range = parse(rangeHeader, length: data.count) else {
            throw AtelierError(status: 416, code: "RANGE_NOT_SATISFIABLE", message: "Only one byte range within the \(data.count) bytes can be served.",
                               headers: ["Content-Range": "bytes */\(data.count)"])
        }
        headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(data.count)"
        headers[.contentLength] = String(range.count)
        return Response(status: .partialContent, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data[range])))
    }

    /// One range of `bytes=a-b`, `bytes=a-` or `bytes=-n`; nil when unsatisfiable or malformed.
    static func parse(_ header: String, length: Int) -> Range<Int>? {
        guard header.hasPrefix("bytes="), length > 0 else { return nil }
        let spec = header.dropFirst(6)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            guard let suffix = Int(last), suffix > 0 else { return nil }
            return max(0, length - suffix)..<length
        }
        guard let start = Int(first), start >= 0, start < length else { return nil }
        if last.isEmpty { return start..<length }
        guard let end = Int(last), end >= start else { return nil }
        return start..<(min(end, length - 1) + 1)
    }
}
