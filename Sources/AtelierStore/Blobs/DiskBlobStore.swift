import AtelierCore
import Foundation

/// Blobs as files under one folder. Writes go to a temporary file that is renamed into place, so a
/// reader (or a crash) never sees half a file. Keys are made by Atelier and checked anyway.
public struct DiskBlobStore: SweepableBlobStore {
    let root: URL

    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root.appendingPathComponent("tmp"), withIntermediateDirectories: true)
    }

    public func put(_ data: Data, key: String) async throws {
        let target = try url(for: key)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = root.appendingPathComponent("tmp/\(UUID().uuidString)")
        try data.write(to: temporary)
        // rename(2) replaces atomically; the same key always holds the same content.
        guard rename(temporary.path, target.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown)
        }
    }

    public func get(key: String) async throws -> Data? {
        do {
            return try Data(contentsOf: try url(for: key))
        } catch CocoaError.fileReadNoSuchFile {
            return nil
        }
    }

    public func delete(key: String) async throws {
        do {
            try FileManager.default.removeItem(at: try url(for: key))
        } catch CocoaError.fileNoSuchFile {
            // Already gone: deleting is idempotent.
        }
    }

    public func keys(prefix: String, writtenBefore date: Date) async throws -> [String] {
        let folder = try url(for: prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix)
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.contentModificationDateKey, .isRegularFileKey]) else { return [] }
        var keys: [String] = []
        for case let file as URL in walker {
            let values = try file.resourceValues(forKeys: [.contentModificationDateKey, .isRegularFileKey])
            guard values.isRegularFile == true, let written = values.contentModificationDate, written < date else { continue }
            keys.append(prefix + String(file.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1)))
        }
        return keys
    }

    public func removeAbandonedWrites(before date: Date) async throws -> Int {
        let scratch = root.appendingPathComponent("tmp")
        var removed = 0
        for file in try FileManager.default.contentsOfDirectory(at: scratch, includingPropertiesForKeys: [.contentModificationDateKey]) {
            guard let written = try file.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate, written < date else { continue }
            try? FileManager.default.removeItem(at: file)
            removed += 1
        }
        return removed
    }

    private func url(for key: String) throws -> URL {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789./_-")
        guard !key.isEmpty, key.allSatisfy(allowed.contains), !key.hasPrefix("/"),
              !key.split(separator: "/").contains(where: { $0 == ".." || $0 == "." || $0.isEmpty })
        else { throw AtelierError(status: 500, code: "INTERNAL_ERROR", message: "Refused an unsafe blob key.") }
        return root.appendingPathComponent(key)
    }
}
