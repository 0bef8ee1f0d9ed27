import AtelierCore
import AtelierStore
import Foundation
import Logging
import Testing

/// The queue's rules on a real database (SQLite, or PostgreSQL when the tests are given one),
/// with time passed in: leases, retries and refunds.
@Suite("Job queue")
struct JobQueueTests {
    static func withStore(_ body: (SQLJobStore, String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-queue-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await TestDatabase.with(in: folder, file: "queue.sqlite") { database in
            let user = User(id: Identifier.make(), email: "queue@example.com", displayName: nil, createdAt: Date())
            try await SQLAccountStore(database: database).insert(user, passwordHash: "x")
            let store = SQLJobStore(database: database)
            _ = try await store.grant(ownerID: user.id, amount: 5, reason: "welcome")
            try await body(store, user.id)
        }
    }

    static func enqueue(_ store: SQLJobStore, ownerID: String, at now: Date, maxAttempts: Int = 2) async throws -> Job {
        let job = Job(id: Identifier.make(now: now), ownerID: ownerID, processor: "dev.sleep", state: .queued, queue: .standard,
                      priority: 0, mediaIDs: [], params: .object([:]), creditsCharged: 2, maxAttempts: maxAttempts, createdAt: now, updatedAt: now)
        let key = IdempotencyKey(key: job.id, ownerID: ownerID, requestHash: "h")
        #expect(try await store.reserve(key, now: now, inFlightTimeout: 60) == .reserved)
        _ = try await store.create(job, idempotency: key, response: (202, Data("{}".utf8)))
        return job
    }

    @Test("an expired lease returns the job; the old worker can no longer finish it; out of attempts it fails and is refunded")
    func leases() async throws {
        try await Self.withStore { store, owner in
            let start = Date()
            let job = try await Self.enqueue(store, ownerID: owner, at: start)
            #expect(try await store.balance(ownerID: owner) == 3)

            let first = try #require(try await store.claim(queue: .standard, processors: ["dev.sleep"], workerID: "a",
                                                            leaseUntil: start.addingTimeInterval(30), now: start))
            #expect(first.job.attempts == 1)
            #expect(try await store.recoverExpiredLeases(now: start.addingTimeInterval(10)).isEmpty)
            let requeued = try await store.recoverExpiredLeases(now: start.addingTimeInterval(31))
            #expect(requeued.map(\.job.state) == [.queued])

            let second = try #require(try await store.claim(queue: .standard, processors: ["dev.sleep"], workerID: "b",
                                                             leaseUntil: start.addingTimeInterval(62), now: start.addingTimeInterval(32)))
            #expect(second.job.attempts == 2)
            // Worker "a" comes back from the dead: its result is not recorded.
            #expect(try await store.finish(jobID: job.id, workerID: "a", outcome: .succeeded(.init(mediaIDs: [], data: [:])), now: start.addingTimeInterval(33)) == nil)

            let failed = try await store.recoverExpiredLeases(now: start.addingTimeInterval(63))
            #expect(failed.map(\.job.state) == [.failed])
            #expect(failed.first?.job.error?.code == "WORKER_LOST")
            #expect(try await store.balance(ownerID: owner) == 5)
            #expect(try await store.ledger(ownerID: owner, afterID: nil, limit: 10).map(\.reason) == ["refund", "job", "welcome"])
        }
    }

    @Test("a retry waits out its backoff before it can be claimed again")
    func retryWaits() async throws {
        try await Self.withStore { store, owner in
            let start = Date()
            let job = try await Self.enqueue(store, ownerID: owner, at: start, maxAttempts: 3)
            _ = try await store.claim(queue: .standard, processors: ["dev.sleep"], workerID: "a", leaseUntil: start.addingTimeInterval(30), now: start)
            let retried = try await store.finish(jobID: job.id, workerID: "a",
                                                 outcome: .retry(JobFailure(code: "BUSY", message: "busy"), delay: .seconds(60)), now: start)
            #expect(retried?.job.state == .queued)
            #expect(try await store.claim(queue: .standard, processors: ["dev.sleep"], workerID: "b",
                                          leaseUntil: start.addingTimeInterval(90), now: start.addingTimeInterval(59)) == nil)
            let again = try await store.claim(queue: .standard, processors: ["dev.sleep"], workerID: "b",
                                              leaseUntil: start.addingTimeInterval(120), now: start.addingTimeInterval(61))
            #expect(again?.job.attempts == 2)
            #expect(try await store.balance(ownerID: owner) == 3, "a retry is not refunded")
        }
    }

    @Test("retry delays double per attempt, with jitter, up to five minutes")
    func backoff() async throws {
        try await Self.withStore { store, _ in
            let catalogue = ProcessorCatalogue([])
            let jobs = JobService(store: store, catalogue: catalogue, media: MediaService(store: NoMedia(), blobs: NoMedia(), images: NoMedia(), limits: .init()),
                                  events: JobEventHub(), signal: WorkSignal())
            let pool = WorkerPool(store: store, catalogue: catalogue, jobs: jobs, settings: .init(backoffBase: .seconds(2)), logger: Logger(label: "test"))
            for (attempt, ceiling) in [(1, 2.0), (2, 4.0), (3, 8.0), (12, 300.0)] {
                for _ in 0..<20 {
                    let delay = pool.backoff(attempt: attempt)
                    #expect(delay >= .milliseconds(Int(ceiling * 500)) && delay <= .milliseconds(Int(ceiling * 1000)), "attempt \(attempt): \(delay)")
                }
            }
        }
    }
}

