import Foundation
import Logging

/// In-process workers: a few per queue class, each claiming a job with a lease, running it with a
/// heartbeat and a timeout, and recording how it ended. Also recovers jobs whose lease ran out
/// and runs the recurring jobs.
public struct WorkerPool: Sendable {
    public struct Settings: Sendable {
        public var concurrency: [QueueClass: Int]
        public var lease: Duration
        public var idlePoll: Duration
        public var backoffBase: Duration
        /// The most jobs a worker slot claims at once (1: one at a time). It claims that many
        /// only while its jobs are short: see `ClaimBatch`.
        public var claimBatch: Int

        public init(concurrency: [QueueClass: Int] = [.interactive: 2, .standard: 2, .batch: 1], lease: Duration = .seconds(30),
                    idlePoll: Duration = .seconds(1), backoffBase: Duration = .seconds(2), claimBatch: Int = 128) {
            self.concurrency = concurrency
            self.lease = lease
            self.idlePoll = idlePoll
            self.backoffBase = backoffBase
            self.claimBatch = max(1, claimBatch)
        }
    }

    let store: any JobStore
    let catalogue: ProcessorCatalogue
    let jobs: JobService
    let signal: WorkSignal
    let settings: Settings
    let logger: Logger
    /// Leases name the OS process (`pid.id/queue-slot`): an operator, or a test that kills one,
    /// can tell which process holds a job.
    let processID = "\(ProcessInfo.processInfo.processIdentifier).\(Identifier.make())"

    public init(store: any JobStore, catalogue: ProcessorCatalogue, jobs: JobService, settings: Settings, logger: Logger) {
        self.store = store
        self.catalogue = catalogue
        self.jobs = jobs
        self.signal = jobs.signal
        self.settings = settings
        self.logger = logger
    }

