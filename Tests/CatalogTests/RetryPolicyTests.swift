@testable import AtelierCore
import Foundation
import Testing

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test("backoff doubles from the base, capped, with up to 25% jitter added")
    func backoff() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(500), maxDelay: .seconds(3))
        for (attempt, base) in [(1, Duration.milliseconds(500)), (2, .seconds(1)), (3, .seconds(2)), (4, .seconds(3)), (9, .seconds(3))] {
            let wait = policy.backoff(afterAttempt: attempt)
            #expect(wait >= base && wait <= base * 1.25, "attempt \(attempt): \(wait)")
        }
    }

    @Test("Retry-After is waited for, unless longer than the cap; attempts run out")
    func decisions() {
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(100), maxRetryAfter: .seconds(60), jitter: 0)
        #expect(policy.decide(afterAttempt: 1, retryAfter: "7") == .retry(after: .seconds(7)))
        #expect(policy.decide(afterAttempt: 2, retryAfter: nil) == .retry(after: .milliseconds(200)))
        #expect(policy.decide(afterAttempt: 1, retryAfter: "0") == .retry(after: .milliseconds(100)), "never sooner than the backoff")
        #expect(policy.decide(afterAttempt: 1, retryAfter: "3600") == .waitTooLong(.seconds(3600)))
        #expect(policy.decide(afterAttempt: 1, retryAfter: "soon") == .retry(after: .milliseconds(100)), "an unreadable header is ignored")
        #expect(policy.decide(afterAttempt: 3, retryAfter: "1") == .giveUp)
    }

    @Test("Retry-After as seconds or as an HTTP-date in any of its three forms")
    func retryAfterParsing() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "1994-11-06T08:49:00Z"))
        #expect(RetryPolicy.retryAfter("120", now: now) == .seconds(120))
        #expect(RetryPolicy.retryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == .seconds(37))
        #expect(RetryPolicy.retryAfter("Sunday, 06-Nov-94 08:49:37 GMT", now: now) == .seconds(37))
        #expect(RetryPolicy.retryAfter("Sun Nov  6 08:49:37 1994", now: now) == .seconds(37))
        #expect(RetryPolicy.retryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now: now) == .zero, "a past date means now")
        #expect(RetryPolicy.retryAfter("-5", now: now) == nil)
        #expect(RetryPolicy.retryAfter("tomorrow", now: now) == nil)
    }

    @Test("429 and transient 5xx are retried; 4xx, 501 and 505 are not")
    func retryableStatuses() {
        #expect([429, 500, 502, 503, 504, 599].allSatisfy(RetryPolicy.isRetryable(status:)))
        #expect(![200, 301, 400, 403, 404, 410, 501, 505].contains(where: RetryPolicy.isRetryable(status:)))
    }
}
