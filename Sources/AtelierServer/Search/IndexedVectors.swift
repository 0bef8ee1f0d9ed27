import AtelierCore
import AtelierML
import Foundation

/// A listing vector index on AtelierML's `VectorIndex`, in its own folder per vector space and
/// model, with the revision it has applied stored beside it.
final class IndexedVectors: ListingVectorIndex, @unchecked Sendable {
    private let index: VectorIndex
    private let revisionFile: URL
    private let lock = NSLock()
    private var revision: Int64

    /// Opens the folder, or starts it afresh when it is damaged or unreadable: the database has
    /// every vector, so the index can always be rebuilt from it.
    init(folder: URL, dimensions: Int, exactSearchLimit: Int) throws {
        revisionFile = folder.appendingPathComponent("applied-revision")
        let vectors = folder.appendingPathComponent("vectors")
        if let index = try? VectorIndex(directory: vectors, dimensions: dimensions, exactSearchLimit: exactSearchLimit) {
            self.index = index
            revision = (try? String(contentsOf: revisionFile, encoding: .utf8)).flatMap { Int64($0) } ?? 0
        } else {
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.createDirectory(at: vectors, withIntermediateDirectories: true)
            index = try VectorIndex(directory: vectors, dimensions: dimensions, exactSearchLimit: exactSearchLimit)
            revision = 0
        }
    }

    var count: Int { index.count }
    var appliedRevision: Int64 { lock.withLock { revision } }
    var isBuildingGraph: Bool { index.isBuildingGraph }

    func apply(_ vectors: [ListingVector]) throws {
        guard let last = vectors.last else { return }
        let keyed = vectors.compactMap { vector in UUID(uuidString: vector.listingID).map { ($0, vector.values) } }
        // Small batches: each holds the index's write lock, and searches wait for it.
        for start in stride(from: 0, to: keyed.count, by: 256) {
            try index.insert(contentsOf: Array(keyed[start..<min(start + 256, keyed.count)]))
        }
        // Written after the index journaled the vectors: a crash in between only re-applies them.
        try String(last.revision).write(to: revisionFile, atomically: true, encoding: .utf8)
        lock.withLock { revision = last.revision }
    }

    func remove(_ listingID: String) throws {
        guard let key = UUID(uuidString: listingID) else { return }
        _ = try index.remove(key)
    }

    func search(_ query: [Float], limit: Int, where filter: (@Sendable (UUID) -> Bool)?) -> [(listingID: String, score: Float)] {
        let matches = index.search(query, limit: limit, where: filter)
        return matches.map { (Self.listingID($0.key), $0.score) }
    }

    /// Listing ids are lowercase UUID strings; `UUID.uuidString` is uppercase.
    private static func listingID(_ key: UUID) -> String { key.uuidString.lowercased() }
}
