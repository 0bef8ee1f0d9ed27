import AsyncHTTPClient

/// What `head` knows about an object. `etag` is without its quotes; for multipart uploads it is
/// not an MD5 of the bytes but S3's `HASH-PARTCOUNT`.
public struct S3ObjectInfo: Sendable, Equatable {
    public let size: Int
    public let etag: String
}

/// An object being downloaded. `body` is an async sequence of `ByteBuffer`s that reads from the
/// network only as fast as it is consumed.
public struct S3Object: Sendable {
    public let size: Int?
    public let etag: String?
    public let body: HTTPClientResponse.Body
}
