import AtelierCore
import AtelierStore
import Foundation
import Testing

/// Claiming and ending jobs in batches (a worker slot's way with short jobs), on a real database
/// (SQLite, or PostgreSQL when the tests are given one), with time passed in.
@Suite("Job batches")
struct JobBatchTests {
    static func request(_ workerID: String, until: Date) -> ClaimRequest {
        ClaimRequest(queue: .standard, processors: ["dev.sleep"], workerID: workerID, leaseUntil: until)
    }

    static let success = JobOutcome.succeeded(JobOutputRecord(mediaIDs: [], data: ["ok": .bool(true)]))

    @Test("concurrent batch claims never hand one job to two workers, and take every job")
    func noJobTwice() async throws {
        try await JobQueueTests.withStore { store, owner in
            _ = try await store.grant(ownerID: owner, amount: 200, reason: "test")
            let start = Date()
            var enqueued: Set<String> = []
            for i in 0..<60 { enqueued.insert(try await JobQueueTests.enqueue(store, ownerID: owner, at: start.addingTimeInterval(Double(i) / 1000)).id) }
            let now = start.addingTimeInterval(1)
            let claims = try await withThrowingTaskGroup(of: [(String, String)].self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var taken: [(String, String)] = []
                        var hand = try await store.claim(Self.request("w\(worker)", until: now.addingTimeInterval(30)), limit: 7, now: now)
                        while !hand.isEmpty {
                            taken += hand.map { ($0.job.id, "w\(worker)") }
                            #expect(hand.allSatisfy { $0.job.state == .running && $0.job.attempts == 1 && $0.event != nil })
                            let ends = hand.map { JobEnd(jobID: $0.job.id, outcome: Self.success) }
                            let (ended, next) = try await store.finish(ends, returning: [], workerID: "w\(worker)", now: now,
                                                                      thenClaim: Self.request("w\(worker)", until: now.addingTimeInterval(30)), limit: 7)
                            #expect(ended.allSatisfy { $0?.job.state == .succeeded })
                            hand = next
                        }
                        return taken
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claims.count == 60, "every job claimed exactly once")
            #expect(Set(claims.map(\.0)) == enqueued)
            let succeeded = try await store.jobs(ownerID: owner, state: .succeeded, processor: nil, afterID: nil, limit: 100)
            #expect(succeeded.count == 60)
            #expect(succeeded.allSatisfy { $0.result?.data["ok"] == .bool(true) && $0.attempts == 1 })
            // Every change has its event, in one sequence: each job queued, running, succeeded.
            let events = try await store.events(ownerID: owner, jobID: nil, after: 0)
            #expect(events.count == 180)
            let byJob = Dictionary(grouping: events, by: \.jobID)
            #expect(byJob.values.allSatisfy { $0.map(\.state) == [.queued, .running, .succeeded] })
        }
    }

    @Test("a batch is claimed in priority order, and ends of another worker's lease change nothing")
    func orderAndLeases() async throws {
        try await JobQueueTests.withStore { store, owner in
            _ = try await store.grant(ownerID: owner, amount: 20, reason: "test")
            let start = Date()
            let jobs = try await (0..<4).asyncMap { try await JobQueueTests.enqueue(store, ownerID: owner, at: start.addingTimeInterval(Double($0) / 1000)) }
            let now = start.addingTimeInterval(1)
            let hand = try await store.claim(Self.request("a", until: now.addingTimeInterval(30)), limit: 3, now: now)
            #expect(hand.map(\.job.id) == jobs.prefix(3).map(\.id), "oldest first at one priority")
            let (stolen, _) = try await store.finish(hand.map { JobEnd(jobID: $0.job.id, outcome: Self.success) }, returning: [],
                                                     workerID: "b", now: now, thenClaim: nil, limit: 1)
            #expect(stolen.allSatisfy { $0 == nil }, "not b's leases")
            let failure = JobFailure(code: "BAD", message: "bad")
            let (ended, next) = try await store.finish(
                [JobEnd(jobID: jobs[0].id, outcome: Self.success), JobEnd(jobID: jobs[1].id, outcome: .retry(failure, delay: .seconds(60))),
                 JobEnd(jobID: jobs[2].id, outcome: .failed(failure))],
                returning: [], workerID: "a", now: now, thenClaim: Self.request("a", until: now.addingTimeInterval(30)), limit: 5)
            #expect(ended.map { $0?.job.state } == [.succeeded, .queued, .failed])
            #expect(next.map(\.job.id) == [jobs[3].id], "the retry waits out its delay")
            // 4 jobs of 2 charged from 25, one failure refunded.
            #expect(try await store.balance(ownerID: owner) == 19)
        }
    }

