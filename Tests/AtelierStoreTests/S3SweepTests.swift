import Foundation
import Testing

@testable import AtelierStore

/// What the orphan sweep asks of S3: listing keys by age, page after page, and aborting uploads
/// left unfinished, never outside the store's prefix.
@Suite(.enabled(if: S3TestServer.isConfigured, S3TestServer.skipReason))
struct S3SweepTests {
    let store: S3BlobStore

    init() throws { store = try S3TestServer.store() }

    @Test func listsKeysWrittenBeforeADateAcrossPages() async throws {
        let folder = S3TestServer.freshKey("listing") + "/"
        // More than one page of S3's 1,000 keys.
        let keys = (0..<1_005).map { "\(folder)\($0 % 7)/\($0).bin" }
        try await Self.concurrently(keys) { [store] key in try await store.put(Data(key.utf8), key: key) }
        #expect(Set(try await store.keys(prefix: folder, writtenBefore: Date().addingTimeInterval(60))) == Set(keys))
        #expect(try await store.keys(prefix: folder, writtenBefore: Date().addingTimeInterval(-3600)).isEmpty)
        #expect(try await store.keys(prefix: folder + "none/", writtenBefore: Date().addingTimeInterval(60)).isEmpty)
        try await Self.concurrently(keys) { [store] key in try await store.delete(key: key) }
    }

    @Test func abandonedMultipartUploadsWithinThePrefixAreAborted() async throws {
        // A prefix of its own: the sweep must not abort the uploads of tests running alongside.
        let prefixed = try S3TestServer.store(prefix: S3TestServer.freshKey("sweep") + "/")
        let uploadID = try await prefixed.createMultipartUpload(key: "abandoned.bin")
        _ = try await prefixed.uploadPart(S3TestServer.randomBytes(1_000), number: 1, key: "abandoned.bin", uploadID: uploadID)
        #expect(try await prefixed.removeAbandonedWrites(before: Date().addingTimeInterval(-3600)) == 0)
        #expect(try await prefixed.removeAbandonedWrites(before: Date().addingTimeInterval(60)) == 1)
        #expect(try await prefixed.removeAbandonedWrites(before: Date().addingTimeInterval(60)) == 0)
        #expect(try await S3TestServer.openUploads(key: "abandoned.bin", in: prefixed).isEmpty)
    }

    /// `body` for every key, 16 at a time.
    static func concurrently(_ keys: [String], _ body: @escaping @Sendable (String) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, key) in keys.enumerated() {
                if index >= 16 { try await group.next() }
                group.addTask { try await body(key) }
            }
            try await group.waitForAll()
        }
    }
}
