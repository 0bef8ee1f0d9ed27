import Foundation

/// Fan-out of job changes inside this process: each subscriber gets the events of one owner
/// (optionally one job) as they happen. Persisted events cover what a subscriber missed.
public actor JobEventHub {
    private struct Subscriber {
        let ownerID: String
        let jobID: String?
        let continuation: AsyncStream<JobEvent>.Continuation
    }

    private var subscribers: [UUID: Subscriber] = [:]
    private var closed = false

    public init() {}

    /// Ends every stream (the server is shutting down) and every later subscription at once.
    public func close() {
        closed = true
        for subscriber in subscribers.values { subscriber.continuation.finish() }
        subscribers = [:]
    }

    public func publish(_ event: JobEvent) {
        for subscriber in subscribers.values where subscriber.ownerID == event.ownerID && (subscriber.jobID == nil || subscriber.jobID == event.jobID) {
            subscriber.continuation.yield(event)
        }
    }

    /// A stream of the owner's (or one job's) events from now on; ends when the consumer stops.
    public func subscribe(ownerID: String, jobID: String?) -> AsyncStream<JobEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: JobEvent.self, bufferingPolicy: .bufferingNewest(256))
        guard !closed else {
            continuation.finish()
            return stream
        }
        subscribers[id] = Subscriber(ownerID: ownerID, jobID: jobID, continuation: continuation)
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        return stream
    }

    private func unsubscribe(_ id: UUID) {
        subscribers[id] = nil
    }
}

/// Wakes idle workers when a job is queued, so they need not poll often.
public actor WorkSignal {
    private var waiting: [UUID: CheckedContinuation<Void, Never>] = [:]

    public init() {}

    public func notifyAll() {
        let all = waiting
        waiting = [:]
        for continuation in all.values { continuation.resume() }
    }

    /// Returns on the next `notifyAll` or after `timeout`, whichever comes first.
    public func wait(timeout: Duration) async {
        let id = UUID()
        await withCheckedContinuation { continuation in
            waiting[id] = continuation
            Task {
                try? await Task.sleep(for: timeout)
                self.expire(id)
            }
        }
    }

    private func expire(_ id: UUID) {
        waiting.removeValue(forKey: id)?.resume()
    }
}
