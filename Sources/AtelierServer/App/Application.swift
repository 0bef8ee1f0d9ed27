import AtelierCore
import AtelierImaging
import AtelierStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import Prometheus

/// The parts one running Atelier is made of, opened from its configuration.
public struct AtelierServices: Sendable {
    public let config: AtelierConfig
    public let database: any Database
    let accounts: AccountService
    let media: MediaService
    let tokens: AccessTokens
    let signer: URLSigner

    public static func open(_ config: AtelierConfig) async throws -> AtelierServices {
        try FileManager.default.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true)
        if config.blobURL?.hasPrefix("s3://") == true {
            throw ConfigError.invalid("ATELIER_BLOB_URL", "S3 is not built into this version yet; use a folder")
        }
        let keys = try SecretKeys.load(config: config)
        let database = try await DatabaseOpener.open(url: config.resolvedDatabaseURL)
        let media = MediaService(
            store: SQLMediaStore(database: database),
            blobs: try DiskBlobStore(root: config.blobDirectory),
            images: try VipsImageProcessor(),
            limits: .init(maxUploadBytes: config.maxUploadBytes, maxPixels: config.maxImagePixels))
        let tokens = await AccessTokens.make(key: keys.accessTokens, lifetimeSeconds: config.accessTokenSeconds)
        let accounts = AccountService(
            store: SQLAccountStore(database: database),
            hasher: BcryptHasher(cost: UInt8(config.bcryptCost)),
            tokens: tokens,
            throttle: LoginThrottle(limits: .init(
                perAccount: config.loginFailuresPerAccount, perIP: config.loginFailuresPerIP, window: TimeInterval(config.loginWindowSeconds))),
            refreshLifetime: TimeInterval(config.refreshTokenDays * 24 * 3600),
            onDelete: { userID in try await media.deleteAll(ownerID: userID) })
        return AtelierServices(
            config: config, database: database, accounts: accounts, media: media, tokens: tokens,
            signer: URLSigner(key: keys.signedURLs, lifetime: TimeInterval(config.signedURLSeconds)))
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
    let router = Router(context: AtelierContext.self)
    let routes = RouteTable()
    router.add(middleware: RequestLogMiddleware(logger: logger))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ErrorMiddleware(routes: routes))

    HealthRoutes(database: services.database, metrics: MetricsBackend.registry).add(to: router)
    let api = router.group("api/v1")
    let authenticator = Authenticator(tokens: services.tokens, accounts: services.accounts)
    OpenAPIRoutes().add(to: api)
    AccountRoutes(accounts: services.accounts, authenticator: authenticator).add(to: api)
    MediaRoutes(media: services.media, signer: services.signer, authenticator: authenticator, publicURL: services.config.publicURL).add(to: api)

    routes.record(router.routes)
    return (router, routes.routes.map { "\($0.method.rawValue) \($0.path)" })
}

/// Process set-up for a long-running server: see `Vips.limitHeapArenas`.
public func prepareServerProcess() {
    Vips.limitHeapArenas()
}

/// Every few seconds, hands memory freed by image work back to the system.
public func reclaimMemoryPeriodically(every interval: Duration = .seconds(5)) async {
    while !Task.isCancelled {
        try? await Task.sleep(for: interval)
        Vips.releaseMemory()
    }
}

/// The HTTP application for `atelier serve`, shutting down gracefully on SIGTERM and SIGINT.
public func buildApplication(_ services: AtelierServices, logger: Logger) -> some ApplicationProtocol {
    let (router, _) = buildRouter(services, logger: logger)
    return Application(
        router: router,
        configuration: .init(address: .hostname(services.config.host, port: services.config.port), serverName: "atelier"),
        logger: logger)
}

extension AtelierServices {
    /// For `atelier user create`.
    public func createUser(email: String, password: String) async throws -> (id: String, email: String) {
        let session = try await accounts.register(email: email, password: password)
        return (session.user.id, session.user.email)
    }
}
