import Crypto
import Foundation

/// Creating, reading and canceling jobs, and telling everyone who listens what changed.
public struct JobService: Sendable {
    let store: any JobStore
    let catalogue: ProcessorCatalogue
    let media: MediaService
    public let events: JobEventHub
    let signal: WorkSignal

    public init(store: any JobStore, catalogue: ProcessorCatalogue, media: MediaService, events: JobEventHub, signal: WorkSignal) {
        self.store = store
        self.catalogue = catalogue
        self.media = media
        self.events = events
        self.signal = signal
    }

    public struct Request: Sendable {
        public let processor: String
        public let mediaIDs: [String]
        public let params: JSONValue
        public let priority: Int

        public init(processor: String, mediaIDs: [String], params: JSONValue, priority: Int) {
            self.processor = processor
            self.mediaIDs = mediaIDs
            self.params = params
            self.priority = priority
        }
    }

    public enum Creation: Sendable {
        /// With the response `render` made for it (the one stored for replays).
        case created(Job, response: Data)
        case replayed(status: Int, body: Data)
    }

    /// Validates, then charges, records the key and creates the job in one transaction. `render`
    /// makes the response stored for replays of the same Idempotency-Key.
    ///
    /// A new key (the common case) is recorded with its response in the transaction that creates
    /// the job: one write, and no read first. A key with a record goes the older way, a
    /// reservation first: it replays, refuses (another body, or still in flight), or takes over a
    /// reservation whose request died; a request that fails validation looks for its key's record
    /// too, whose answer wins. Two requests with one new key both validate; the second's
    /// transaction finds the key taken (on PostgreSQL it waits for the first one's commit),
    /// changes nothing, and then replays the first one's response.
    public func create(_ request: Request, ownerID: String, key: String, requestBody: Data, isPremium: Bool, system: Bool = false,
                       render: @Sendable (Job) throws -> (status: Int, body: Data)) async throws -> Creation {
        // The document's `^[!-~]{1,255}$`: printable ASCII, so no control character either.
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { throw JobError.keyRequired }
        // The same JSON with keys in another order or other spacing is the same request.
        let canonical = JSONValue.parse(String(decoding: requestBody, as: UTF8.self)).map { Data($0.text.utf8) } ?? requestBody
        let hash = Hex.encode(SHA256.hash(data: Data("POST /api/v1/jobs\n".utf8) + canonical))
        let idempotency = IdempotencyKey(key: key, ownerID: ownerID, requestHash: hash)
        do {
            let job = try await validated(request, ownerID: ownerID, isPremium: isPremium, system: system)
            let response = try render(job)
            if let event = try await store.create(job, recordingKey: idempotency, response: response) {
                events.publish(event)
                await signal.notify(WorkLane(queue: job.queue, system: system))
                return .created(job, response: response.body)
            }
        } catch {
            guard try await store.hasRecord(idempotency) else { throw error }
        }
        switch try await store.reserve(idempotency, now: Date(), inFlightTimeout: 60) {
        case .replay(let status, let body): return .replayed(status: status, body: body)
        case .inFlight: throw JobError.keyInFlight
        case .mismatch: throw JobError.keyReused
        case .reserved: break
        }
        do {
            let job = try await validated(request, ownerID: ownerID, isPremium: isPremium, system: system)
            let response = try render(job)
            events.publish(try await store.create(job, idempotency: idempotency, response: response))
            await signal.notify(WorkLane(queue: job.queue, system: system))
            return .created(job, response: response.body)
        } catch {
            // Nothing was charged or created: free the key so the client can fix the request and retry.
            try? await store.release(idempotency)
            throw error
        }
    }

    /// Starts a job the platform gives itself, owned by the catalogue's own account, once per `key`
    /// (nil when a job with this key exists already).
    public func startSystemJob(_ processor: String, params: JSONValue, key: String) async throws -> Job? {
        let request = Request(processor: processor, mediaIDs: [], params: params, priority: 0)
        let creation = try await create(request, ownerID: PlatformAccount.id, key: key, requestBody: Data(params.text.utf8),
                                        isPremium: true, system: true) { _ in (202, Data()) }
        if case .created(let job, _) = creation { return job }
        return nil
    }

