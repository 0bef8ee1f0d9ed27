import Foundation

/// The index folder holds `index.snapshot` (see `IndexSnapshot`) and `journal-<g>.log` (see
/// `IndexJournal`), where g is the snapshot's generation. Every change is appended to the
/// journal before it is applied; a checkpoint writes a new snapshot (generation g + 1) by
/// write-temp-then-rename, then starts journal g + 1 and deletes journal g. Opening loads the
/// snapshot and replays its journal; graph levels come from a hash of the slot, so the replay
/// rebuilds exactly the graph that was in memory. A crash anywhere leaves a consistent pair.
extension IndexCore {
    static let snapshotName = "index.snapshot"

    static func journalURL(_ directory: URL, _ generation: UInt64) -> URL {
        directory.appendingPathComponent("journal-\(generation).log")
    }

    /// Opens the folder, creating an empty index if it holds none.
    static func open(
        directory: URL, dimensions: Int, exactSearchLimit: Int, parameters: HNSWParameters
    ) throws -> IndexCore {
        let files = FileManager.default
        try files.createDirectory(at: directory, withIntermediateDirectories: true)
        let snapshotURL = directory.appendingPathComponent(snapshotName)
        try? files.removeItem(at: snapshotURL.appendingPathExtension("tmp"))  // from a checkpoint that crashed
        var storage = VectorStorage(dimensions: dimensions)
        var graph: HNSWGraph?
        var generation: UInt64 = 0
        var parameters = parameters
        if files.fileExists(atPath: snapshotURL.path) {
            (storage, graph, generation) = try IndexSnapshot.read(snapshotURL, dimensions: dimensions)
            if let graph {  // the stored graph's shape wins over the arguments
                parameters.m = graph.m
                parameters.efConstruction = graph.efConstruction
            }
        }
        let journalName = journalURL(directory, generation).lastPathComponent
        for name in try files.contentsOfDirectory(atPath: directory.path)
        where name.hasPrefix("journal-") && name != journalName {
            // Older journals are already in the snapshot (a checkpoint crashed before deleting
            // them); a newer one means the snapshot was lost, and replaying it alone would be wrong.
            let older = UInt64(name.dropFirst("journal-".count).dropLast(".log".count)).map { $0 < generation }
            guard older == true else { throw VectorIndexError.corrupted("journal \(name) does not match the snapshot") }
            try files.removeItem(at: directory.appendingPathComponent(name))
        }
        let (journal, entries) = try IndexJournal.open(
            journalURL(directory, generation), generation: generation, dimensions: dimensions)
        let core = IndexCore(
            directory: directory, dimensions: dimensions, exactSearchLimit: exactSearchLimit,
            parameters: parameters, storage: storage, graph: graph, generation: generation, journal: journal)
        var compacted = false
        for entry in entries { compacted = core.apply(entry) || compacted }
        // Past the limit without a graph (the limit was lowered, or the process stopped before a
        // graph built beside the index was swapped in): `VectorIndex` builds it in the background.
        core.graphWanted = core.graph == nil && core.storage.liveCount > exactSearchLimit
        if compacted { try core.checkpoint() }
        return core
    }

    /// Journal length that triggers a checkpoint: enough to make snapshots rare, short enough
    /// that replaying it on opening stays quick.
    var journalLimit: Int { max(4_096, storage.slotCount / 16) }

    func checkpointIfDue() throws {
        if try currentJournal().recordCount >= journalLimit { try checkpoint() }
    }

    /// Writes a snapshot of everything and starts an empty journal.
    func checkpoint() throws {
        let next = generation + 1
        try IndexSnapshot.write(
            storage: storage, graph: graph, generation: next,
            to: directory.appendingPathComponent(Self.snapshotName))
        journal = nil  // journal g is folded into the snapshot; journal g + 1 opens on demand
        try? FileManager.default.removeItem(at: Self.journalURL(directory, generation))
        generation = next
        _ = try currentJournal()
    }

    /// The journal of the current generation, opened (created) if a checkpoint has just passed.
    func currentJournal() throws -> IndexJournal {
        if let journal { return journal }
        let url = Self.journalURL(directory, generation)
        try? FileManager.default.removeItem(at: url)  // a leftover would not belong to this snapshot
        let (fresh, _) = try IndexJournal.open(url, generation: generation, dimensions: dimensions)
        journal = fresh
        return fresh
    }
}
