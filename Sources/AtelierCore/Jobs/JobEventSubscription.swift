import Foundation

/// One listener's events, in order, read by one consumer. A consumer that falls behind (a phone on
/// a slow network following a batch of hundreds of jobs) never loses a job's latest state: events
/// are snapshots, so when `backlogLimit` are waiting, each job's older events make way for its
/// newest. Only when more than `hardLimit` different jobs are waiting are the oldest dropped.
/// Ends when the hub closes, the consumer's task is cancelled, or the subscription is released.
public final class JobEventSubscription: AsyncSequence, Sendable {
    public typealias Element = JobEvent

    /// What a wait with a deadline brings.
    public enum Received: Sendable, Equatable {
        case event(JobEvent)
        /// Nothing happened within the wait (an SSE stream sends a keep-alive).
        case idle
        case ended
    }

    let mailbox: Mailbox
    private let onRelease: @Sendable () -> Void

    init(mailbox: Mailbox, onRelease: @escaping @Sendable () -> Void) {
        self.mailbox = mailbox
        self.onRelease = onRelease
    }

    deinit { onRelease() }

    /// The next event, or nil once the subscription has ended.
    public func next() async -> JobEvent? {
        if case .event(let event) = await mailbox.receive(idleAfter: nil) { return event }
        return nil
    }

    /// The next event, `.idle` when none comes within `idleAfter`, or `.ended`.
    public func next(idleAfter: Duration) async -> Received {
        await mailbox.receive(idleAfter: idleAfter)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let subscription: JobEventSubscription
        public mutating func next() async -> JobEvent? { await subscription.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(subscription: self) }
}

extension JobEventSubscription {
    /// The queue between the hub (many publishers) and the one consumer.
    final class Mailbox: @unchecked Sendable {  // every field is guarded by `lock`
        private let lock = NSLock()
        /// Events not yet read are `waiting[head...]`; read ones are cleared in bulk, not one by one.
        private var waiting: [JobEvent] = []
        private var head = 0
        private var ended = false
        private var consumer: Consumer?
        private let backlogLimit: Int
        private let hardLimit: Int
        /// The backlog that makes the next sweep: twice what the last one kept, so that a consumer
        /// far behind costs sweeps of amortised O(1) per event.
        private var sweepAt: Int

        /// The consumer's pending `receive`, and the timer that ends its wait with `.idle`.
        private struct Consumer {
            let id: UUID
            let continuation: CheckedContinuation<Received, Never>
            var timer: Task<Void, Never>?

            func resume(with received: Received) {
                timer?.cancel()
                continuation.resume(returning: received)
            }
        }

        init(backlogLimit: Int = 256, hardLimit: Int = 10_000) {
            self.backlogLimit = backlogLimit
            self.hardLimit = hardLimit
            sweepAt = backlogLimit
        }

        func deliver(_ event: JobEvent) {
            let waiter: Consumer? = lock.withLock {
                guard !ended else { return nil }
                if let waiter = takeConsumer(nil) { return waiter }
                waiting.append(event)
                if waiting.count - head > sweepAt { keepNewestPerJob() }
                return nil
            }
            waiter?.resume(with: .event(event))
        }

        func end() {
            let waiter = lock.withLock {
                ended = true
                return takeConsumer(nil)
            }
            waiter?.resume(with: .ended)
        }

        /// One consumer at a time: a second concurrent `receive` is a programming error.
        func receive(idleAfter: Duration?) async -> Received {
            let id = UUID()
            return await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let ready: Received? = lock.withLock {
                        if let event = takeFirst() { return .event(event) }
                        if ended || Task.isCancelled { return .ended }
                        precondition(consumer == nil, "a JobEventSubscription has one consumer")
                        consumer = Consumer(id: id, continuation: continuation, timer: idleAfter.map { wait in
                            Task { [weak self] in
                                guard (try? await Task.sleep(for: wait)) != nil else { return }
                                self?.wake(id, with: .idle)
                            }
                        })
                        return nil
                    }
                    if let ready { continuation.resume(returning: ready) }
                }
            } onCancel: {
                wake(id, with: .ended)
            }
        }

        /// Resumes the consumer waiting as `id`, if it still waits.
        private func wake(_ id: UUID, with received: Received) {
            lock.withLock { takeConsumer(id) }?.resume(with: received)
        }

        /// The waiting consumer (only if it is `id`, when given), no longer waiting. Under `lock`.
        private func takeConsumer(_ id: UUID?) -> Consumer? {
            guard let waiter = consumer, id == nil || waiter.id == id else { return nil }
            consumer = nil
            return waiter
        }

        private func takeFirst() -> JobEvent? {
            guard head < waiting.count else { return nil }
            defer {
                head += 1
                if head == waiting.count {
                    waiting.removeAll(keepingCapacity: true)
                    head = 0
                    sweepAt = backlogLimit
                } else if head >= 1_024 && head * 2 >= waiting.count {
                    // A consumer that never quite catches up: drop what it has read, in one move.
                    waiting.removeFirst(head)
                    head = 0
                }
            }
            return waiting[head]
        }

        /// Drops every waiting event that a later event of the same job supersedes, keeping the
        /// order of the survivors.
        private func keepNewestPerJob() {
            var seen = Set<String>()
            var kept: [JobEvent] = []
            for event in waiting[head...].reversed() where seen.insert(event.jobID).inserted {
                kept.append(event)
                if kept.count == hardLimit { break }
            }
            waiting = kept.reversed()
            head = 0
            sweepAt = Swift.max(backlogLimit, 2 * waiting.count)
        }
    }
}
