import Foundation
import Testing
@testable import AtelierKit

@Suite struct RetryTests {
    @Test func droppedJobCreationIsRetriedWithoutDoubleCharge() async throws {
        try await withServer { server in
            let proxy = try DroppingProxy(upstreamPort: server.port)
            defer { proxy.stop() }
            let proxyURL = try #require(URL(string: "http://127.0.0.1:\(proxy.port)"))
            let client = try await server.client(baseURL: proxyURL)
            let job = try await client.jobs.create(processor: "dev.sleep", params: ["ms": 0])
            #expect(proxy.jobPostsForwarded == 2)  // the first answer was lost, the retry replayed it

            let credits = try await client.credits.get()
            #expect(credits.balance == 9)
            #expect(credits.ledger.filter { $0.reason == "job" }.count == 1)
            let jobs = try await client.jobs.list()
            #expect(jobs.items.map(\.id) == [job.id])
        }
    }

    @Test func rateLimitedReadsAreRetriedAndPostsAreNot() async throws {
        try await withServer(environment: ["ATELIER_REQUESTS_PER_MINUTE": "30"]) { server in
            let client = try await server.client(retry: RetryPolicy(maxAttempts: 5, baseDelay: 0.1, maxDelay: 5))
            // 30 a minute: reads soon get a 429 with Retry-After, and succeed on a retry.
            for _ in 0..<300 where await client.core.retries.value == 0 {
                #expect(try await client.credits.balance() == 10)
            }
            #expect(await client.core.retries.value > 0)
            // A plain POST is not idempotent, so its 429 reaches the caller untried.
            let retriesBefore = await client.core.retries.value
            var limited: AtelierError?
            for _ in 0..<40 where limited == nil {
                do { _ = try await client.search.byMedia("no-such-media") }
                catch let error as AtelierError where error.status == 429 { limited = error }
                catch {}  // MODEL_UNAVAILABLE and the like: the request got through, try again
            }
            #expect(limited?.code == "RATE_LIMITED")
            #expect(await client.core.retries.value == retriesBefore)
        }
    }

    @Test func backoffGrowsAndHonoursRetryAfter() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: 1, maxDelay: 8)
        #expect((0.5...1).contains(policy.delay(attempt: 1, retryAfter: nil)))
        #expect((2...4).contains(policy.delay(attempt: 3, retryAfter: nil)))
        #expect((4...8).contains(policy.delay(attempt: 10, retryAfter: nil)))
        #expect(policy.delay(attempt: 1, retryAfter: 3) == 3)
        #expect(policy.delay(attempt: 1, retryAfter: 60) == 8)
        #expect(RetryPolicy.isRetryable(status: 429) && RetryPolicy.isRetryable(status: 503))
        #expect(!RetryPolicy.isRetryable(status: 500))
    }

    @Test func sseParserSplitsMessages() {
        var parser = SSEParser()
        let first = parser.feed(Data("id: 5\nevent: job\ndata: {\"a\":".utf8))
        #expect(first.isEmpty)
        let messages = parser.feed(Data("1}\n\n: keep-alive\n\nid: 6\r\ndata: x\r\n\r\n".utf8))
        #expect(messages.map(\.id) == ["5", "6"])
        #expect(messages.first?.data == "{\"a\":1}")
        #expect(messages.first?.event == "job")
    }
}
