import AtelierCore
import AtelierImaging
import AtelierStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// The parts one running Atelier is made of, opened from its configuration.
public struct AtelierServices: Sendable {
    public let config: AtelierConfig
    public let database: any Database
    let accounts: AccountService
    public let media: MediaService
    let tokens: AccessTokens
    let signer: URLSigner
    let catalogue: ProcessorCatalogue
    let jobs: JobService
    public let credits: CreditService
    let jobStore: any JobStore
    public let catalog: CatalogServices
    public let externalWorkers: ExternalWorkers
    /// Other processes' job changes (PostgreSQL); nil when this process is the only one (SQLite).
    let eventFeed: (any JobEventFeed)?

    public static func open(_ config: AtelierConfig) async throws -> AtelierServices {
        try FileManager.default.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true)
        let keys = try SecretKeys.load(config: config)
        let database = try await DatabaseOpener.open(url: config.resolvedDatabaseURL, maxConnections: config.databasePoolSize)
        let images = try VipsImageProcessor()
        let media = MediaService(
            store: SQLMediaStore(database: database),
            blobs: try openBlobStore(config),
            images: images,
            limits: .init(maxUploadBytes: config.maxUploadBytes, maxPixels: config.maxImagePixels))
        let jobStore = SQLJobStore(database: database)
        let credits = CreditService(store: jobStore)
        let catalog = try CatalogServices.open(config: config, database: database, media: media, images: images,
                                               logger: Logger(label: "atelier.catalog"))
        var processors = [Processor(spec: ImageEnhance.spec, runner: ImageEnhance(media: media, enhancer: images))]
        processors += catalog.processors(config: config)
        if config.devProcessors { processors.append(Processor(spec: DevSleep.spec, runner: DevSleep())) }
        // Declared, not implemented here: their jobs wait for an external worker.
        if let file = config.externalProcessors {
            processors += try ProcessorDeclarations.read(URL(fileURLWithPath: file)).map { Processor(spec: $0, runner: nil) }
        }
        let catalogue = ProcessorCatalogue(processors)
        let jobs = JobService(store: jobStore, catalogue: catalogue, media: media, events: JobEventHub(), signal: WorkSignal())
        let externalWorkers = ExternalWorkers(
            store: jobStore, tokens: SQLWorkerTokenStore(database: database), catalogue: catalogue, jobs: jobs, media: media,
            lease: .seconds(config.jobLeaseSeconds), backoffBase: .milliseconds(config.jobRetryBaseMilliseconds))
        let tokens = await AccessTokens.make(key: keys.accessTokens, lifetimeSeconds: config.accessTokenSeconds)
        let accounts = AccountService(
            store: SQLAccountStore(database: database),
            hasher: BcryptHasher(cost: UInt8(config.bcryptCost)),
            tokens: tokens,
            throttle: LoginThrottle(limits: .init(
                perAccount: config.loginFailuresPerAccount, perIP: config.loginFailuresPerIP, window: TimeInterval(config.loginWindowSeconds))),
            refreshLifetime: TimeInterval(config.refreshTokenDays * 24 * 3600),
            onRegister: { userID in
                if config.freeCredits > 0 { try await credits.grant(ownerID: userID, amount: config.freeCredits, reason: "welcome") }
            },
            onDelete: { userID in try await media.deleteAll(ownerID: userID) })
        return AtelierServices(
            config: config, database: database, accounts: accounts, media: media, tokens: tokens,
            signer: URLSigner(key: keys.signedURLs, lifetime: TimeInterval(config.signedURLSeconds)),
            catalogue: catalogue, jobs: jobs, credits: credits, jobStore: jobStore, catalog: catalog, externalWorkers: externalWorkers,
            eventFeed: try await jobStore.openEventFeed())
    }

    /// `s3://BUCKET?endpoint=…&region=…&prefix=…` (credentials from `AWS_*`), else a folder.
    private static func openBlobStore(_ config: AtelierConfig) throws -> any BlobStore {
        guard let url = config.blobURL, url.hasPrefix("s3://") else { return try DiskBlobStore(root: config.blobDirectory) }
        do {
            return S3BlobStore(location: try S3Location(url: url), credentials: try S3Credentials.fromEnvironment(),
                               httpClient: S3BlobStore.sharedClient)
        } catch {
            throw ConfigError.invalid("ATELIER_BLOB_URL", "\(error)")
        }
    }

    /// What runs beside the HTTP API until the calling task is canceled: following the search
    /// index and the other processes' job events (every process), and the workers when configured.
    public func runBackground(logger: Logger) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await catalog.followIndex(logger: logger) }
            if let eventFeed {
                group.addTask { await JobEventRelay(feed: eventFeed, jobs: jobs).run(events: true, wakeups: config.workers, logger: logger) }
            }
            if config.workers {
                group.addTask { await runWorkers(logger: logger) }
            } else {
                group.addTask { await workerPool(logger: logger).recoverLeases() }
            }
        }
    }

    func workerPool(logger: Logger) -> WorkerPool {
        let settings = WorkerPool.Settings(
            concurrency: [.interactive: config.interactiveWorkers, .standard: config.standardWorkers, .batch: config.batchWorkers],
            lease: .seconds(config.jobLeaseSeconds), backoffBase: .milliseconds(config.jobRetryBaseMilliseconds),
            claimBatch: config.jobClaimBatch)
        return WorkerPool(store: jobStore, catalogue: catalogue, jobs: jobs, settings: settings, logger: logger)
    }

    /// Starts the catalogue's scheduled imports and re-embedding as jobs.
    public var upkeep: CatalogUpkeep {
        CatalogUpkeep(sources: catalog.sources, photos: catalog.photos, jobs: jobs)
    }

    /// `atelier worker`: the workers, woken by jobs queued in other processes, until canceled.
    public func runWorkerProcess(logger: Logger) async {
        await withTaskGroup(of: Void.self) { group in
            if let eventFeed {
                group.addTask { await JobEventRelay(feed: eventFeed, jobs: jobs).run(events: false, wakeups: true, logger: logger) }
            }
            group.addTask { await runWorkers(logger: logger) }
        }
    }

    /// The in-process workers, run until the calling task is canceled.
    public func runWorkers(logger: Logger) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await workerPool(logger: logger).run() }
            group.addTask { await catalog.embedNewListings(logger: logger) }
            group.addTask { await upkeep.run(logger: logger) }
            // One process an hour: listing a large bucket in every worker process would be waste.
            group.addTask { await RecurringWork(store: jobStore, logger: logger).run("blob-sweep", every: .seconds(3600)) {
                let deleted = try await media.sweepOrphanedBlobs()
                if deleted > 0 { logger.info("deleted orphaned blobs", metadata: ["count": "\(deleted)"]) }
            } }
        }
    }
}

