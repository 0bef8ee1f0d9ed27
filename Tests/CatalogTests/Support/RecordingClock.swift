import AtelierCore
import Foundation

/// A crawler clock that records each wait and skips it: time moves on by the wait at once, so
/// backoff tests see minutes of waiting in milliseconds.
final class RecordingClock: CrawlerClock, @unchecked Sendable {
    private let lock = NSLock()
    private var skipped = Duration.zero
    private var waits: [Duration] = []

    var now: ContinuousClock.Instant { ContinuousClock.now + lock.withLock { skipped } }

    var sleeps: [Duration] { lock.withLock { waits } }

    func sleep(for duration: Duration) async throws {
        lock.withLock {
            waits.append(duration)
            skipped += duration
        }
        await Task.yield()
    }
}
