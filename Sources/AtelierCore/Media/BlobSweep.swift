import Foundation

extension MediaService {
    /// Deletes media blobs that no variant points at and that were written over `grace` ago (long
    /// past any upload still between writing its blobs and recording them), unfinished writes,
    /// and direct uploads never completed (after `stagedUploadLifetime`). Safe to run in several
    /// processes at once, though workers leave it to one per hour (`RecurringWork`). Returns how
    /// many it deleted.
    public func sweepOrphanedBlobs(grace: Duration = .seconds(3600), now: Date = Date()) async throws -> Int {
        guard let sweepable = blobs as? any SweepableBlobStore else { return 0 }
        let cutoff = now.addingTimeInterval(-grace.seconds)
        var deleted = try await sweepable.removeAbandonedWrites(before: cutoff)
        let stagedBefore = now.addingTimeInterval(-Swift.max(grace, Self.stagedUploadLifetime).seconds)
        for key in try await sweepable.keys(prefix: Self.stagingPrefix, writtenBefore: stagedBefore) {
            try await blobs.delete(key: key)
            deleted += 1
        }
        for kind in VariantKind.allCases {
            for key in try await sweepable.keys(prefix: kind.rawValue + "/", writtenBefore: cutoff) {
                // Keys are `kind/ab/<sha256>.<format>`: the same lock as uploads and deletes of that content.
                let sha256 = String(key.split(separator: "/").last?.split(separator: ".").first ?? "")
                deleted += try await contentLock.withLock(sha256) {
                    guard try await store.references(blobKey: key) == 0 else { return 0 }
                    try await blobs.delete(key: key)
                    return 1
                }
            }
        }
        return deleted
    }
}
