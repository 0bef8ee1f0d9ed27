import Crypto
import Foundation
import Testing

@testable import AtelierStore

/// Against a real S3 server (seaweedfs via `scripts/test-s3`); skipped when none is configured.
@Suite(.enabled(if: S3TestServer.isConfigured, S3TestServer.skipReason))
struct S3BlobStoreTests {
    let store: S3BlobStore

    init() throws { store = try S3TestServer.store() }

    @Test func roundTrips() async throws {
        let key = S3TestServer.freshKey("small.bin")
        let data = S3TestServer.randomBytes(100_000)
        try await store.put(data, key: key)
        #expect(try await store.get(key: key) == data)
        #expect(try await store.head(key: key)?.size == data.count)

        try await store.delete(key: key)
        #expect(try await store.get(key: key) == nil)
        try await store.delete(key: key)  // a second delete is fine
    }

    @Test func roundTripsKeysThatNeedEncoding() async throws {
        let key = S3TestServer.freshKey("a b+c=d,é~(1).txt")
        try await store.put(Data("odd".utf8), key: key)
        #expect(try await store.get(key: key) == Data("odd".utf8))
        try await store.delete(key: key)
    }

    @Test func roundTripsAnEmptyBlob() async throws {
        let key = S3TestServer.freshKey("empty")
        try await store.put(Data(), key: key)
        #expect(try await store.get(key: key) == Data())
        try await store.delete(key: key)
    }

    @Test func missingKeysAreNil() async throws {
        let key = S3TestServer.freshKey("never-written")
        #expect(try await store.get(key: key) == nil)
        #expect(try await store.head(key: key) == nil)
        #expect(try await store.stream(key: key) == nil)
    }

    @Test func aMissingBucketIsAnErrorNotNil() async throws {
        let other = try S3TestServer.store(bucket: "no-such-bucket-\(UInt32.random(in: 0...UInt32.max))")
        let error = await #expect(throws: S3Error.self) { try await other.get(key: "k") }
        #expect(error?.code == "NoSuchBucket")
    }

    @Test func largeBlobsGoUpInParts() async throws {
        let key = S3TestServer.freshKey("large.bin")
        let data = S3TestServer.randomBytes(30 << 20)
        let digest = SHA256.hash(data: data)
        try await store.put(data, key: key)

        let info = try #require(try await store.head(key: key))
        #expect(info.size == data.count)
        #expect(info.etag.hasSuffix("-4"), "8 MiB parts: 30 MiB is 4 parts, so S3's ETag ends in -4")

        let fetched = try #require(try await store.get(key: key))
        #expect(SHA256.hash(data: fetched) == digest)

        // The same object again, hashed as it arrives instead of held whole.
        let object = try #require(try await store.stream(key: key))
        #expect(object.size == data.count)
        var hasher = SHA256()
        var received = 0
        var chunks = 0
        for try await buffer in object.body {
            buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            received += buffer.readableBytes
            chunks += 1
        }
        #expect(received == data.count)
        #expect(chunks > 1)
        #expect(hasher.finalize() == digest)
        try await store.delete(key: key)
    }

    @Test func wrongSecretFailsWithS3sCode() async throws {
        let impostor = try S3TestServer.store(secret: "not-the-secret")
        let error = await #expect(throws: S3Error.self) {
            try await impostor.put(Data("x".utf8), key: S3TestServer.freshKey("denied"))
        }
        #expect(error?.code == "SignatureDoesNotMatch")
        #expect(error?.status == 403)
        // A refused GET must throw, never look like a missing key.
        await #expect(throws: S3Error.self) { _ = try await impostor.get(key: S3TestServer.freshKey("denied")) }
    }
}

/// A multipart upload that fails part-way must not leave its parts behind.
@Suite(.enabled(if: S3TestServer.isConfigured, S3TestServer.skipReason))
struct MultipartAbortTests {
    let store: S3BlobStore

    init() throws { store = try S3TestServer.store() }

    @Test func aCancelledUploadIsAborted() async throws {
        let key = S3TestServer.freshKey("cancelled.bin")
        let data = S3TestServer.randomBytes(40 << 20)
        let upload = Task { [store] in try await store.put(data, key: key) }

        // Cancel once S3 has an open upload for the key, so the failure lands among the parts.
        var sawUpload = false
        for _ in 0..<500 where !sawUpload {
            sawUpload = try await !S3TestServer.openUploads(key: key, in: store).isEmpty
            if !sawUpload { try await Task.sleep(for: .milliseconds(2)) }
        }
        upload.cancel()
        let outcome = await upload.result

        #expect(sawUpload, "the upload should have been seen open before it finished")
        if case .success = outcome {
            Issue.record("the upload finished before it could be cancelled; nothing was tested")
        }
        #expect(try await S3TestServer.openUploads(key: key, in: store).isEmpty, "the failed upload must be aborted")
        #expect(try await store.get(key: key) == nil)
    }
}
