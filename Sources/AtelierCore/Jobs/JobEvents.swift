import Foundation

/// Fan-out of job changes inside this process: each subscriber gets the events of one owner
/// (optionally one job) as they happen. Persisted events cover what a subscriber missed.
/// A lock, not an actor: every job change passes through `publish`, usually with nobody
/// listening, and should not cost a hop to another executor. Events reach the hub from this
/// process and, through a `JobEventFeed`, from others, sometimes twice (a replay after a dropped
/// connection): per job, an event no newer than the last one delivered is dropped.
public final class JobEventHub: @unchecked Sendable {  // `subscribers` and `closed` are guarded by `lock`
    private struct Subscriber {
        let ownerID: String
        let jobID: String?
        let mailbox: JobEventSubscription.Mailbox
    }

    private let lock = NSLock()
    private var subscribers: [UUID: Subscriber] = [:]
    private var closed = false
    /// The last sequence delivered per job, in two generations: when the current one is full it
    /// becomes the previous one, so memory stays bounded and recent jobs are remembered.
    private var delivered: [String: Int64] = [:]
    private var deliveredBefore: [String: Int64] = [:]
    private static let generationSize = 20_000

    public init() {}

    /// Whether anyone here follows this owner's jobs (a feed skips decoding the other events).
    public func hasSubscribers(ownerID: String) -> Bool {
        lock.withLock { subscribers.values.contains { $0.ownerID == ownerID } }
    }

    /// Ends every stream (the server is shutting down) and every later subscription at once.
    public func close() {
        let ending = lock.withLock {
            closed = true
            defer { subscribers = [:] }
            return Array(subscribers.values)
        }
        for subscriber in ending { subscriber.mailbox.end() }
    }

    public func publish(_ event: JobEvent) {
        let matching: [Subscriber] = lock.withLock {
            // With nobody listening (a worker process) there is nothing to deliver or remember.
            guard !subscribers.isEmpty else { return [] }
            if event.sequence > 0 {
                // A job's changes are snapshots: an older one than the last delivered says nothing new.
                if let last = delivered[event.jobID] ?? deliveredBefore[event.jobID], last >= event.sequence { return [] }
                if delivered.count >= Self.generationSize {
                    deliveredBefore = delivered
                    delivered = [:]
                }
                delivered[event.jobID] = event.sequence
            }
            return subscribers.values.filter { $0.ownerID == event.ownerID && ($0.jobID == nil || $0.jobID == event.jobID) }
        }
        for subscriber in matching { subscriber.mailbox.deliver(event) }
    }

    /// The owner's (or one job's) events from now on, until the consumer releases the subscription.
    public func subscribe(ownerID: String, jobID: String?) -> JobEventSubscription {
        let id = UUID()
        let mailbox = JobEventSubscription.Mailbox()
        let added = lock.withLock {
            guard !closed else { return false }
            subscribers[id] = Subscriber(ownerID: ownerID, jobID: jobID, mailbox: mailbox)
            return true
        }
        if !added { mailbox.end() }
        return JobEventSubscription(mailbox: mailbox) { [weak self] in self?.unsubscribe(id) }
    }

    private func unsubscribe(_ id: UUID) {
        lock.withLock { subscribers[id] = nil }
    }
}

/// The jobs one in-process worker slot takes: a queue class, and the platform's own jobs or
/// everyone else's.
public struct WorkLane: Hashable, Sendable {
    public let queue: QueueClass
    public let system: Bool

    public init(queue: QueueClass, system: Bool) {
        self.queue = queue
        self.system = system
    }
}

/// Wakes idle workers when a job is queued, so they need not poll often.
public actor WorkSignal {
    private var waiting: [UUID: (lane: WorkLane?, continuation: CheckedContinuation<Void, Never>)] = [:]
    /// Lanes notified while none of their workers waited: the next one to wait returns at once
    /// (it was between an empty claim and its wait, and would otherwise sleep out its timeout).
    private var pending: Set<WorkLane> = []

    public init() {}

    /// How many wait now.
    public var waiters: Int { waiting.count }

    /// Wakes every waiter: jobs of any lane, or several at once, may be runnable.
    public func notifyAll() {
        let all = waiting
        waiting = [:]
        pending = []
        for waiter in all.values { waiter.continuation.resume() }
    }

    /// One job of `lane` was queued: wakes one of its workers (waking all of them made each run
    /// an empty claim, a write, for every job created) and the waiters of any lane.
    public func notify(_ lane: WorkLane) {
        var woken = waiting.filter { $0.value.lane == nil }
        if let one = waiting.first(where: { $0.value.lane == lane }) {
            woken[one.key] = one.value
        } else {
            pending.insert(lane)
        }
        for id in woken.keys { waiting[id] = nil }
        for waiter in woken.values { waiter.continuation.resume() }
    }

    /// Returns on a notification for `lane` (any, when nil) or after `timeout`, whichever comes first.
    public func wait(_ lane: WorkLane? = nil, timeout: Duration) async {
        if let lane, pending.remove(lane) != nil { return }
        let id = UUID()
        await withCheckedContinuation { continuation in
            waiting[id] = (lane, continuation)
            Task {
                try? await Task.sleep(for: timeout)
                self.expire(id)
            }
        }
    }

    private func expire(_ id: UUID) {
        waiting.removeValue(forKey: id)?.continuation.resume()
    }
}
