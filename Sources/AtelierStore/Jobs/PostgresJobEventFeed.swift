import AtelierCore
import Foundation
import Logging
import PostgresNIO
import SQLKit

/// Job changes across processes on PostgreSQL. Every job event is announced with NOTIFY in the
/// statement that records it (`SQLJobStore.recordEvents`; delivered at commit, in commit order,
/// which the event lock makes sequence order); each process LISTENs on one dedicated connection. A payload carries
/// `origin|sequence|owner|job|snapshot` (the snapshot left out when it would not fit NOTIFY's
/// 8000 bytes; the listener then reads the row). Queued jobs also announce themselves on a
/// second channel that worker processes follow to wake up.
struct PostgresJobEventFeed: JobEventFeed {
    static let eventsChannel = "atelier_job_events"
    static let queuedChannel = "atelier_jobs_queued"

    let database: PostgresDatabase
    /// The store's origin: this process's own events reached its hub already.
    let origin: String
    /// The last sequence heard of, kept across reconnects: a new connection first replays what
    /// was recorded after it, so a stream misses nothing while the connection was down, nor
    /// between opening the feed and its first LISTEN (the process starts serving in between).
    private let cursor: Cursor

    /// Starts where the events stand now.
    static func open(database: PostgresDatabase, origin: String) async throws -> PostgresJobEventFeed {
        let latest = try await database.read { db in
            try await db.raw("SELECT COALESCE(MAX(sequence), 0) AS latest FROM job_events").first()?.decode(column: "latest", as: Int64.self)
        }
        return PostgresJobEventFeed(database: database, origin: origin, cursor: Cursor(latest ?? 0))
    }

    func follow(events: Bool, wakeups: Bool, logger: Logger, interested: @escaping @Sendable (String) -> Bool,
                _ deliver: @escaping @Sendable (JobAnnouncement) async -> Void) async {
        guard events || wakeups else { return }
        var retry = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                let connection = try await database.dedicatedConnection()
                do {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        if wakeups {
                            group.addTask {
                                try await connection.listen(on: Self.queuedChannel) { notifications in
                                    await deliver(.queued)  // whatever was queued while not listening
                                    for try await _ in notifications { await deliver(.queued) }
                                }
                            }
                        }
                        if events {
                            group.addTask {
                                try await connection.listen(on: Self.eventsChannel) { notifications in
                                    try await catchUp(interested: interested, deliver)
                                    for try await notification in notifications {
                                        try await receive(notification.payload, interested: interested, deliver)
                                    }
                                }
                            }
                        }
                        // A connection that died quietly is noticed by a query that fails.
                        group.addTask {
                            while true {
                                try await Task.sleep(for: .seconds(15))
                                _ = try await connection.query("SELECT 'atelier_job_events' AS listening", logger: logger).collect()
                            }
                        }
                        try await group.next()
                        group.cancelAll()
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
                retry = .milliseconds(100)
            } catch where Task.isCancelled {
                return
            } catch {
                logger.warning("job event feed disconnected; reconnecting", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: retry)
            retry = min(retry * 2, .seconds(5))
        }
    }

    /// One announcement: skipped when this process made it or nobody here follows its owner.
    private func receive(_ payload: String, interested: (String) -> Bool,
                         _ deliver: @Sendable (JobAnnouncement) async -> Void) async throws {
        let parts = payload.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, let sequence = Int64(parts[1]) else { return }
        let isNew = cursor.withLock { last in
            guard sequence > last else { return false }
            last = sequence
            return true
        }
        let ownerID = String(parts[2])
        guard isNew, parts[0] != origin, interested(ownerID) else { return }
        let event: JobEvent?
        if parts[4].isEmpty {
            event = try await database.read { db in
                try await db.raw("SELECT * FROM job_events WHERE sequence = \(bind: sequence)").first().flatMap(JobRows.event)
            }
        } else {
            event = JobRows.event(sequence: sequence, jobID: String(parts[3]), ownerID: ownerID, snapshot: parts[4], createdAt: Date())
        }
        if let event { await deliver(.event(event)) }
    }

    /// Once listening: replays every event recorded since the last one heard of (later ones
    /// come as notifications; one that comes both ways is skipped by its sequence).
    private func catchUp(interested: (String) -> Bool, _ deliver: @Sendable (JobAnnouncement) async -> Void) async throws {
        var after = cursor.withLock { $0 }
        while true {
            let page = try await database.read { [after] db in
                try await db.raw("SELECT * FROM job_events WHERE sequence > \(bind: after) ORDER BY sequence LIMIT 1000").all()
            }
            guard let last = try page.last?.decode(column: "sequence", as: Int64.self) else { return }
            for event in try page.compactMap(JobRows.event) where interested(event.ownerID) { await deliver(.event(event)) }
            after = last
            cursor.withLock { $0 = max($0, last) }
            if page.count < 1000 { return }
        }
    }
}

/// The last event sequence a feed heard of.
private final class Cursor: @unchecked Sendable {  // `last` is guarded by `lock`
    private let lock = NSLock()
    private var last: Int64

    init(_ last: Int64) {
        self.last = last
    }

    func withLock<T>(_ body: (inout Int64) -> T) -> T {
        lock.withLock { body(&last) }
    }
}
