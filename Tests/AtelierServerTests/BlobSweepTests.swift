import AsyncHTTPClient
import AtelierCore
import AtelierStore
import Foundation
import NIOCore
import Testing
@testable import AtelierServer

/// Blobs a crashed process left behind are swept; nothing that media points at is touched.
@Suite("Blob sweep")
struct BlobSweepTests {
    @Test("orphaned blobs and unfinished writes older than the grace period go; referenced and recent blobs stay")
    func sweep() async throws {
        // Blobs on disk: the test plants files in the blob folder as a dying process would leave them.
        try await TestServer.run({ $0.blobURL = nil }) { api in
            let owner = try await api.register()
            #expect(try await api.upload(try TestImages.make(.jpeg), token: owner.accessToken).status == 201)
            let blobs = api.dataDir.appendingPathComponent("blobs")
            let kept = try regularFiles(in: blobs)
            #expect(kept.count == 3)

            let orphan = String(repeating: "ab", count: 32)
            let planted = [
                "original/ab/\(orphan).jpeg", "display/ab/\(orphan).jpeg", "tmp/\(UUID().uuidString)",  // from a crash, long ago
            ]
            let recent = "thumb/ab/\(orphan).jpeg"  // as an upload in flight right now
            let hourAgo = Date().addingTimeInterval(-2 * 3600)
            for key in planted + [recent] {
                let file = blobs.appendingPathComponent(key)
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data("left behind".utf8).write(to: file)
                if key != recent { try FileManager.default.setAttributes([.modificationDate: hourAgo], ofItemAtPath: file.path) }
            }
            for file in kept { try FileManager.default.setAttributes([.modificationDate: hourAgo], ofItemAtPath: file.path) }

            #expect(try await api.services.media.sweepOrphanedBlobs() == 3)
            let left = Set(try regularFiles(in: blobs).map(\.path))
            #expect(left == Set((kept + [blobs.appendingPathComponent(recent)]).map(\.path)))
            #expect(!FileManager.default.fileExists(atPath: blobs.appendingPathComponent(planted[2]).path))
            #expect(try await api.services.media.sweepOrphanedBlobs(grace: .zero) == 1)
        }
    }

    @Test("on S3: orphaned blobs go after the grace period, direct uploads never completed after a day; referenced blobs stay",
          .enabled(if: S3MediaTests.blobURL != nil, "no S3 server: scripts/test starts one"))
    func sweepOnS3() async throws {
        let url = try S3MediaTests.ownBlobURL()
        try await TestServer.run({ $0.blobURL = url }) { api in
            let bucket = try S3MediaTests.bucket(url)
            let owner = try await api.register()
            let upload = try await api.upload(try TestImages.make(.jpeg), token: owner.accessToken)
            let id = try #require(upload.data["id"] as? String)
            let referenced = try await api.services.media.asset(id: id, ownerID: owner.id).variants.map(\.blobKey)
            let orphan = "original/ab/\(String(repeating: "ab", count: 32)).jpeg"
            try await bucket.put(Data("left behind".utf8), key: orphan)
            // A direct upload whose client never came back to complete it.
            let started = try await api.request(.post, "/api/v1/media/uploads", token: owner.accessToken)
            var put = HTTPClientRequest(url: try #require(started.data["url"] as? String))
            put.method = .PUT
            put.body = .bytes(ByteBuffer(string: "never completed"))
            #expect(try await api.http.execute(put, timeout: .seconds(30)).status == .ok)
            let staged = try await bucket.keys(prefix: "uploads/", writtenBefore: Date().addingTimeInterval(60))
            #expect(staged.count == 1)

            let media = api.services.media
            #expect(try await media.sweepOrphanedBlobs() == 0, "everything is younger than the grace period")
            #expect(try await media.sweepOrphanedBlobs(grace: .zero, now: Date().addingTimeInterval(60)) == 1)
            #expect(try await bucket.head(key: orphan) == nil)
            #expect(try await media.sweepOrphanedBlobs(now: Date().addingTimeInterval(25 * 3600)) == 1)
            #expect(try await bucket.keys(prefix: "uploads/", writtenBefore: Date().addingTimeInterval(60)).isEmpty)
            for key in referenced { #expect(try await bucket.head(key: key) != nil, "\(key)") }
        }
    }
}
