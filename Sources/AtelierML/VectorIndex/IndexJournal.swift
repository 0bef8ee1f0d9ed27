import Foundation

/// One change recorded in the journal.
enum JournalEntry {
    case insert(UUID, [Float])
    case remove(UUID)
}

/// Append-only log of the changes made since the last snapshot; opening the index replays it.
///
/// File `journal-<generation>.log`, little-endian:
///   header  "ATVXJRNL", version u32 = 1, dimensions u32, generation u64, checksum u64 (of the above)
///   record  kind u8 (1 insert, 2 remove), key 16 bytes (UUID), vector dimensions × f32 (inserts only),
///           checksum u64 (of the record's preceding bytes)
/// Records are not fsynced one by one: a process crash loses nothing, a power cut may lose the
/// last changes (a checkpoint syncs everything). Each record is one write(2), so a crash can only tear the last record: opening drops a bad
/// tail no longer than one record. Anything else that fails its checksum is damage and throws.
final class IndexJournal {
    static let magic = Array("ATVXJRNL".utf8)
    private static let headerSize = 32

    private let handle: FileHandle
    let dimensions: Int
    private(set) var recordCount = 0

    private init(handle: FileHandle, dimensions: Int) {
        self.handle = handle
        self.dimensions = dimensions
    }

    deinit { try? handle.close() }

    /// Opens (or creates) the journal at `url` and returns it with the entries it holds.
    static func open(_ url: URL, generation: UInt64, dimensions: Int) throws -> (IndexJournal, [JournalEntry]) {
        if !FileManager.default.fileExists(atPath: url.path) {
            var header = Data(magic)
            header.appendRaw(UInt32(1))
            header.appendRaw(UInt32(dimensions))
            header.appendRaw(generation)
            var checksum = Checksum()
            checksum.update(header)
            header.appendRaw(checksum.value)
            try header.write(to: url, options: .atomic)
        }
        let contents = try Data(contentsOf: url)
        let (entries, validLength) = try contents.withUnsafeBytes {
            try parse($0, generation: generation, dimensions: dimensions)
        }
        let handle = try FileHandle(forUpdating: url)
        if validLength < contents.count { try handle.truncate(atOffset: UInt64(validLength)) }
        try handle.seekToEnd()
        let journal = IndexJournal(handle: handle, dimensions: dimensions)
        journal.recordCount = entries.count
        return (journal, entries)
    }

    private static func parse(
        _ bytes: UnsafeRawBufferPointer, generation: UInt64, dimensions: Int
    ) throws -> ([JournalEntry], Int) {
        var reader = ByteReader(bytes)
        var headerSum = Checksum()
        headerSum.update(UnsafeRawBufferPointer(rebasing: bytes.prefix(headerSize - 8)))
        guard Array(try reader.take(8)) == magic, try reader.read(UInt32.self) == 1,
              try reader.read(UInt32.self) == dimensions, try reader.read(UInt64.self) == generation,
              try reader.read(UInt64.self) == headerSum.value
        else { throw VectorIndexError.corrupted("journal header does not match the snapshot") }
        let fullRecord = 1 + 16 + 4 * dimensions + 8
        var entries: [JournalEntry] = []
        while reader.remaining > 0 {
            let start = reader.offset
            if let entry = try? readRecord(&reader, dimensions: dimensions) {
                entries.append(entry)
            } else if bytes.count - start <= fullRecord {
                return (entries, start)  // torn last record: the crash happened while appending it
            } else {
                throw VectorIndexError.corrupted("journal record at byte \(start) is damaged")
            }
        }
        return (entries, bytes.count)
    }

    private static func readRecord(_ reader: inout ByteReader, dimensions: Int) throws -> JournalEntry {
        let start = reader.offset
        let kind = try reader.read(UInt8.self)
        let key = UUID(uuid: try reader.read(uuid_t.self))
        guard kind == 1 || kind == 2 else { throw VectorIndexError.corrupted("unknown journal record") }
        let vector = kind == 1 ? try reader.readArray(Float.self, count: dimensions) : []
        var checksum = Checksum()
        checksum.update(UnsafeRawBufferPointer(rebasing: reader.bytes[start..<reader.offset]))
        guard try reader.read(UInt64.self) == checksum.value else {
            throw VectorIndexError.corrupted("journal checksum mismatch")
        }
        return kind == 1 ? .insert(key, vector) : .remove(key)
    }

    func append(_ entry: JournalEntry) throws {
        var record = Data(capacity: 1 + 16 + 4 * dimensions + 8)
        switch entry {
        case .insert(let key, let vector):
            record.appendRaw(UInt8(1))
            record.appendRaw(key.uuid)
            vector.withUnsafeBytes { record.append(contentsOf: $0) }
        case .remove(let key):
            record.appendRaw(UInt8(2))
            record.appendRaw(key.uuid)
        }
        var checksum = Checksum()
        checksum.update(record)
        record.appendRaw(checksum.value)
        try handle.write(contentsOf: record)
        recordCount += 1
    }
}