/// Prometheus is a process-wide metrics backend: bootstrapped once, shared by every app in the process.
enum MetricsBackend {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

/// The router with every route and middleware, and the table of its routes.
public func buildRouter(_ services: AtelierServices, logger: Logger) -> (Router<AtelierContext>, [String]) {
    let (router, routes, _) = buildRoutes(services, logger: logger)
    return (router, routes)
}

/// The HTTP router, its route list, and the WebSocket upgrades that share its paths.
func buildRoutes(_ services: AtelierServices, logger: Logger) -> (Router<AtelierContext>, [String], EventSocket) {
    let router = Router(context: AtelierContext.self)
    let routes = RouteTable()
    router.add(middleware: RequestLogMiddleware(logger: logger))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ErrorMiddleware(routes: routes))

    HealthRoutes(database: services.database, searchIndex: services.catalog.index, metrics: MetricsBackend.registry).add(to: router)
    ConsoleRoutes(assets: ConsoleAssets.locate(configured: services.config.consoleDir), configured: services.config.consoleDir)
        .add(to: router, logger: logger)
    // Probes and metrics are not rate limited; the API is.
    let api = router.group("api/v1").add(middleware: RateLimitMiddleware(limit: services.config.requestsPerMinute, perSeconds: 60, scope: "API"))
    let authenticator = Authenticator(tokens: services.tokens, accounts: services.accounts)
    OpenAPIRoutes().add(to: api)
    AccountRoutes(accounts: services.accounts, authenticator: authenticator).add(to: api)
    MediaRoutes(media: services.media, signer: services.signer, authenticator: authenticator, publicURL: services.config.publicURL).add(to: api)
    let tickets = EventTickets()
    JobRoutes(jobs: services.jobs, catalogue: services.catalogue, authenticator: authenticator,
              jobCreationLimit: RateLimitMiddleware(limit: services.config.jobsPerMinute, perSeconds: 60, scope: "job creation"),
              tickets: tickets).add(to: api)
    CreditRoutes(credits: services.credits, authenticator: authenticator).add(to: api)
    SearchRoutes(catalog: services.catalog, media: services.media,
                 links: MediaLinkMaker(signer: services.signer, publicURL: services.config.publicURL), authenticator: authenticator).add(to: api)
    WorkerRoutes(workers: services.externalWorkers, media: services.media,
                 links: MediaLinkMaker(signer: services.signer, publicURL: services.config.publicURL)).add(to: api)
    CatalogAdminRoutes(catalog: services.catalog, jobs: services.jobs, upkeep: services.upkeep, authenticator: authenticator).add(to: api)

