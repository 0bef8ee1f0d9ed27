import ArgumentParser
import AtelierCore
import AtelierServer
import Dispatch
import Foundation

/// `atelier worker`: the in-process workers without the HTTP API, for scaling workers apart
/// from API processes (several of them share one PostgreSQL).
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Run workers only (no HTTP API) until SIGTERM or SIGINT.")

    @OptionGroup var options: ConfigOptions
    @Option(help: "Queues to work, comma-separated: interactive,standard,batch (default all).") var queues: String?

    func run() async throws {
        prepareServerProcess()
        var config = try options.resolve()
        if let queues {
            let chosen = Set(queues.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            for name in chosen where QueueClass(rawValue: name) == nil { throw ValidationError("\(name) is not a queue (interactive, standard, batch).") }
            if !chosen.contains("interactive") { config.interactiveWorkers = 0 }
            if !chosen.contains("standard") { config.standardWorkers = 0 }
            if !chosen.contains("batch") { config.batchWorkers = 0 }
        }
        let logger = options.logger(config)
        let services = try await AtelierServices.open(config)
        logger.info("atelier worker starting", metadata: ["queues": .string(queues ?? "all")])
        let work = Task { await services.runWorkerProcess(logger: logger) }
        await ShutdownSignal.wait()
        // Jobs in hand stay leased and run again elsewhere; the database closes last.
        work.cancel()
        await work.value
        try await services.database.close()
        logger.info("atelier worker stopped")
    }
}

/// Returns on the first SIGTERM or SIGINT.
enum ShutdownSignal {
    static func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = Once()
            for number in [SIGTERM, SIGINT] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
                source.setEventHandler { if once.claim() { continuation.resume() } }
                source.resume()
                Sources.keep.append(source)
            }
        }
    }

    /// Signal sources live as long as the process.
    private enum Sources { nonisolated(unsafe) static var keep: [any DispatchSourceSignal] = [] }

    private final class Once: @unchecked Sendable {  // `done` is guarded by `lock`
        private let lock = NSLock()
        private var done = false
        func claim() -> Bool { lock.withLock { defer { done = true }; return !done } }
    }
}

struct WorkerTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker-token", abstract: "Tokens for external workers (the /api/v1/worker protocol).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token; its secret is printed once and stored only as a hash.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Processors the worker may run, comma-separated.") var processors: String
        @Option(help: "A name to recognise the worker by.") var name = "worker"

        func run() async throws {
            let services = try await AtelierServices.open(try options.resolve())
            let names = processors.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let (token, secret) = try await services.externalWorkers.createToken(name: name, processors: names)
            print("Worker token \(token.id) (\(token.name)) for \(token.processors.joined(separator: ", ")):")
            print(secret)
            try await services.database.close()
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List live worker tokens.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let services = try await AtelierServices.open(try options.resolve())
            for token in try await services.externalWorkers.tokens() {
                print("\(token.id)\t\(token.name)\t\(token.processors.joined(separator: ","))")
            }
            try await services.database.close()
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a worker token at once.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The token's id.") var id: String

        func run() async throws {
            let services = try await AtelierServices.open(try options.resolve())
            let revoked = try await services.externalWorkers.revoke(id: id)
            try await services.database.close()
            guard revoked else { throw ValidationError("No live worker token \(id).") }
            print("Revoked \(id).")
        }
    }
}
