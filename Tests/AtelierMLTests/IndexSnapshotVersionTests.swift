import Foundation
import Testing
@testable import AtelierML

@Suite("Index snapshot versions")
struct IndexSnapshotVersionTests {
    /// Indexes saved before vectors were kept as int8 hold float32 vectors (version 1): they open,
    /// their vectors quantised as they load, and the next save writes version 2.
    @Test func versionOneSnapshotsStillOpen() throws {
        var rng = SeededGenerator(state: 11)
        let entries = rng.entries(40)
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let snapshot = directory.appendingPathComponent("index.snapshot")
        try versionOne(entries, generation: 1).write(to: snapshot)

        let index = try VectorIndex(directory: directory, dimensions: 384)
        #expect(index.count == entries.count)
        for entry in entries {
            let found = index.search(entry.vector, limit: 1)
            #expect(found.first?.key == entry.key)
            #expect(abs((found.first?.score ?? 0) - 1) < 2e-3)
        }
        try index.save()
        let saved = try Data(contentsOf: snapshot)
        #expect(saved.subdata(in: 8..<12).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) } == 2)
        #expect(try VectorIndex(directory: directory, dimensions: 384).search(entries[7].vector, limit: 1).first?.key == entries[7].key)
    }

    /// The version-1 layout: 64-byte header, keys, live flags, float32 vectors, no graph, checksum.
    private func versionOne(_ entries: [(key: UUID, vector: [Float])], generation: UInt64) -> Data {
        var file = Data("ATVXSNAP".utf8)
        file.appendRaw(UInt32(1))
        file.appendRaw(UInt32(384))
        file.appendRaw(generation)
        file.appendRaw(UInt64(entries.count))
        file.appendRaw(UInt32(0))  // m: no graph
        file.appendRaw(UInt32(0))
        file.appendRaw(Int32(-1))
        file.appendRaw(Int32(0))
        file.append(Data(count: 16))
        for entry in entries { file.appendRaw(entry.key.uuid) }
        file.append(Data(repeating: 1, count: entries.count))
        for entry in entries { entry.vector.withUnsafeBytes { file.append(contentsOf: $0) } }
        var checksum = Checksum()
        file.withUnsafeBytes { checksum.update($0) }
        file.appendRaw(checksum.value)
        return file
    }
}
