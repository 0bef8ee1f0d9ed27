import ArgumentParser
import Foundation
import AtelierServer
import Hummingbird

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP API (and, unless --no-workers, the workers).")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Once listening, write the port to this file (for supervisors and tests; with --port 0 the system picks a free one).")
    var portFile: String?

    func run() async throws {
        prepareServerProcess()
        let config = try options.resolve()
        let logger = options.logger(config)
        let services = try await AtelierServices.open(config)
        logger.info("atelier starting", metadata: [
            "address": "http://\(config.host):\(config.port)", "data_dir": .string(config.dataDir),
            "database": .string(config.databaseURL == nil ? "sqlite (data dir)" : "configured"),
        ])
        let app = buildApplication(services, logger: logger) { [portFile] port in
            guard let portFile else { return }
            // Atomic, so a reader never sees half a number.
            do {
                try Data("\(port)\n".utf8).write(to: URL(fileURLWithPath: portFile), options: .atomic)
            } catch {
                logger.error("could not write the port file", metadata: ["path": .string(portFile), "error": "\(error)"])
            }
        }
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