    /// Runs until the surrounding task is canceled; a job in hand when that happens is left to its
    /// lease, so another worker (or this one after a restart) picks it up again.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            let runnable = catalogue.processors.filter { $0.runner != nil }
            for queue in QueueClass.allCases {
                let names = runnable.filter { $0.spec.queue == queue && !$0.spec.system }.map(\.spec.name)
                for slot in 0..<(settings.concurrency[queue] ?? 0) {
                    group.addTask { await work(WorkLane(queue: queue, system: false), processors: names, workerID: "\(processID)/\(queue.rawValue)-\(slot)") }
                }
                // The platform's own jobs get a slot of their own in each queue this process works.
                let system = runnable.filter { $0.spec.queue == queue && $0.spec.system }.map(\.spec.name)
                if (settings.concurrency[queue] ?? 0) > 0 {
                    group.addTask { await work(WorkLane(queue: queue, system: true), processors: system, workerID: "\(processID)/system-\(queue.rawValue)") }
                }
            }
            group.addTask { await recoverLeases() }
            let recurring = RecurringWork(store: store, logger: logger)
            group.addTask { await recurring.run("idempotency-cleanup", every: .seconds(600)) {
                let deleted = try await store.deleteIdempotency(before: Date().addingTimeInterval(-24 * 3600))
                if deleted > 0 { logger.info("deleted expired idempotency records", metadata: ["count": "\(deleted)"]) }
            } }
            group.addTask { await recurring.run("job-event-cleanup", every: .seconds(3600)) {
                // Events serve reconnecting streams; a week covers any client that will come back.
                _ = try await store.deleteEvents(before: Date().addingTimeInterval(-7 * 24 * 3600))
            } }
        }
    }

    private func work(_ lane: WorkLane, processors runnable: [String], workerID: String) async {
        guard !runnable.isEmpty else { return }
        var batch = ClaimBatch(maximum: settings.claimBatch)
        func request() -> ClaimRequest {
            ClaimRequest(queue: lane.queue, processors: runnable, workerID: workerID, leaseUntil: Date().adding(settings.lease))
        }
        while !Task.isCancelled {
            do {
                var hand = try await store.claim(request(), limit: batch.size, now: Date())
                if hand.isEmpty { await signal.wait(lane, timeout: settings.idlePoll) }
                // While there is work, recording the ends of a batch and claiming the next is one write.
                while !hand.isEmpty {
                    for change in hand { await jobs.publish(change) }
                    let (ends, unstarted) = await run(hand.map(\.job), workerID: workerID, batch: &batch)
                    let stopping = Task.isCancelled
                    guard !ends.isEmpty || !unstarted.isEmpty else { break }
                    hand = try await record(ends, returning: unstarted, workerID: workerID, next: stopping ? nil : request(), limit: batch.size)
                    if stopping { break }
                }
            } catch {
                logger.error("worker could not claim a job", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: settings.idlePoll)
            }
        }
    }

    /// Runs the jobs of a claim one after another, and returns how they ended and the ones it
    /// did not start. A job the process stops in (or whose lease was lost) has no end: it is
    /// left to its lease. The jobs waiting their turn keep their leases (the running job's
    /// heartbeat renews them); after a job that took long, or when the process stops, they go
    /// back to the queue rather than wait in this worker's hand.
    private func run(_ jobs: [Job], workerID: String, batch: inout ClaimBatch) async -> (ends: [JobEnd], unstarted: [String]) {
        var ends: [JobEnd] = []
        let claimed = ContinuousClock.now
        for (index, job) in jobs.enumerated() {
            if index > 0 && (Task.isCancelled || ContinuousClock.now - claimed > .milliseconds(100)) {
                return (ends, jobs[index...].map(\.id))
            }
            let started = ContinuousClock.now
            guard let outcome = await execute(job, workerID: workerID, holding: jobs[(index + 1)...].map(\.id)) else { continue }
            batch.record(ContinuousClock.now - started)
            ends.append(JobEnd(jobID: job.id, outcome: outcome))
        }
        return (ends, [])
    }

    /// Runs a claimed job; nil when it is left to its lease (this process is stopping). Its
    /// heartbeat also renews the leases of the jobs `holding` names (claimed with it, not started).
    private func execute(_ job: Job, workerID: String, holding: [String]) async -> JobOutcome? {
        guard let processor = catalogue.processor(named: job.processor), let runner = processor.runner else { return nil }
        let progress = LeasedProgress(store: store, jobs: jobs, jobID: job.id, workerID: workerID, lease: settings.lease, holding: holding)
        let input = JobInput(jobID: job.id, ownerID: job.ownerID, mediaIDs: job.mediaIDs, params: job.params)
        do {
            let output = try await withDeadline(processor.spec.timeout, heartbeat: progress) {
                try await runner.run(input, progress: progress)
            }
            return .succeeded(JobOutputRecord(mediaIDs: output.mediaIDs, data: output.data))
        } catch is CancellationError {
            // Either the owner canceled, or this process is stopping (or lost the lease): then the
            // job is left to its lease and runs again elsewhere.
            return await progress.cancelRequested ? .canceled : nil
        } catch where Task.isCancelled {
            // The process is stopping and the processor reported it some other way.
            return nil
        } catch let error as RetryableJobError {
            return .retry(JobFailure(code: "RETRYABLE_ERROR", message: error.message), delay: backoff(attempt: job.attempts))
        } catch is DeadlineExceeded {
            return .retry(JobFailure(code: "TIMEOUT", message: "The job took longer than \(processor.spec.timeout)."), delay: backoff(attempt: job.attempts))
        } catch let error as AtelierError {
            return .failed(JobFailure(code: error.code, message: error.message))
        } catch {
            logger.error("processor failed", metadata: ["job_id": .string(job.id), "processor": .string(job.processor), "error": "\(error)"])
            return .failed(JobFailure(code: "PROCESSOR_FAILED", message: "The processor failed."))
        }
    }

    /// Records how jobs ended (and claims up to `limit` more with `next`); returns the claimed jobs.
    private func record(_ ends: [JobEnd], returning unstarted: [String], workerID: String, next: ClaimRequest?,
                        limit: Int) async throws -> [JobChange] {
        let ended: [JobChange?]
        let claimed: [JobChange]
        do {
            (ended, claimed) = try await store.finish(ends, returning: unstarted, workerID: workerID, now: Date(), thenClaim: next, limit: limit)
        } catch {
            logger.error("could not record jobs' ends; their leases will return them",
                         metadata: ["job_ids": .string((ends.map(\.jobID) + unstarted).joined(separator: ",")), "error": "\(error)"])
            throw error
        }
        for change in ended.compactMap({ $0 }) { await jobs.publish(change) }
        if ended.contains(where: { $0?.job.state == .queued }) { await signal.notifyAll() }
        return claimed
    }

    public func backoff(attempt: Int) -> Duration {
        retryBackoff(base: settings.backoffBase, attempt: attempt)
    }

    /// Puts jobs whose lease lapsed back in the queue, until canceled. Every process with
    /// workers runs it; an API-only process runs it too, for external workers' leases.
    public func recoverLeases() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: settings.lease / 3)
            guard !Task.isCancelled else { return }
            do {
                let changed = try await store.recoverExpiredLeases(now: Date())
                for change in changed { await jobs.publish(change) }
                if !changed.isEmpty { await signal.notifyAll() }
            } catch {
                logger.error("lease recovery failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

struct DeadlineExceeded: Error {}

/// How many jobs a worker slot claims at once: as many as it runs in about 20 ms, judging by
/// its recent jobs, between 1 and `maximum`. Short jobs come in batches (one transaction for
/// many); a long one is claimed alone, so jobs never wait long in one worker's hand while another
/// worker is idle, their `running` events are not much early, and their `succeeded` events not
/// much late.
struct ClaimBatch {
    let maximum: Int
    /// A moving average of the run time of recent jobs, in seconds.
    private var average: Double = 1

    init(maximum: Int) {
        self.maximum = maximum
    }

    var size: Int {
        guard maximum > 1 else { return 1 }
        return max(1, min(maximum, Int(0.02 / max(average, 1e-6))))
    }

    mutating func record(_ duration: Duration) {
        average = 0.8 * average + 0.2 * duration.seconds
    }
}

/// Runs `body` with a heartbeat that keeps the lease, and a deadline. The body is canceled when the
/// deadline passes, the lease is lost, or the owner cancels the job. One watchdog task does both
/// the heartbeat and the deadline: a no-op job costs a task and a timer less.
func withDeadline<T: Sendable>(_ limit: Duration, heartbeat: LeasedProgress, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let deadline = ContinuousClock.now + limit
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await heartbeat.keepLease(until: deadline)
            return nil
        }
        defer { group.cancelAll() }
        while let result = try await group.next() {
            if let result { return result }
        }
        throw CancellationError()
    }
}

