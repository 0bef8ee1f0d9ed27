import Foundation
import Testing
@testable import AtelierKit

#if os(Linux)
let isLinux = true
#else
let isLinux = false
#endif

@Suite struct UpdatesTests {
    /// Runs a short `dev.sleep` job and follows it with `transport` alone.
    /// With one transport only, every update after the first (read by GET) came through it.
    func follow(_ transport: UpdateTransport, fail: Bool = false) async throws -> [Job] {
        try await follow(options: .only(transport), fail: fail)
    }

    func follow(options given: UpdateOptions, fail: Bool = false) async throws -> [Job] {
        try await withServer { server in
            let client = try await server.client()
            let job = try await client.jobs.create(processor: "dev.sleep", params: ["ms": 1000, "fail": .bool(fail)])
            var seen: [Job] = []
            var options = given
            options.pollInterval = 0.2
            for try await update in client.jobs.updates(job.id, options: options) { seen.append(update) }
            return seen
        }
    }

    @Test(.disabled(if: isLinux, "Linux Foundation (libcurl) can spin forever on a streamed response; the SDK uses long-poll there"))
    func serverSentEventsReachSucceeded() async throws {
        let seen = try await follow(.serverSentEvents)
        #expect(seen.last?.state == .succeeded)
        if seen.first?.state.isTerminal == false { #expect(seen.contains { $0.state == .running && $0.progress > 0 }) }
    }

    @Test func longPollReachesSucceeded() async throws {
        #expect(try await follow(.longPoll).last?.state == .succeeded)
    }

    @Test func pollingReachesSucceeded() async throws {
        #expect(try await follow(.polling).last?.state == .succeeded)
    }

    @Test(.disabled(if: isLinux, "Linux Foundation's libcurl (7.88) has no WebSocket support"))
    func webSocketReachesSucceeded() async throws {
        #expect(try await follow(.webSocket).last?.state == .succeeded)
    }

    @Test func failureEndsTheStreamWithTheError() async throws {
        let last = try await follow(.longPoll, fail: true).last
        #expect(last?.state == .failed)
        #expect(last?.error != nil)
    }

    @Test func fallsBackWhenATransportFails() async throws {
        // The default order (WebSocket first where the platform has it): whichever works first.
        #expect(try await follow(options: UpdateOptions()).last?.state == .succeeded)
    }

    @Test(.disabled(if: isLinux, "Linux Foundation (libcurl) can spin forever on a streamed response; the SDK uses long-poll there"))
    func stoppingTheIterationCancelsCleanly() async throws {
        try await withServer { server in
            let client = try await server.client()
            let job = try await client.jobs.create(processor: "dev.sleep", params: ["ms": 60000])
            for try await update in client.jobs.updates(job.id, options: .only(.serverSentEvents)) {
                #expect(update.id == job.id)
                break
            }
            try await client.jobs.cancel(job.id)
        }
    }

    @Test(.disabled(if: isLinux, "Linux Foundation (libcurl) can spin forever on a streamed response; the SDK uses long-poll there"))
    func eventsOfAllJobs() async throws {
        try await withServer { server in
            let client = try await server.client()
            let stream = client.events()
            let job = try await client.jobs.create(processor: "dev.sleep", params: ["ms": 1500])
            for try await event in stream where event.jobID == job.id && event.state.isTerminal {
                #expect(event.state == .succeeded)
                break
            }
        }
    }
}

@Suite struct ResumeTests {
    /// A second SSE connection with `Last-Event-ID` carries on after the last event seen.
    @Test(.disabled(if: isLinux, "Linux Foundation (libcurl) can spin forever on a streamed response; the SDK uses long-poll there"))
    func serverSentEventsResumeAfterLastEventID() async throws {
        try await withServer { server in
            let client = try await server.client()
            let job = try await client.jobs.create(processor: "dev.sleep", params: ["ms": 2000])
            let path = "/jobs/\(job.id)/events"
            var lastID: String?
            var firstPart: [JobEvent] = []
            do {
                let events = try await EventSources.serverSentEvents(core: client.core, path: path, lastEventID: nil)
                for try await (id, event) in events {
                    firstPart.append(event)
                    if let id { lastID = id }
                    if lastID != nil && (firstPart.count >= 3 || event.state.isTerminal) { break }
                }
            }
            let resumeAfter = try #require(lastID.flatMap(Int.init))
            var rest: [JobEvent] = []
            let resumed = try await EventSources.serverSentEvents(core: client.core, path: path, lastEventID: String(resumeAfter))
            for try await (_, event) in resumed {
                rest.append(event)
                if event.state.isTerminal { break }
            }
            #expect(rest.last?.state == .succeeded)
            #expect(rest.allSatisfy { ($0.sequence ?? Int.max) > resumeAfter })
        }
    }
}
