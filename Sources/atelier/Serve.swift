import ArgumentParser
import AtelierServer
import Hummingbird

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP API (and, unless --no-workers, the workers).")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        prepareServerProcess()
        let config = try options.resolve()
        let logger = options.logger(config)
        let services = try await AtelierServices.open(config)
        logger.info("atelier starting", metadata: [
            "address": "http://\(config.host):\(config.port)", "data_dir": .string(config.dataDir),
            "database": .string(config.databaseURL == nil ? "sqlite (data dir)" : "configured"),
        ])
        let app = buildApplication(services, logger: logger)
        let reclaimer = Task { await reclaimMemoryPeriodically() }
        defer { reclaimer.cancel() }
        let workers = Task { await services.runBackground(logger: logger) }
        // In-flight requests finish before the server stops on SIGTERM or SIGINT.
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        // Jobs in hand stay leased and run again after a restart; the database closes last.
        workers.cancel()
        await workers.value
        try await services.database.close()
        logger.info("atelier stopped")
    }
}