/// Progress reports and the lease heartbeat of one running job.
actor LeasedProgress: JobProgress {
    let store: any JobStore
    let jobs: JobService
    let jobID: String
    let workerID: String
    let lease: Duration
    /// Jobs claimed with this one and waiting their turn: their leases are renewed with its own.
    let holding: [String]
    private(set) var cancelRequested = false
    private var lastReport = ContinuousClock.now - .seconds(1)

    init(store: any JobStore, jobs: JobService, jobID: String, workerID: String, lease: Duration, holding: [String] = []) {
        self.store = store
        self.jobs = jobs
        self.jobID = jobID
        self.workerID = workerID
        self.lease = lease
        self.holding = holding
    }

    func report(_ fraction: Double, step: String) async {
        // At most ~20 progress writes a second per job: enough for a smooth bar.
        guard ContinuousClock.now - lastReport >= .milliseconds(50) || fraction >= 1 else { return }
        lastReport = ContinuousClock.now
        if let change = try? await store.heartbeat(jobID: jobID, workerID: workerID, leaseUntil: Date().adding(lease),
                                                    progress: (min(1, max(0, fraction)), step)) {
            cancelRequested = change.job.cancelRequested
            await jobs.publish(change)
        }
    }

    func checkCancellation() async throws {
        if cancelRequested || Task.isCancelled { throw CancellationError() }
    }

    /// Renews the lease a few times per lease period; throws CancellationError when the job was
    /// canceled or the lease is gone, and DeadlineExceeded at `deadline`, which stops the run.
    func keepLease(until deadline: ContinuousClock.Instant) async throws {
        while true {
            let renewal = ContinuousClock.now + lease / 3
            try await Task.sleep(until: min(renewal, deadline), clock: .continuous)
            if ContinuousClock.now >= deadline { throw DeadlineExceeded() }
            let renewed: JobChange?
            do {
                renewed = try await store.heartbeat(jobID: jobID, workerID: workerID, leaseUntil: Date().adding(lease), progress: nil)
                if !holding.isEmpty { _ = try await store.renew(jobIDs: holding, workerID: workerID, leaseUntil: Date().adding(lease)) }
            } catch {
                // A busy or briefly unreachable database is no reason to stop the work; the lease
                // has slack for two more tries.
                continue
            }
            guard let job = renewed?.job else { throw CancellationError() }
            if job.cancelRequested {
                cancelRequested = true
                throw CancellationError()
            }
        }
    }
}

extension Date {
    func adding(_ duration: Duration) -> Date { addingTimeInterval(duration.seconds) }
}

/// Exponential backoff with jitter before a retry: base × 2^(attempt-1), between half that and
/// all of it, at most 5 minutes.
func retryBackoff(base: Duration, attempt: Int) -> Duration {
    let ceiling = min(300.0, base.seconds * pow(2, Double(max(0, attempt - 1))))
    return .milliseconds(Int(Double.random(in: ceiling / 2...ceiling) * 1000))
}
