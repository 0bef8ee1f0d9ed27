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

/// Spaces the requests to each host: a request starts at least `interval` after the previous one
/// to the same host actually started. (Booking slots ahead is not enough: a waiter that wakes
/// late would then leave right before the next one.)
actor HostPacer {
    private let clock: any CrawlerClock
    /// When the latest request to each host started.
    private var lastStart: [String: ContinuousClock.Instant] = [:]
    /// No request to the host before this: it answered 429 or 5xx, or did not answer.
    private var heldUntil: [String: ContinuousClock.Instant] = [:]

    init(clock: any CrawlerClock) {
        self.clock = clock
    }

    /// Returns when it is this caller's turn for `host`.
    nonisolated func waitTurn(host: String, interval: Duration) async throws {
        while true {
            let wait = await start(host: host, interval: interval)
            if wait <= .zero { return }
            try await clock.sleep(for: wait)
        }
    }

    /// Holds every request to `host` back for `duration`: a host that asks one request to wait
    /// is asking all of them.
    func holdOff(host: String, for duration: Duration) {
        let until = clock.now + duration
        heldUntil[host] = max(heldUntil[host] ?? until, until)
    }

    /// Starts a request to `host` now if its turn has come (zero), else says how long to wait.
    private func start(host: String, interval: Duration) -> Duration {
        let now = clock.now
        // The interval is the caller's: robots.txt may lengthen it after the first request.
        let earliest = max(lastStart[host].map { $0 + interval } ?? now, heldUntil[host] ?? now)
        guard earliest <= now else { return earliest - now }
        lastStart[host] = now
        return .zero
    }
}
