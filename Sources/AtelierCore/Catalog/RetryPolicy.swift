import Foundation

/// When the crawler tries a request again: on 429, on transient 5xx and on network errors, with
/// exponential backoff plus jitter, and never sooner than the server's Retry-After.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// Backoff before the second attempt; it doubles for each later one.
    public var baseDelay: Duration
    /// Backoff never grows beyond this.
    public var maxDelay: Duration
    /// A server asking for a longer wait than this is given up on rather than waited for.
    public var maxRetryAfter: Duration
    /// Up to this fraction of the backoff is added at random, so crawlers do not retry in step.
    public var jitter: Double

    public init(maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30),
                maxRetryAfter: Duration = .seconds(120), jitter: Double = 0.25) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
        self.jitter = max(0, jitter)
    }

    public enum Decision: Sendable, Equatable {
        case retry(after: Duration)
        /// The attempts are used up.
        case giveUp
        /// Retry-After asks for more than `maxRetryAfter`.
        case waitTooLong(Duration)
    }

    /// 501 and 505 say the request will never work; other 5xx may pass.
    public static func isRetryable(status: Int) -> Bool {
        status == 429 || ((500...599).contains(status) && status != 501 && status != 505)
    }

    /// What to do after `attempt` (1-based) failed; `retryAfter` is the response's header, if any.
    public func decide(afterAttempt attempt: Int, retryAfter: String?, now: Date = Date()) -> Decision {
        guard attempt < maxAttempts else { return .giveUp }
        var wait = backoff(afterAttempt: attempt)
        if let retryAfter, let asked = Self.retryAfter(retryAfter, now: now) {
            guard asked <= maxRetryAfter else { return .waitTooLong(asked) }
            wait = max(wait, asked)
        }
        return .retry(after: wait)
    }

    /// base × 2^(attempt−1), capped, plus up to `jitter` of itself.
    public func backoff(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let grown = baseDelay * (1 << exponent)
        let capped = min(grown, maxDelay)
        return capped + capped * Double.random(in: 0...jitter)
    }

    /// Retry-After as delay-seconds ("120") or an HTTP-date; a date in the past means now.
    public static func retryAfter(_ value: String, now: Date = Date()) -> Duration? {
        // asctime pads the day with a space: "Sun Nov  6 08:49:37 1994".
        let text = value.split(separator: " ").joined(separator: " ")
        if let seconds = Int64(text) { return seconds >= 0 ? .seconds(seconds) : nil }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) {
                return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
            }
        }
        return nil
    }
}
