import Foundation
import Testing
@testable import AtelierKit

@Suite struct JobsTests {
    @Test func catalogueCreateGetListCancelAndCredits() async throws {
        try await withServer { server in
            let client = try await server.client()
            let processors = try await client.processors.list()
            let sleep = try #require(processors.first { $0.name == "dev.sleep" })
            #expect(sleep.cost == 1)

            let job = try await client.jobs.create(processor: "dev.sleep", params: ["ms": 60000])
            #expect(job.creditsCharged == 1)
            #expect(try await client.jobs.get(job.id).id == job.id)
            let page = try await client.jobs.list(limit: 10, processor: "dev.sleep")
            #expect(page.items.map(\.id).contains(job.id))

            try await client.jobs.cancel(job.id)
            var last: Job?
            for try await update in client.jobs.updates(job.id, options: .only(.longPoll)) { last = update }
            #expect(last?.state == .canceled)

            let credits = try await client.credits.get()
            #expect(credits.balance == 10)  // charged, then refunded
            #expect(credits.ledger.contains { $0.jobID == job.id && $0.delta == -1 })
            #expect(credits.balance == credits.ledger.reduce(0) { $0 + $1.delta })
            #expect(try await client.credits.balance() == 10)
        }
    }

    @Test func unknownProcessor() async throws {
        try await withServer { server in
            let client = try await server.client()
            let error = await #expect(throws: AtelierError.self) {
                try await client.jobs.create(processor: "no.such.thing")
            }
            #expect(error?.code == "UNKNOWN_PROCESSOR")
            #expect(error?.status == 422)
        }
    }

    @Test func insufficientCredits() async throws {
        try await withServer { server in
            let client = try await server.client()
            for _ in 0..<10 { _ = try await client.jobs.create(processor: "dev.sleep", params: ["ms": 0]) }
            let error = await #expect(throws: AtelierError.self) {
                try await client.jobs.create(processor: "dev.sleep", params: ["ms": 0])
            }
            #expect(error?.code == "INSUFFICIENT_CREDITS")
            #expect(error?.status == 402)
        }
    }

    @Test func etagCacheAnswersFromMemoryOn304() async throws {
        try await withServer { server in
            let client = try await server.client()
            let first = try await client.processors.list()
            let second = try await client.processors.list()
            #expect(first == second)
            #expect(await client.core.cache.hits == 1)

            // A finished job no longer changes, so the second read must be answered from the cache.
            let job = try await client.jobs.create(processor: "dev.sleep", params: ["ms": 0])
            var read = try await client.jobs.get(job.id)
            for _ in 0..<100 where !read.state.isTerminal {
                try await Task.sleep(for: .milliseconds(100))
                read = try await client.jobs.get(job.id)
            }
            let hitsBefore = await client.core.cache.hits
            let reread = try await client.jobs.get(job.id)
            #expect(read.state == .succeeded && read == reread)
            #expect(await client.core.cache.hits == hitsBefore + 1)
        }
    }
}
