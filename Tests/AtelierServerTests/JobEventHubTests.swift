import AtelierCore
import Foundation
import Testing

/// The in-process fan-out: what a subscriber that reads late still gets, and how a subscription ends.
@Suite("Job event hub")
struct JobEventHubTests {
    static func event(_ sequence: Int64, job: Int, owner: String = "owner", state: JobState = .running) -> JobEvent {
        JobEvent(sequence: sequence, jobID: "job-\(job)", ownerID: owner, state: state, progress: state.isTerminal ? 1 : 0.5,
                 step: nil, result: nil, error: nil, at: Date())
    }

    /// Everything the subscription holds now, without waiting for more.
    static func drain(_ live: JobEventSubscription) async -> [JobEvent] {
        var read: [JobEvent] = []
        while case .event(let event) = await live.next(idleAfter: .milliseconds(50)) { read.append(event) }
        return read
    }

    @Test("a subscriber that keeps up gets every event of its owner, in order, and nobody else's")
    func everyEventInOrder() async throws {
        let hub = JobEventHub()
        let live = hub.subscribe(ownerID: "owner", jobID: nil)
        var sent: [JobEvent] = []
        for sequence in 1...200 {
            let event = Self.event(Int64(sequence), job: sequence % 7)
            sent.append(event)
            hub.publish(event)
            hub.publish(Self.event(Int64(10_000 + sequence), job: 99, owner: "stranger"))
        }
        #expect(await Self.drain(live) == sent)
    }

    @Test("a subscriber that stays ten events behind through 5,000 events gets every one, in order")
    func steadyLag() async throws {
        let hub = JobEventHub()
        let live = hub.subscribe(ownerID: "owner", jobID: nil)
        var sent: [JobEvent] = []
        var read: [JobEvent] = []
        for sequence in 1...5_000 {
            let event = Self.event(Int64(sequence), job: sequence % 3)
            sent.append(event)
            hub.publish(event)
            if sequence > 10, let next = await live.next() { read.append(next) }
        }
        read += await Self.drain(live)
        #expect(read == sent)
    }

    @Test("a subscriber far behind a burst of 600 jobs still gets every job's last state, each job's events in order")
    func burstKeepsEveryJobsLatestState() async throws {
        let hub = JobEventHub()
        let live = hub.subscribe(ownerID: "owner", jobID: nil)
        var sequence: Int64 = 0
        var last: [String: JobEvent] = [:]
        for round in 0..<3 {
            for job in 0..<600 {
                sequence += 1
                let event = Self.event(sequence, job: job, state: round == 2 ? .succeeded : .running)
                hub.publish(event)
                last[event.jobID] = event
            }
        }
        let read = await Self.drain(live)
        // Nothing read for 1,800 events: the backlog kept at most a few per job, and each job's newest.
        #expect(read.count < 1_800)
        var newest: [String: JobEvent] = [:]
        for event in read {
            if let earlier = newest[event.jobID] { #expect(earlier.sequence < event.sequence) }
            newest[event.jobID] = event
        }
        #expect(newest == last)
        #expect(newest.values.allSatisfy { $0.state == .succeeded })
    }

    @Test("a one-job subscription sees only that job; a wait with nothing new is idle, then the next event comes")
    func oneJobAndIdle() async throws {
        let hub = JobEventHub()
        let live = hub.subscribe(ownerID: "owner", jobID: "job-1")
        #expect(await live.next(idleAfter: .milliseconds(20)) == .idle)
        async let next = live.next(idleAfter: .seconds(30))
        try await Task.sleep(for: .milliseconds(50))
        let mine = Self.event(2, job: 1)
        hub.publish(Self.event(1, job: 2))
        hub.publish(mine)
        #expect(await next == .event(mine))
    }

    @Test("a subscription ends when the hub closes, when its task is cancelled, and unsubscribes when released")
    func endings() async throws {
        let hub = JobEventHub()
        let closing = hub.subscribe(ownerID: "owner", jobID: nil)
        async let ended = closing.next()
        try await Task.sleep(for: .milliseconds(50))
        hub.close()
        #expect(await ended == nil)
        #expect(await hub.subscribe(ownerID: "owner", jobID: nil).next() == nil, "a subscription after close is over at once")

        let open = JobEventHub()
        let waiting = Task {
            let live = open.subscribe(ownerID: "owner", jobID: nil)
            return await live.next()
        }
        while !open.hasSubscribers(ownerID: "owner") { try await Task.sleep(for: .milliseconds(5)) }
        waiting.cancel()
        #expect(await waiting.value == nil)
        #expect(!open.hasSubscribers(ownerID: "owner"), "the released subscription is gone from the hub")
    }
}
