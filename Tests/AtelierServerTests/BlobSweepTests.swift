import AtelierCore
import Foundation
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
}
