import AtelierCore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The success shape of every JSON response: `{"data": …, "meta": {"request_id": …}}`.
struct Envelope<Payload: Encodable & Sendable>: Encodable, Sendable {
    struct Meta: Encodable, Sendable {
        let requestId: String
        var nextCursor: String??
    }

    let data: Payload
    let meta: Meta

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(data, forKey: .data)
        var meta = container.nestedContainer(keyedBy: MetaKeys.self, forKey: .meta)
        try meta.encode(self.meta.requestId, forKey: .requestId)
        // Lists always say whether there is a next page: null on the last one.
        if let nextCursor = self.meta.nextCursor { try meta.encode(nextCursor, forKey: .nextCursor) }
    }

    private enum CodingKeys: String, CodingKey { case data, meta }
    private enum MetaKeys: String, CodingKey { case requestId, nextCursor }
}

/// Building responses in the envelope, with the status and headers a route needs.
enum Reply {
    static func json<T: Encodable & Sendable>(
        _ payload: T, _ context: AtelierContext, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], nextCursor: String?? = nil
    ) throws -> Response {
        let body = try JSONCoding.encoder.encode(Envelope(data: payload, meta: .init(requestId: context.requestID, nextCursor: nextCursor)))
        return json(body, status: status, headers: headers)
    }

    static func json(_ body: Data, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// A JSON reply cached by the client: 304 when `If-None-Match` already names this ETag.
    static func cacheable<T: Encodable & Sendable>(
        _ payload: T, _ request: Request, _ context: AtelierContext, cacheControl: String, nextCursor: String?? = nil
    ) throws -> Response {
        let etag = try etag(payload)
        var headers: HTTPFields = [.eTag: etag, .cacheControl: cacheControl]
        if ETagMatch.matches(request.headers[.ifNoneMatch], etag) {
            headers[.contentLength] = "0"
            return Response(status: .notModified, headers: headers)
        }
        return try json(payload, context, headers: headers, nextCursor: nextCursor)
    }
}

extension Reply {
    /// Covers the data only: the request id in meta differs on every request.
    static func etag<T: Encodable>(_ payload: T) throws -> String {
        "\"\(Hex.encode(SHA256.hash(data: try JSONCoding.encoder.encode(payload)).prefix(16)))\""
    }
}

enum ETagMatch {
    /// `If-None-Match` with one or more tags, `*`, or weak tags (`W/"…"`) compared weakly.
    static func matches(_ header: String?, _ etag: String) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }
}