extension JobQueueTests {
    @Test("ids of one millisecond sort in the order they were made, with ids for other times made between them (ledger order)")
    func idsKeepTheirOrder() {
        let now = Date()
        var ids: [String] = []
        for step in 0..<200 {
            ids.append(Identifier.make(now: now))
            _ = Identifier.make(now: now.addingTimeInterval(step % 2 == 0 ? 63 : -63))
        }
        #expect(ids == ids.sorted() && Set(ids).count == ids.count)
        #expect(ids.allSatisfy(Identifier.isWellFormed))
    }

    @Test("recurring work runs once per period however many processes share the database (the hourly blob sweep among them)")
    func recurringOncePerPeriod() async throws {
        try await Self.withStore { store, _ in
            actor Runs { var list: [Int64] = []; func add(_ run: Int64) { list.append(run) } }
            let runs = Runs()
            let period = Duration.seconds(3600)
            @Sendable func occurrence() -> Int64 { Int64(Date().timeIntervalSince1970 / period.seconds) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Three "processes", each with its own runner, started together on one database.
                for _ in 0..<3 {
                    group.addTask { await RecurringWork(store: store, logger: Logger(label: "test")).run("sweep-test", every: period) {
                        await runs.add(occurrence())
                    } }
                }
                while await runs.list.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
                // Time for the other two to try (each tries at once on start).
                try await Task.sleep(for: .milliseconds(500))
                group.cancelAll()
            }
            let ran = await runs.list
            #expect(!ran.isEmpty && Set(ran).count == ran.count, "\(ran)")
            #expect(try await store.claimOccurrence(name: "sweep-test", occurrence: occurrence()) == false, "this period is taken")
            let now = occurrence()
            #expect(try await store.claimOccurrence(name: "sweep-test", occurrence: now + 1), "the next is free")
            // Only the last 100 occurrences are kept.
            #expect(try await store.claimOccurrence(name: "sweep-test", occurrence: now + 101))
            #expect(try await store.claimOccurrence(name: "sweep-test", occurrence: now + 1) == false, "kept")
            #expect(try await store.claimOccurrence(name: "sweep-test", occurrence: now), "forgotten")
        }
    }
}

/// Media ports that are never called in these tests.
private struct NoMedia: MediaStore, BlobStore, ImageProcessor {
    func insert(_ asset: MediaAsset) async throws -> Bool { fatalError("not used") }
    func asset(id: String, ownerID: String?) async throws -> MediaAsset? { nil }
    func asset(ownerID: String, sha256: String) async throws -> MediaAsset? { nil }
    func list(ownerID: String, afterID: String?, limit: Int) async throws -> [MediaAsset] { [] }
    func assets(ownerID: String) async throws -> [MediaAsset] { [] }
    func delete(id: String) async throws {}
    func references(blobKey: String) async throws -> Int { 0 }
    func put(_ data: Data, key: String) async throws {}
    func get(key: String) async throws -> Data? { nil }
    func delete(key: String) async throws {}
    func header(of data: Data) async throws -> ImageHeader { fatalError("not used") }
    func variant(of data: Data, maxSide: Int, format: ImageFormat) async throws -> EncodedImage { fatalError("not used") }
}
