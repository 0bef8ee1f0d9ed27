import Foundation

/// Remembers the last body and ETag of cacheable GETs, so a 304 can be answered from memory.
actor ETagCache {
    struct Entry { let etag: String; let body: Data }
    private var entries: [String: Entry] = [:]
    /// How many answers came from the cache after a 304 (a test hook).
    private(set) var hits = 0

    func entry(for key: String) -> Entry? { entries[key] }
    func store(_ body: Data, etag: String, for key: String) { entries[key] = Entry(etag: etag, body: body) }
    func recordHit() { hits += 1 }
    func removeAll() { entries.removeAll() }
}

/// Counts events for tests and diagnostics (e.g. retries made).
actor Counter {
    private(set) var value = 0
    func increment() { value += 1 }
}
