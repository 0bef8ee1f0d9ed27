import Foundation
import Logging

/// What another process sharing the database announced.
public enum JobAnnouncement: Sendable {
    /// A job changed (its persisted event).
    case event(JobEvent)
    /// A job was queued: idle workers should look for work now rather than at their next poll.
    case queued
}

/// Job changes made by the other processes that share the database (PostgreSQL's LISTEN/NOTIFY),
/// so a stream on one API process sees the work of a worker in another. A single-process store
/// (SQLite) has none: its in-process hub sees every change already.
public protocol JobEventFeed: Sendable {
    /// Delivers announcements until the calling task is canceled, reconnecting when the connection
    /// drops and then replaying the events persisted meanwhile (a stream never misses one for long).
    /// `events`: job events wanted (an API process); `wakeups`: `.queued` wanted (a process with
    /// workers). `interested` tells, before an event is decoded, whether anyone here follows its owner.
    func follow(events: Bool, wakeups: Bool, logger: Logger, interested: @escaping @Sendable (_ ownerID: String) -> Bool,
                _ deliver: @escaping @Sendable (JobAnnouncement) async -> Void) async
}

/// Feeds another process's announcements into this process's hub and wakes its idle workers.
public struct JobEventRelay: Sendable {
    let feed: any JobEventFeed
    let jobs: JobService

    public init(feed: any JobEventFeed, jobs: JobService) {
        self.feed = feed
        self.jobs = jobs
    }

    /// Runs until canceled. The hub drops an event it has already delivered (say, one replayed
    /// after a reconnect), so an announcement may safely come twice.
    public func run(events: Bool, wakeups: Bool, logger: Logger) async {
        let hub = jobs.events
        let signal = jobs.signal
        await feed.follow(events: events, wakeups: wakeups, logger: logger, interested: { hub.hasSubscribers(ownerID: $0) }) { announcement in
            switch announcement {
            case .event(let event): hub.publish(event)
            case .queued: await signal.notifyAll()
            }
        }
    }
}
