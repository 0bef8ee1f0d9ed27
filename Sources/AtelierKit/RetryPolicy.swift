import Foundation

/// How failed requests are retried: exponential backoff with full jitter, capped.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// The delay before the first retry, in seconds.
    public var baseDelay: Double
    /// The longest wait between attempts, in seconds (also caps `Retry-After`).
    public var maxDelay: Double

    public init(maxAttempts: Int = 4, baseDelay: Double = 0.3, maxDelay: Double = 20) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// No retries at all.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The wait before retry number `attempt` (1-based), honouring the server's `Retry-After`.
    func delay(attempt: Int, retryAfter: Double?) -> Double {
        if let retryAfter { return min(max(retryAfter, 0), maxDelay) }
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(attempt - 1)))
        return Double.random(in: ceiling / 2 ... ceiling)
    }

    /// Whether an HTTP status is worth another try.
    static func isRetryable(status: Int) -> Bool { status == 429 || status == 503 }
}
