import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The entry point of AtelierKit: one client per server and signed-in user.
///
/// ```swift
/// let client = AtelierClient(baseURL: URL(string: "https://atelier.example")!)
/// try await client.auth.login(email: "me@example.com", password: "secret")
/// let job = try await client.jobs.create(processor: "image.enhance", mediaIDs: [photo.id])
/// for try await update in client.jobs.updates(job.id) { print(update.progress) }
/// ```
public final class AtelierClient: Sendable {
    let core: HTTPCore

    /// Sign-up, sign-in, tokens and the current user.
    public let auth: AuthAPI
    /// Photo uploads and their metadata.
    public let media: MediaAPI
    /// The processor catalogue.
    public let processors: ProcessorsAPI
    /// Processing jobs and their live updates.
    public let jobs: JobsAPI
    /// The credit balance and ledger.
    public let credits: CreditsAPI
    /// Marketplace search by photo, media id or words.
    public let search: SearchAPI

    /// Creates a client.
    /// - Parameters:
    ///   - baseURL: The server's root (the API lives under `/api/v1`).
    ///   - session: The URL session for plain requests; streams use sessions of their own with its configuration.
    ///   - tokenStore: Where tokens are kept; memory by default.
    ///   - retryPolicy: Backoff for 429, 503 and network errors on idempotent requests.
    public init(baseURL: URL, session: URLSession = .shared, tokenStore: any TokenStore = MemoryTokenStore(),
                retryPolicy: RetryPolicy = RetryPolicy()) {
        let core = HTTPCore(baseURL: baseURL, session: session, store: tokenStore, retry: retryPolicy)
        self.core = core
        auth = AuthAPI(core: core)
        media = MediaAPI(core: core)
        processors = ProcessorsAPI(core: core)
        jobs = JobsAPI(core: core)
        credits = CreditsAPI(core: core)
        search = SearchAPI(core: core)
    }

    /// Progress events of all of the caller's jobs, as they happen, until the consumer stops.
    /// - Parameter transport: `.webSocket` or `.serverSentEvents` (the default).
    public func events(transport: UpdateTransport = .serverSentEvents) -> AsyncThrowingStream<JobEvent, any Error> {
        let core = self.core
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var lastEventID: String?
                    while !Task.isCancelled {
                        let stream = transport == .webSocket
                            ? try await EventSources.webSocket(core: core, path: "/events")
                            : try await EventSources.serverSentEvents(core: core, path: "/events", lastEventID: lastEventID)
                        for try await (id, event) in stream {
                            if let id { lastEventID = id }
                            continuation.yield(event)
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
