import AtelierCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Blobs in an S3 bucket (AWS or any S3-compatible server), signed with Signature Version 4.
///
/// Bodies up to `multipartThreshold` go up in one PUT with their SHA-256 signed; larger ones as a
/// multipart upload (see S3Multipart.swift). `requestTimeout` bounds each request until S3's
/// answer starts (uploads get a second more per MB); reading a body is bounded only by the
/// client's own read timeout, which is why the client is not defaulted to `HTTPClient.shared`
/// (it has none): pass one made with `timeout: .init(connect: .seconds(5), read: .seconds(30))`.
public struct S3BlobStore: BlobStore {
    public let location: S3Location
    let signer: SigV4Signer
    let http: HTTPClient
    let multipartThreshold: Int
    let partSize: Int
    let requestTimeout: TimeAmount

    /// One client for the process, never shut down, with the read timeout a body needs.
    public static let sharedClient = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(5), read: .seconds(30))))

    /// `get` refuses to buffer more than this; use `stream(key:)` for anything bigger.
    public static let maxBufferedBytes = 1 << 30

    public init(
        location: S3Location, credentials: S3Credentials, httpClient: HTTPClient,
        multipartThreshold: Int = 16 << 20, partSize: Int = 8 << 20, requestTimeout: TimeAmount = .seconds(30)
    ) {
        // S3 refuses parts under 5 MiB (except the last) and uploads of more than 10,000 parts.
        precondition(partSize >= 5 << 20, "S3 parts must be at least 5 MiB")
        self.location = location
        self.signer = SigV4Signer(credentials: credentials, region: location.region)
        self.http = httpClient
        self.multipartThreshold = max(multipartThreshold, partSize)
        self.partSize = partSize
        self.requestTimeout = requestTimeout
    }

    /// From `ATELIER_BLOB_URL` and the `AWS_*` credential variables.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment, httpClient: HTTPClient
    ) throws -> S3BlobStore {
        S3BlobStore(
            location: try S3Location.fromEnvironment(environment),
            credentials: try S3Credentials.fromEnvironment(environment), httpClient: httpClient)
    }

    public func put(_ data: Data, key: String) async throws {
        if data.count > multipartThreshold {
            try await putMultipart(data, key: key)
            return
        }
        let response = try await send(.PUT, key: key, body: data)
        try await expectSuccess(response)
    }

    public func get(key: String) async throws -> Data? {
        guard let object = try await stream(key: key) else { return nil }
        let buffer = try await object.body.collect(upTo: Self.maxBufferedBytes)
        return Data(buffer.readableBytesView)
    }

    /// The object's bytes as they arrive, for objects too big to hold in memory; nil if there is
    /// no such key. Read the body to the end or drop it: it holds a connection until then.
    public func stream(key: String) async throws -> S3Object? {
        let response = try await send(.GET, key: key)
        guard response.status == .ok else {
            let error = await S3BlobStore.error(from: response)
            if error.code == "NoSuchKey" { return nil }
            throw error
        }
        return S3Object(
            size: response.headers.first(name: "content-length").flatMap { Int($0) },
            etag: response.headers.first(name: "etag").map(Self.unquoted),
            body: response.body)
    }

    /// Size and ETag without the bytes; nil if there is no such key.
    public func head(key: String) async throws -> S3ObjectInfo? {
        let response = try await send(.HEAD, key: key)
        // HEAD answers have no body, so a 404 cannot say which thing is missing.
        if response.status == .notFound { return nil }
        try await expectSuccess(response)
        guard let size = response.headers.first(name: "content-length").flatMap({ Int($0) }) else {
            throw S3Error.malformed("HEAD answered without a Content-Length.", status: Int(response.status.code))
        }
        return S3ObjectInfo(size: size, etag: response.headers.first(name: "etag").map(Self.unquoted) ?? "")
    }

    /// Deleting a missing key succeeds (S3 itself answers 204 for it).
    public func delete(key: String) async throws {
        let response = try await send(.DELETE, key: key)
        guard response.status != .notFound else {
            let error = await S3BlobStore.error(from: response)
            if error.code == "NoSuchKey" || error.code == "HTTP404" { return }
            throw error
        }
        try await expectSuccess(response)
    }

    /// A URL that lets its holder GET or PUT this one key without credentials until it expires
    /// (at most 7 days). Anyone with the URL can use it: hand it out like a password.
    public func presignedURL(method: PresignedMethod, key: String, expires: Duration, date: Date = Date()) throws -> URL {
        let seconds = Int(expires.components.seconds)
        let path = location.path(forKey: try Self.checked(key))
        let query = try signer.presignedQuery(
            method: method.rawValue, host: location.host, path: path, expiresIn: seconds, date: date)
        let text = "\(location.scheme)://\(location.host)\(URIEncoding.encode(path, keepingSlash: true))?\(query)"
        guard let url = URL(string: text) else { throw S3ConfigurationError("Could not form a URL from \(location).") }
        return url
    }

    public enum PresignedMethod: String, Sendable {
        case get = "GET"
        case put = "PUT"
    }
}

extension S3BlobStore: DirectUploadTarget {
    public func uploadURL(key: String, expires: Duration) throws -> URL {
        try presignedURL(method: .put, key: key, expires: expires)
    }

    public func size(key: String) async throws -> Int? {
        try await head(key: key).map(\.size)
    }
}
