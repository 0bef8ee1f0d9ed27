import ArgumentParser
import AtelierCore
import AtelierServer
import Foundation

struct SourceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "source", abstract: "Register feeds and crawls that a running server imports again on a schedule.",
        subcommands: [Add.self, List.self, Remove.self, Run.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a feed (--feed FILE_OR_URL) or a crawl (--crawl URL…), imported every --every minutes by the server's workers.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "A name for the source (letters, digits, '-', '_', '.').") var name: String
        @Option(help: "The feed: a .jsonl/.ndjson/.csv file or URL.") var feed: String?
        @Option(parsing: .upToNextOption, help: "Listing page URLs to crawl.") var crawl: [String] = []
        @Flag(help: "The feed is complete: listings of its marketplaces that it lacks are marked removed.") var full = false
        @Option(help: "Minutes between imports.") var every: Int

        func run() async throws {
            guard (feed == nil) != crawl.isEmpty else { throw ValidationError("Give either --feed or --crawl.") }
            let services = try await AtelierServices.open(try options.resolve())
            // A local feed is read by the server later: store an absolute path.
            let locations = feed.map { [IngestionSource.isWebURL($0) ? $0 : URL(fileURLWithPath: $0).standardizedFileURL.path] } ?? crawl
            let source = try IngestionSource.make(name: name, kind: feed == nil ? .crawl : .feed, locations: locations, full: full,
                                                  everyMinutes: every, allowFiles: true)
            try await services.catalog.sources.add(source)
            print("Registered \(source.kind.rawValue) source \(source.name) (\(source.id)), imported every \(every) min by the server's workers.")
            try await services.database.close()
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the registered sources.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let services = try await AtelierServices.open(try options.resolve())
            for source in try await services.catalog.sources.sources() {
                let what = source.kind == .feed ? source.locations[0] : "\(source.locations.count) pages"
                print("\(source.name)\t\(source.kind.rawValue)\tevery \(source.everyMinutes) min\t\(what)\(source.full ? " (full)" : "")\t\(source.id)")
            }
            try await services.database.close()
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop importing a source (listings it brought stay).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The source's name.") var name: String

        func run() async throws {
            let services = try await AtelierServices.open(try options.resolve())
            let source = try await SourceCommand.find(name, services)
            _ = try await services.catalog.sources.remove(id: source.id)
            print("Removed \(name).")
            try await services.database.close()
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue an import of a source now (a running server's workers do it).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The source's name.") var name: String

        func run() async throws {
            let services = try await AtelierServices.open(try options.resolve())
            let job = try await services.upkeep.importNow(try await SourceCommand.find(name, services))
            print("Queued job \(job.id) (GET /api/v1/admin/jobs/\(job.id)).")
            try await services.database.close()
        }
    }

    static func find(_ name: String, _ services: AtelierServices) async throws -> IngestionSource {
        guard let source = try await services.catalog.sources.sources().first(where: { $0.name == name }) else {
            throw ValidationError("No source named \(name) (atelier source list).")
        }
        return source
    }
}
