import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One call to the API, before auth, caching and retries are applied.
struct APIRequest: Sendable {
    var method = "GET"
    var path: String
    var query: [URLQueryItem] = []
    var body: Data?
    var contentType: String?
    var headers: [String: String] = [:]
    var authenticated = true
    /// Whether the GET may be answered from the ETag cache after a 304.
    var cacheable = false
    /// Set for POSTs made safe to replay by an `Idempotency-Key`.
    var replayable = false
    var timeout: TimeInterval?

    /// Whether sending it twice does no harm, so it may be retried.
    var isIdempotent: Bool { ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].contains(method) || replayable }

    init(_ method: String = "GET", _ path: String, query: [URLQueryItem] = [], authenticated: Bool = true) {
        self.method = method
        self.path = path
        self.query = query
        self.authenticated = authenticated
    }

    /// Sets a JSON body.
    mutating func json(_ value: some Encodable) throws {
        body = try JSONEncoder().encode(value)
        contentType = "application/json"
    }

    /// The full URL, relative to the API root.
    func url(base: URL) -> URL {
        var components = URLComponents(url: base.appendingPathComponent("api/v1" + path), resolvingAgainstBaseURL: false)
        if !query.isEmpty { components?.queryItems = query }
        return components?.url ?? base
    }

    func urlRequest(base: URL, token: String?) -> URLRequest {
        var request = URLRequest(url: url(base: base))
        request.httpMethod = method
        request.httpBody = body
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let timeout { request.timeoutInterval = timeout }
        return request
    }
}

/// What came back: status, body and headers with lower-cased names.
struct RawResponse: Sendable {
    var status: Int
    var body: Data
    var headers: [String: String]

    init(status: Int, body: Data, headers: [String: String]) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    init(_ response: URLResponse, body: Data) {
        let http = response as? HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http?.allHeaderFields ?? [:] {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        self.init(status: http?.statusCode ?? 0, body: body, headers: headers)
    }
}

/// The JSON coders for the API: snake_case keys are spelled out per type, dates are ISO-8601.
enum Coding {
    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
            if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad date \(text)"))
        }
        return decoder
    }

    /// Decodes the `data` member of a success envelope.
    static func data<T: Decodable>(_ type: T.Type, from body: Data) throws -> T {
        do { return try decoder().decode(DataEnvelope<T>.self, from: body).data }
        catch { throw AtelierError.decoding("\(T.self): \(error)") }
    }

    /// Decodes a list envelope with its `meta.next_cursor`.
    static func page<T: Decodable & Sendable>(_ type: T.Type, from body: Data) throws -> Page<T> {
        do {
            let envelope = try decoder().decode(ListEnvelope<T>.self, from: body)
            return Page(items: envelope.data, nextCursor: envelope.meta?.next_cursor)
        } catch { throw AtelierError.decoding("[\(T.self)]: \(error)") }
    }
}

private struct DataEnvelope<T: Decodable>: Decodable { let data: T }

private struct ListEnvelope<T: Decodable>: Decodable {
    struct Meta: Decodable { let next_cursor: String? }
    let data: [T]
    let meta: Meta?
}