    routes.record(router.routes)
    return (router, routes.routes.map { "\($0.method.rawValue) \($0.path)" }, EventSocket(jobs: services.jobs, authenticator: authenticator, tickets: tickets))
}

/// Process set-up for a long-running server: see `Vips.configureHeap`.
public func prepareServerProcess() {
    Vips.configureHeap()
}

/// Every few seconds, hands memory freed by image work back to the system.
public func reclaimMemoryPeriodically(every interval: Duration = .seconds(5)) async {
    while !Task.isCancelled {
        try? await Task.sleep(for: interval)
        Vips.releaseMemory()
    }
}

/// The HTTP application for `atelier serve`, shutting down gracefully on SIGTERM and SIGINT.
/// `onListening` gets the port it listens on (the one the system chose, for port 0).
public func buildApplication(
    _ services: AtelierServices, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let (router, _, sockets) = buildRoutes(services, logger: logger)
    return Application(
        router: router,
        server: .guardedWebSocketUpgrade { head, _, _ in try await sockets.shouldUpgrade(head) },
        configuration: .init(address: .hostname(services.config.host, port: services.config.port), serverName: "atelier"),
        services: [EndEventStreamsOnShutdown(events: services.jobs.events)],
        onServerRunning: { channel in
            if let port = channel.localAddress?.port { await onListening(port) }
        },
        logger: logger)
}

/// Event streams never end by themselves; on graceful shutdown they are ended so that the server's
/// wait for in-flight responses does not wait forever.
struct EndEventStreamsOnShutdown: Service {
    let events: JobEventHub

    func run() async throws {
        try? await gracefulShutdown()
        events.close()
    }
}

extension AtelierServices {
    /// For `atelier user create`.
    public func createUser(email: String, password: String) async throws -> (id: String, email: String) {
        let session = try await accounts.register(email: email, password: password)
        return (session.user.id, session.user.email)
    }

    /// For `atelier user grant`: returns the new balance.
    public func grantCredits(email: String, amount: Int) async throws -> Int {
        try await credits.grant(ownerID: try await user(email: email).id, amount: amount, reason: "grant").balanceAfter
    }

    /// Makes an account an admin or premium (or takes it back); nil leaves a role as it is.
    public func setRoles(email: String, admin: Bool?, premium: Bool?) async throws {
        try await SQLAccountStore(database: database).setRoles(userID: try await user(email: email).id, admin: admin, premium: premium)
    }

    private func user(email: String) async throws -> User {
        guard let user = try await SQLAccountStore(database: database).credentials(email: try Credentials.normalisedEmail(email))?.user else {
            throw AtelierError.notFound("USER_NOT_FOUND", "No account with this email.")
        }
        return user
    }
}
