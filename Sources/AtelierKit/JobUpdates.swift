import Foundation

/// How `JobsAPI.updates(_:options:)` listens.
public struct UpdateOptions: Sendable {
    /// Transports tried in order; a transport that cannot connect or drops hands over to the next.
    public var transports: [UpdateTransport]
    /// Seconds the server may hold a long-poll open.
    public var longPollWait: Int
    /// The first polling interval, doubled after each poll up to `maxPollInterval`.
    public var pollInterval: Double
    public var maxPollInterval: Double
    /// Reconnections of one streaming transport (resuming with `Last-Event-ID`) before moving on.
    public var reconnects: Int

    /// Every transport, in order of preference. On Linux only long-poll and polling: its
    /// Foundation (libcurl) has no WebSocket, and a streamed response (SSE) was seen to spin
    /// its event loop forever in our tests.
    public static var defaultTransports: [UpdateTransport] {
        #if canImport(FoundationNetworking)
        [.longPoll, .polling]
        #else
        UpdateTransport.allCases
        #endif
    }

    public init(transports: [UpdateTransport] = UpdateOptions.defaultTransports, longPollWait: Int = 25,
                pollInterval: Double = 2, maxPollInterval: Double = 30, reconnects: Int = 2) {
        self.transports = transports
        self.longPollWait = longPollWait
        self.pollInterval = pollInterval
        self.maxPollInterval = maxPollInterval
        self.reconnects = reconnects
    }

    /// Only `transport` (for tests and for networks known to break the others).
    public static func only(_ transport: UpdateTransport) -> UpdateOptions { UpdateOptions(transports: [transport]) }
}

/// Follows one job until it ends, over the first transport that works.
struct JobUpdates: Sendable {
    let core: HTTPCore
    let jobID: String
    let options: UpdateOptions

    func stream() -> AsyncThrowingStream<Job, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let first = try await core.send(APIRequest("GET", "/jobs/\(jobID)"))
                    var job = try Coding.data(Job.self, from: first.body)
                    var etag = first.headers["etag"]
                    continuation.yield(job)
                    var lastError: (any Error)?
                    for transport in options.transports where !job.state.isTerminal {
                        do {
                            try await follow(transport, job: &job, etag: &etag) { continuation.yield($0) }
                        } catch is CancellationError {
                            throw CancellationError()
                        } catch let error as AtelierError where error.status == 404 {
                            throw error  // the job is gone: no transport will find it
                        } catch {
                            lastError = error
                        }
                    }
                    if job.state.isTerminal { continuation.finish() }
                    else { continuation.finish(throwing: lastError ?? CancellationError()) }
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Runs one transport until the job is terminal; throws when the transport gives out.
    private func follow(_ transport: UpdateTransport, job: inout Job, etag: inout String?,
                        yield: (Job) -> Void) async throws {
        switch transport {
        case .webSocket, .serverSentEvents:
            var lastEventID: String?
            for _ in 0...options.reconnects where !job.state.isTerminal {
                let path = "/jobs/\(jobID)/events"
                let events = transport == .webSocket
                    ? try await EventSources.webSocket(core: core, path: path)
                    : try await EventSources.serverSentEvents(core: core, path: path, lastEventID: lastEventID)
                var heard = false
                do {
                    for try await (id, event) in events {
                        heard = true
                        if let id { lastEventID = id }
                        job = job.applying(event)
                        yield(job)
                        if job.state.isTerminal { return }
                    }
                } catch let error as AtelierError {
                    if error.status == 401 { continue }  // the token was refreshed: reconnect
                    // Refused, or never connected: this transport does not work here, move on.
                    if case .server = error { throw error }
                    if !heard { throw error }
                }
            }
            if !job.state.isTerminal { throw AtelierError.transport(underlying: "\(transport) ended early", urlErrorCode: nil) }
        case .longPoll:
            while !job.state.isTerminal {
                var request = APIRequest("GET", "/jobs/\(jobID)", query: [URLQueryItem(name: "wait", value: String(options.longPollWait))])
                if let etag { request.headers["If-None-Match"] = etag }
                request.timeout = TimeInterval(options.longPollWait + 15)
                let response = try await core.send(request)
                guard response.status == 200 else { continue }  // 304: unchanged, ask again
                job = try Coding.data(Job.self, from: response.body)
                etag = response.headers["etag"] ?? etag
                yield(job)
            }
        case .polling:
            var interval = options.pollInterval
            while !job.state.isTerminal {
                try await Task.sleep(for: .seconds(interval))
                interval = min(interval * 2, options.maxPollInterval)
                let latest = try await core.data(APIRequest("GET", "/jobs/\(jobID)"), as: Job.self)
                if latest != job { yield(latest) }
                job = latest
            }
        }
    }
}