    /// Whether a job of the platform's own with this processor is queued or running.
    public func hasActiveSystemJob(_ processor: String) async throws -> Bool {
        for state in [JobState.queued, .running] {
            let rows = try await store.jobs(ownerID: PlatformAccount.id, state: state, processor: processor, afterID: nil, limit: 1)
            if !rows.isEmpty { return true }
        }
        return false
    }

    /// True for exactly one caller per (name, occurrence), across every process sharing the database.
    public func claimOccurrence(name: String, occurrence: Int64) async throws -> Bool {
        try await store.claimOccurrence(name: name, occurrence: occurrence)
    }

    /// The platform's own jobs, newest first.
    public func systemJobs(state: JobState?, processor: String?, page: PageRequest) async throws -> Page<Job> {
        try await list(ownerID: PlatformAccount.id, state: state, processor: processor, page: page)
    }

    private func validated(_ request: Request, ownerID: String, isPremium: Bool, system: Bool) async throws -> Job {
        guard let processor = catalogue.processor(named: request.processor), processor.spec.system == system else {
            throw JobError.unknownProcessor
        }
        let spec = processor.spec
        if spec.premium && !isPremium { throw JobError.premiumRequired }
        guard spec.mediaInputs.contains(request.mediaIDs.count) else {
            throw AtelierError.validation("\(spec.name) takes \(spec.mediaInputs.lowerBound)–\(spec.mediaInputs.upperBound) media ids.", field: "media_ids")
        }
        // Anyone may put their own job back; moving ahead of other people's jobs is a premium right.
        guard (-10...(isPremium ? 10 : 0)).contains(request.priority) else {
            throw AtelierError.validation("priority must be between -10 and \(isPremium ? 10 : 0).", field: "priority")
        }
        for id in request.mediaIDs { _ = try await media.asset(id: id, ownerID: ownerID) }
        try spec.params.validate(request.params)
        let now = Date()
        return Job(id: Identifier.make(now: now), ownerID: ownerID, processor: spec.name, state: .queued, queue: spec.queue,
                   priority: request.priority, mediaIDs: request.mediaIDs, params: request.params, creditsCharged: spec.cost,
                   maxAttempts: spec.maxAttempts, createdAt: now, updatedAt: now)
    }

    public func job(id: String, ownerID: String) async throws -> Job {
        guard Identifier.isWellFormed(id), let job = try await store.job(id: id, ownerID: ownerID) else { throw JobError.notFound }
        return job
    }

    public func list(ownerID: String, state: JobState?, processor: String?, page: PageRequest) async throws -> Page<Job> {
        let rows = try await store.jobs(ownerID: ownerID, state: state, processor: processor, afterID: page.afterID, limit: page.limit + 1)
        return page.page(from: rows, id: \.id)
    }

    public func cancel(id: String, ownerID: String) async throws -> Job {
        _ = try await job(id: id, ownerID: ownerID)
        guard let change = try await store.cancel(jobID: id, ownerID: ownerID, now: Date()) else { throw JobError.notFound }
        await publish(change)
        return change.job
    }

    /// Waits up to `timeout` for the job to change from `job`, then returns it as it is.
    public func wait(for job: Job, timeout: Duration) async throws -> Job {
        guard !job.state.isTerminal else { return job }
        let stream = events.subscribe(ownerID: job.ownerID, jobID: job.id)
        // A change between reading the job and subscribing is caught by reading it again.
        let latest = try await self.job(id: job.id, ownerID: job.ownerID)
        guard latest == job else { return latest }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await _ in stream { return } }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        return try await self.job(id: job.id, ownerID: job.ownerID)
    }

    /// Events after `sequence`, for SSE resume.
    public func events(ownerID: String, jobID: String?, after sequence: Int64) async throws -> [JobEvent] {
        try await store.events(ownerID: ownerID, jobID: jobID, after: sequence)
    }

    /// Fans a stored change out to this process's listeners.
    func publish(_ change: JobChange?) async {
        if let event = change?.event { events.publish(event) }
    }
}
