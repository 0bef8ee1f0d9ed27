import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sending one signed request, and reading S3's answers.
extension S3BlobStore {
    /// Error bodies are small XML documents; anything longer is not one.
    static let maxErrorBodyBytes = 64 << 10

    func send(
        _ method: HTTPMethod, key: String, query: [String: String] = [:], body: Data? = nil
    ) async throws -> HTTPClientResponse {
        try await send(method, path: location.path(forKey: try Self.checked(key)), query: query, body: body)
    }

    /// `path` is raw (not yet encoded): `/BUCKET/KEY` path-style, `/KEY` virtual-host style.
    func send(
        _ method: HTTPMethod, path: String, query: [String: String] = [:], body: Data? = nil
    ) async throws -> HTTPClientResponse {
        // The body's own hash, so S3 rejects a body changed on the way; GET and friends hash "".
        let payloadHash = SigV4Signer.sha256Hex(body ?? Data())
        let headers = signer.signedHeaders(
            method: method.rawValue, host: location.host, path: path, query: query,
            headers: ["x-amz-content-sha256": payloadHash], payloadHash: payloadHash)

        let queryText = query.isEmpty ? "" : "?" + URIEncoding.query(query)
        var request = HTTPClientRequest(
            url: "\(location.scheme)://\(location.host)\(URIEncoding.encode(path, keepingSlash: true))\(queryText)")
        request.method = method
        // Sorted only so that requests look the same in a capture; S3 does not care.
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { request.headers.add(name: name, value: value) }
        // AsyncHTTPClient sets Content-Length itself (0 for a bodiless PUT or POST).
        if let body { request.body = .bytes(body) }
        // Uploads get the base timeout plus a second per MB: at least 1 MB/s is expected.
        let timeout = requestTimeout + .seconds(Int64((body?.count ?? 0) >> 20))
        return try await http.execute(request, timeout: timeout)
    }

    /// Throws S3's error unless the status is 2xx; reads (and so releases) the body either way.
    func expectSuccess(_ response: HTTPClientResponse) async throws {
        guard (200..<300).contains(response.status.code) else { throw await Self.error(from: response) }
        _ = try await response.body.collect(upTo: Self.maxErrorBodyBytes)
    }

    /// A successful answer's XML body, which for CompleteMultipartUpload may still be an error.
    func xmlBody(of response: HTTPClientResponse, upTo limit: Int = maxErrorBodyBytes) async throws -> String {
        guard (200..<300).contains(response.status.code) else { throw await Self.error(from: response) }
        let buffer = try await response.body.collect(upTo: limit)
        let text = String(decoding: buffer.readableBytesView, as: UTF8.self)
        if text.contains("<Error>") { throw S3Error(status: Int(response.status.code), body: text) }
        return text
    }

    static func error(from response: HTTPClientResponse) async -> S3Error {
        let status = Int(response.status.code)
        guard let buffer = try? await response.body.collect(upTo: maxErrorBodyBytes) else {
            return S3Error(status: status, code: "HTTP\(status)", message: "S3 answered with HTTP status \(status).")
        }
        return S3Error(status: status, body: String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    /// Keys are made by Atelier; these are the ones that would sign one path and send another
    /// (servers normalise `.` and `..` segments and `//`).
    static func checked(_ key: String) throws -> String {
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, !segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw S3ConfigurationError("Refused an unsafe blob key.")
        }
        return key
    }

    static func unquoted(_ etag: String) -> String {
        etag.count >= 2 && etag.hasPrefix("\"") && etag.hasSuffix("\"") ? String(etag.dropFirst().dropLast()) : etag
    }
}
