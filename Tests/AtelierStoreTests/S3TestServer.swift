import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import AtelierStore

/// The S3 server the integration tests talk to: whatever `ATELIER_BLOB_URL` and the `AWS_*`
/// variables name, normally the seaweedfs that `scripts/test-s3` starts.
enum S3TestServer {
    static let skipReason: Comment =
        "S3 tests skipped: ATELIER_BLOB_URL, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (run scripts/test-s3)."

    static var isConfigured: Bool {
        (try? S3BlobStore.fromEnvironment(httpClient: client)) != nil
    }

    /// One client for all tests, with the read timeout `S3BlobStore` relies on for bodies.
    static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(5), read: .seconds(30))))

    static func store(secret: String? = nil, bucket: String? = nil, prefix: String? = nil) throws -> S3BlobStore {
        var environment = ProcessInfo.processInfo.environment
        if let secret { environment["AWS_SECRET_ACCESS_KEY"] = secret }
        if let url = environment["ATELIER_BLOB_URL"], var parts = URLComponents(string: url) {
            if let bucket { parts.host = bucket }
            if let prefix {
                parts.queryItems = (parts.queryItems ?? []).filter { $0.name != "prefix" } + [URLQueryItem(name: "prefix", value: prefix)]
            }
            environment["ATELIER_BLOB_URL"] = parts.string
        }
        return try S3BlobStore.fromEnvironment(environment, httpClient: client)
    }

    /// ListMultipartUploads for one key: the upload IDs still open.
    static func openUploads(key: String, in store: S3BlobStore) async throws -> [String] {
        let response = try await store.send(
            .GET, path: store.location.bucketPath, query: ["uploads": "", "prefix": store.location.prefix + key])
        let xml = try await store.xmlBody(of: response)
        return xml.components(separatedBy: "<Upload>").dropFirst().compactMap { XMLText.first("UploadId", in: $0) }
    }

    /// A key no other test run uses.
    static func freshKey(_ name: String) -> String {
        "tests/\(UUID().uuidString.lowercased())/\(name)"
    }

    /// Random-looking bytes, fast: a SplitMix64 stream from a random seed (the system generator
    /// costs a system call per 8 bytes, which is seconds for 30 MB in a debug build).
    static func randomBytes(_ count: Int) -> Data {
        var state = UInt64.random(in: 0...UInt64.max)
        var data = Data(count: (count + 7) / 8 * 8)
        data.withUnsafeMutableBytes { raw in
            for index in 0..<raw.count / 8 {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                raw.storeBytes(of: z ^ (z >> 31), toByteOffset: index * 8, as: UInt64.self)
            }
        }
        return data.prefix(count)
    }

    /// A plain request, as a browser holding a presigned URL would make it.
    static func fetch(_ url: URL, method: HTTPMethod = .GET, body: Data? = nil) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        if let body { request.body = .bytes(body) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), Data(bytes.readableBytesView))
    }
}
