/// Time as the crawler sees it. Injectable so tests can watch the crawler's waits without waiting.
public protocol CrawlerClock: Sendable {
    var now: ContinuousClock.Instant { get }
    func sleep(for duration: Duration) async throws
}

public struct SystemCrawlerClock: CrawlerClock {
    public init() {}
    public var now: ContinuousClock.Instant { ContinuousClock.now }
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

/// Spaces the requests to each host: a request may start `interval` after the previous one to the
/// same host started. Turns are handed out in call order, so concurrent callers queue fairly.
actor HostPacer {
    private let clock: any CrawlerClock
    /// When the latest booked request to each host starts.
    private var lastStart: [String: ContinuousClock.Instant] = [:]
    /// No request to the host before this: it answered 429 or 5xx, or did not answer.
    private var heldUntil: [String: ContinuousClock.Instant] = [:]

    init(clock: any CrawlerClock) {
        self.clock = clock
    }

    /// Returns when it is this caller's turn for `host`.
    nonisolated func waitTurn(host: String, interval: Duration) async throws {
        let wait = await reserve(host: host, interval: interval)
        if wait > .zero { try await clock.sleep(for: wait) }
    }

    /// Holds every request to `host` back for `duration`: a host that asks one request to wait
    /// is asking all of them.
    func holdOff(host: String, for duration: Duration) {
        let until = clock.now + duration
        heldUntil[host] = max(heldUntil[host] ?? until, until)
    }

    /// Books the next free slot for `host` and says how long until it comes.
    private func reserve(host: String, interval: Duration) -> Duration {
        let now = clock.now
        // The interval is the caller's: robots.txt may lengthen it after the first request.
        let slot = max(now, lastStart[host].map { $0 + interval } ?? now, heldUntil[host] ?? now)
        lastStart[host] = slot
        return slot - now
    }
}
