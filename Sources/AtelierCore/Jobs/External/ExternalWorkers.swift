import Foundation

/// The job queue as seen by external workers over HTTP: claim with a lease (long-polling),
/// heartbeat and progress, attach result images, complete or fail. A lease that lapses puts the
/// job back in the queue like any worker's (at-least-once, attempts counted).
public struct ExternalWorkers: Sendable {
    let store: any JobStore
    let tokens: any WorkerTokenStore
    let catalogue: ProcessorCatalogue
    let jobs: JobService
    let media: MediaService
    let lease: Duration
    let backoffBase: Duration

    public init(store: any JobStore, tokens: any WorkerTokenStore, catalogue: ProcessorCatalogue, jobs: JobService,
                media: MediaService, lease: Duration, backoffBase: Duration) {
        self.store = store
        self.tokens = tokens
        self.catalogue = catalogue
        self.jobs = jobs
        self.media = media
        self.lease = lease
        self.backoffBase = backoffBase
    }

    /// A job in a worker's hands: `leaseID` goes with every later call about it.
    public struct Claim: Sendable {
        public let job: Job
        public let leaseID: String
        public let leaseExpiresAt: Date
    }

    /// A new token for `processors` (each must be in the catalogue); the secret is not stored.
    public func createToken(name: String, processors: [String]) async throws -> (token: WorkerToken, secret: String) {
        guard !processors.isEmpty else { throw AtelierError.validation("Name at least one processor.", field: "processors") }
        for name in processors where catalogue.processor(named: name) == nil {
            throw AtelierError.validation("\(name) is not a processor of this server.", field: "processors")
        }
        let secret = WorkerToken.makeSecret()
        let token = WorkerToken(id: Identifier.make(), name: name, processors: processors, createdAt: Date())
        try await tokens.add(token, secretHash: WorkerToken.hash(secret))
        return (token, secret)
    }

    public func tokens() async throws -> [WorkerToken] {
        try await tokens.tokens()
    }

    public func revoke(id: String) async throws -> Bool {
        try await tokens.revoke(id: id)
    }

    public func authenticate(secret: String) async throws -> WorkerToken? {
        guard secret.hasPrefix("atw_") else { return nil }
        return try await tokens.token(secretHash: WorkerToken.hash(secret))
    }

    /// The next job of `processors` (default: all the token may run), interactive queue first;
    /// waits up to `wait` for one to arrive. nil when none came.
    public func claim(_ token: WorkerToken, processors requested: [String]?, wait: Duration) async throws -> Claim? {
        let wanted = requested ?? token.processors
        for name in wanted where !token.processors.contains(name) { throw WorkerError.processorNotAllowed(name) }
        let deadline = ContinuousClock.now + wait
        while true {
            for queue in QueueClass.allCases {
                let names = wanted.filter { catalogue.processor(named: $0)?.spec.queue == queue }
                guard !names.isEmpty else { continue }
                let leaseID = "ext:\(token.id):\(Identifier.make())"
                let until = Date().adding(lease)
                if let change = try await store.claim(queue: queue, processors: names, workerID: leaseID, leaseUntil: until, now: Date()) {
                    await jobs.publish(change)
                    return Claim(job: change.job, leaseID: leaseID, leaseExpiresAt: until)
                }
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero, !Task.isCancelled else { return nil }
            await jobs.signal.wait(timeout: min(left, .seconds(1)))
        }
    }

    /// Renews the lease, with progress when given. Returns the job (`cancelRequested` tells the
    /// worker to stop).
    public func heartbeat(_ token: WorkerToken, jobID: String, leaseID: String, progress: (Double, String?)?) async throws -> (Job, Date) {
        try owns(token, leaseID)
        let until = Date().adding(lease)
        guard let change = try await store.heartbeat(jobID: jobID, workerID: leaseID, leaseUntil: until,
                                                     progress: progress.map { (min(1, max(0, $0.0)), $0.1) }) else {
            throw WorkerError.leaseLost
        }
        if progress != nil { await jobs.publish(change) }
        return (change.job, until)
    }

    /// Stores a result image for the job, owned by the job's owner, to name in `complete`.
    public func attach(_ token: WorkerToken, jobID: String, leaseID: String, image: Data) async throws -> MediaAsset {
        let (job, _) = try await heartbeat(token, jobID: jobID, leaseID: leaseID, progress: nil)
        return try await media.upload(image, ownerID: job.ownerID).asset
    }

    public func complete(_ token: WorkerToken, jobID: String, leaseID: String, mediaIDs: [String], data: [String: JSONValue]) async throws -> Job {
        let (job, _) = try await heartbeat(token, jobID: jobID, leaseID: leaseID, progress: nil)
        for id in mediaIDs { _ = try await media.asset(id: id, ownerID: job.ownerID) }
        return try await finish(jobID, leaseID, .succeeded(JobOutputRecord(mediaIDs: mediaIDs, data: data)))
    }

    /// `retryable`: tried again after a backoff while attempts remain; else the job fails and is refunded.
    public func fail(_ token: WorkerToken, jobID: String, leaseID: String, failure: JobFailure, retryable: Bool) async throws -> Job {
        let (job, _) = try await heartbeat(token, jobID: jobID, leaseID: leaseID, progress: nil)
        return try await finish(jobID, leaseID, retryable ? .retry(failure, delay: retryBackoff(base: backoffBase, attempt: job.attempts)) : .failed(failure))
    }

    private func finish(_ jobID: String, _ leaseID: String, _ outcome: JobOutcome) async throws -> Job {
        guard let change = try await store.finish(jobID: jobID, workerID: leaseID, outcome: outcome, now: Date()) else {
            throw WorkerError.leaseLost
        }
        await jobs.publish(change)
        if change.job.state == .queued { await jobs.signal.notifyAll() }
        return change.job
    }

    /// A lease id names the token that took it: one token cannot act on another's jobs.
    private func owns(_ token: WorkerToken, _ leaseID: String) throws {
        guard leaseID.hasPrefix("ext:\(token.id):") else { throw WorkerError.leaseLost }
    }
}
