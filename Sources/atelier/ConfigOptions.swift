import ArgumentParser
import AtelierServer
import Foundation
import Logging

/// The configuration flags every subcommand takes. Precedence: flag, then environment, then the
/// config file, then the defaults.
struct ConfigOptions: ParsableArguments {
    @Option(help: "A file of ATELIER_*=value lines (env: ATELIER_CONFIG).")
    var config: String?
    @Option(help: "Address to listen on (env: ATELIER_HOST, default 127.0.0.1).")
    var host: String?
    @Option(help: "Port to listen on (env: ATELIER_PORT, default 8080).")
    var port: Int?
    @Option(help: "Folder for the SQLite file, media, models and keys (env: ATELIER_DATA_DIR, default ./data).")
    var dataDir: String?
    @Option(help: "sqlite:///path or postgres://… (env: ATELIER_DATABASE_URL; default SQLite in the data dir).")
    var databaseURL: String?
    @Option(help: "Blob storage folder or s3://bucket?endpoint=…&region=… (env: ATELIER_BLOB_URL; default the data dir).")
    var blobURL: String?
    @Flag(help: "Run no background workers in this process (env: ATELIER_WORKERS=0).")
    var noWorkers = false

    func resolve() throws -> AtelierConfig {
        let environment = ProcessInfo.processInfo.environment
        var settings: [String: String] = [:]
        if let path = config ?? environment["ATELIER_CONFIG"] {
            settings.merge(try AtelierConfig.readFile(path)) { $1 }
        }
        settings.merge(environment.filter { $0.key.hasPrefix("ATELIER_") }) { $1 }
        let flags: [String: String?] = [
            "ATELIER_HOST": host, "ATELIER_PORT": port.map(String.init), "ATELIER_DATA_DIR": dataDir,
            "ATELIER_DATABASE_URL": databaseURL, "ATELIER_BLOB_URL": blobURL, "ATELIER_WORKERS": noWorkers ? "0" : nil,
        ]
        for case let (key, value?) in flags { settings[key] = value }
        var resolved = AtelierConfig()
        try resolved.apply(settings)
        return resolved
    }

    /// Bootstraps logging once for the process and returns the app's logger.
    func logger(_ config: AtelierConfig) -> Logger {
        let level = Logger.Level(rawValue: config.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = config.logFormat == "text" ? StreamLogHandler.standardOutput(label: label) : JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "atelier")
    }
}