    @Test("a job canceled while held unstarted in a batch ends canceled, refunded once; the others go back unspent")
    func canceledInHand() async throws {
        try await JobQueueTests.withStore { store, owner in
            let start = Date()
            let jobs = try await (0..<2).asyncMap { try await JobQueueTests.enqueue(store, ownerID: owner, at: start.addingTimeInterval(Double($0) / 1000)) }
            _ = try await store.grant(ownerID: owner, amount: 2, reason: "test")
            let third = try await JobQueueTests.enqueue(store, ownerID: owner, at: start.addingTimeInterval(0.002))
            #expect(try await store.balance(ownerID: owner) == 1)
            let now = start.addingTimeInterval(1)
            let hand = try await store.claim(Self.request("a", until: now.addingTimeInterval(30)), limit: 3, now: now)
            #expect(hand.count == 3)
            let asked = try await store.cancel(jobID: jobs[1].id, ownerID: owner, now: now)
            #expect(asked?.job.state == .running && asked?.job.cancelRequested == true)
            #expect(try await store.renew(jobIDs: [jobs[1].id, third.id], workerID: "a", leaseUntil: now.addingTimeInterval(60)).count == 2)
            // The worker ran the first, then gave the other two back unstarted.
            let (ended, next) = try await store.finish([JobEnd(jobID: jobs[0].id, outcome: Self.success)], returning: [jobs[1].id, third.id],
                                                       workerID: "a", now: now, thenClaim: nil, limit: 1)
            #expect(next.isEmpty)
            let states = Dictionary(uniqueKeysWithValues: ended.compactMap { $0 }.map { ($0.job.id, $0.job) })
            #expect(states[jobs[0].id]?.state == .succeeded)
            #expect(states[jobs[1].id]?.state == .canceled)
            #expect(states[third.id]?.state == .queued)
            #expect(states[third.id]?.attempts == 0, "an attempt never started is not counted")
            #expect(ended.allSatisfy { $0?.event != nil })
            #expect(try await store.balance(ownerID: owner) == 3, "the canceled job's 2 credits back")
            // Nothing refunds it again: another cancel, a late end from the worker, lease recovery.
            _ = try await store.cancel(jobID: jobs[1].id, ownerID: owner, now: now)
            #expect(try await store.finish(jobID: jobs[1].id, workerID: "a", outcome: .canceled, now: now) == nil)
            #expect(try await store.recoverExpiredLeases(now: now.addingTimeInterval(120)).isEmpty)
            #expect(try await store.balance(ownerID: owner) == 3)
            let refunds = try await store.ledger(ownerID: owner, afterID: nil, limit: 20).filter { $0.reason == "refund" }
            #expect(refunds.map(\.jobID) == [jobs[1].id])
            // The one given back runs again, as its first attempt.
            let again = try await store.claim(Self.request("b", until: now.addingTimeInterval(30)), limit: 4, now: now)
            #expect(again.map(\.job.id) == [third.id])
            #expect(again.first?.job.attempts == 1)
        }
    }

    @Test("renewing held jobs keeps them from lease recovery")
    func renewHeld() async throws {
        try await JobQueueTests.withStore { store, owner in
            let start = Date()
            let jobs = try await (0..<2).asyncMap { try await JobQueueTests.enqueue(store, ownerID: owner, at: start.addingTimeInterval(Double($0) / 1000)) }
            let hand = try await store.claim(Self.request("a", until: start.addingTimeInterval(30)), limit: 2, now: start.addingTimeInterval(1))
            #expect(hand.count == 2)
            #expect(try await store.renew(jobIDs: jobs.map(\.id), workerID: "b", leaseUntil: start.addingTimeInterval(90)).isEmpty, "not b's")
            #expect(try await store.renew(jobIDs: [jobs[1].id], workerID: "a", leaseUntil: start.addingTimeInterval(90)).count == 1)
            let recovered = try await store.recoverExpiredLeases(now: start.addingTimeInterval(60))
            #expect(recovered.map(\.job.id) == [jobs[0].id])
        }
    }
}

