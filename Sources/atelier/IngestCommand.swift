import ArgumentParser
import AtelierCore
import AtelierServer
import AtelierStore
import Foundation

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Import marketplace listings from feeds or listing pages.", subcommands: [Feed.self, Crawl.self])

    struct Feed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a JSON Lines or CSV feed (a file or an http(s) URL); bad rows are reported and skipped.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The feed: a .jsonl/.ndjson/.csv file or URL.") var source: String
        @Flag(help: "The feed is complete: listings of its marketplaces that it lacks are marked removed.") var full = false

        func run() async throws {
            let services = try await AtelierServices.open(try options.resolve())
            let file = try await Self.localFile(source, userAgent: services.config.userAgent)
            let total = Self.lineCount(file)
            let bar = ProgressLine()
            let run = try await services.catalog.importer.importFeed(FeedReader(fileName: source).rows(fromFile: file), source: source, full: full) {
                bar.update(done: $0.created + $0.updated + $0.unchanged + $0.failed, total: total, Self.counts($0))
            }
            bar.finish(done: run.created + run.updated + run.unchanged + run.failed, total: total, Self.counts(run))
            Summary.print(run)
            try await PhotoStage.run(services)
            try await services.database.close()
            if run.state == .failed { throw ExitCode.failure }
        }

        static func counts(_ run: IngestionRun) -> String {
            "\(run.created) new · \(run.updated) updated · \(run.unchanged) unchanged · \(run.failed) bad"
        }

        /// A URL is downloaded to a temporary file first, so both kinds are read the same way.
        static func localFile(_ source: String, userAgent: String) async throws -> URL {
            guard let url = URL(string: source), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
                return URL(fileURLWithPath: source)
            }
            let body = try await ImageDownloads(fetcher: HTTPPageFetcher.shared, userAgent: userAgent, timeout: .seconds(300))
                .download(url, maxBytes: 1 << 30)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-feed-\(UUID().uuidString)-\(url.lastPathComponent)")
            try body.write(to: file)
            return file
        }

        /// Lines in the file, for the progress bar (a CSV row may span several: close enough).
        static func lineCount(_ file: URL) -> Int? {
            guard let handle = try? FileHandle(forReadingFrom: file) else { return nil }
            defer { try? handle.close() }
            var lines = 0
            while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { lines += chunk.reduce(0) { $0 + ($1 == 10 ? 1 : 0) } }
            return lines
        }
    }

    struct Crawl: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch listing pages politely (robots.txt, per-host pace, retries) and import their Product JSON-LD or OpenGraph data.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "Listing page URLs.") var urls: [String]

        func run() async throws {
            let config = try options.resolve()
            let services = try await AtelierServices.open(config)
            let pages = try urls.map { text in
                guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
                    throw ValidationError("\(text) is not an http(s) URL.")
                }
                return url
            }
            let crawler = Crawler(fetcher: HTTPPageFetcher.shared, configuration: CrawlerConfiguration(
                userAgent: config.userAgent, requestInterval: .milliseconds(Int(1000 / config.crawlRequestsPerSecond))))
            let bar = ProgressLine()
            let run = try await services.catalog.importer.importPages(pages, crawler: crawler) { run, totals in
                bar.update(done: totals.fetched + totals.skippedByRobots + totals.failed, total: pages.count, Self.counts(run, totals))
            }
            bar.finish(done: pages.count, total: pages.count, "\(run.created + run.updated + run.unchanged) listings · \(run.failed) not imported")
            Summary.print(run)
            try await PhotoStage.run(services)
            try await services.database.close()
        }

        static func counts(_ run: IngestionRun, _ totals: CrawlProgress) -> String {
            "\(totals.listingsFound) listings · \(totals.skippedByRobots) disallowed · \(totals.failed) failed"
        }
    }
}

/// The end of every import: what happened, and the first problems.
enum Summary {
    static func print(_ run: IngestionRun) {
        Swift.print("\(run.kind) \(run.source): \(run.state.rawValue) — \(run.created) new, \(run.updated) updated, \(run.unchanged) unchanged, "
                    + "\(run.removed) removed, \(run.failed) not imported (run \(run.id)).")
        for error in run.errors.prefix(20) { Swift.print("  \(error)") }
        if run.failed > 20 { Swift.print("  … and \(run.failed - 20) more (GET /api/v1/admin/ingestion/runs)") }
    }
}

/// After an import: fetch the new listings' photos and embed photos and texts, with a bar.
enum PhotoStage {
    static func run(_ services: AtelierServices) async throws {
        let bar = ProgressLine()
        let done = try await services.catalog.photos.catchUp { progress in
            bar.update(done: progress.photosReady + progress.photosFailed, total: nil, counts(progress))
        }
        bar.finish(done: done.photosReady + done.photosFailed, total: nil, counts(done))
        if !ModelPackage.photos.isInstalled(in: services.config.dataDir) {
            Swift.print("Photo search needs the image model: run `atelier models fetch`.")
        }
    }

    static func counts(_ progress: ListingPhotos.Progress) -> String {
        "photos: \(progress.photosReady) ready · \(progress.photosFailed) failed · texts embedded: \(progress.textsEmbedded)"
    }
}