@Suite("Job creation in one write")
struct JobCreationTests {
    @Test("of concurrent creations with one new key, exactly one creates and charges; the others change nothing")
    func oneKeyOneJob() async throws {
        try await JobQueueTests.withStore { store, owner in
            _ = try await store.grant(ownerID: owner, amount: 100, reason: "test")
            let key = IdempotencyKey(key: "one-key", ownerID: owner, requestHash: "h")
            #expect(try await store.hasRecord(key) == false)
            let now = Date()
            let created = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let job = Job(id: Identifier.make(now: now), ownerID: owner, processor: "dev.sleep", state: .queued, queue: .standard,
                                      priority: 0, mediaIDs: [], params: .object([:]), creditsCharged: 3, maxAttempts: 2, createdAt: now, updatedAt: now)
                        let event = try await store.create(job, recordingKey: key, response: (202, Data(job.id.utf8)))
                        return event.map { _ in job.id }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = created.compactMap { $0 }
            #expect(winners.count == 1)
            #expect(try await store.balance(ownerID: owner) == 102, "one charge of 3")
            let jobs = try await store.jobs(ownerID: owner, state: nil, processor: nil, afterID: nil, limit: 50)
            #expect(jobs.map(\.id) == winners)
            #expect(try await store.hasRecord(key))
            // The key now replays the winner's response, and refuses another body.
            #expect(try await store.reserve(key, now: now, inFlightTimeout: 60) == .replay(status: 202, body: Data(winners[0].utf8)))
            let other = IdempotencyKey(key: "one-key", ownerID: owner, requestHash: "other")
            #expect(try await store.reserve(other, now: now, inFlightTimeout: 60) == .mismatch)
        }
    }

    @Test("a creation without the credits records neither the job nor the key")
    func noCreditsNoKey() async throws {
        try await JobQueueTests.withStore { store, owner in
            let key = IdempotencyKey(key: "poor", ownerID: owner, requestHash: "h")
            let now = Date()
            let job = Job(id: Identifier.make(now: now), ownerID: owner, processor: "dev.sleep", state: .queued, queue: .standard,
                          priority: 0, mediaIDs: [], params: .object([:]), creditsCharged: 6, maxAttempts: 2, createdAt: now, updatedAt: now)
            var refused: AtelierError?
            do {
                _ = try await store.create(job, recordingKey: key, response: (202, Data()))
            } catch let error as AtelierError {
                refused = error
            }
            #expect(refused?.code == "INSUFFICIENT_CREDITS")
            #expect(try await store.hasRecord(key) == false, "the client may fix the request and retry with the key")
            #expect(try await store.job(id: job.id, ownerID: nil) == nil)
            #expect(try await store.balance(ownerID: owner) == 5)
        }
    }
}

@Suite("Work signal")
struct WorkSignalTests {
    @Test("a job queued in a lane wakes one of its idle workers, or the next one to wait", .timeLimit(.minutes(5)))
    func wakesOne() async throws {
        let signal = WorkSignal()
        let lane = WorkLane(queue: .standard, system: false)
        // Nobody waits: the notification is kept for the next waiter, who returns without
        // waiting out its timeout (the time limit would stop the test first).
        await signal.notify(lane)
        await signal.wait(lane, timeout: .seconds(3600))
        // Two wait: one notification wakes exactly one, a second the other.
        let woken = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    await signal.wait(lane, timeout: .seconds(3600))
                    await woken.add()
                }
            }
            while await signal.waiters < 2 { try await Task.sleep(for: .milliseconds(10)) }
            await signal.notify(WorkLane(queue: .batch, system: false))
            #expect(await signal.waiters == 2, "another lane's job wakes neither")
            await signal.notify(lane)
            while await woken.value < 1 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(await signal.waiters == 1)
            await signal.notify(lane)
            try await group.waitForAll()
        }
        #expect(await woken.value == 2)
    }
}

private actor Counter {
    var value = 0
    func add() { value += 1 }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
