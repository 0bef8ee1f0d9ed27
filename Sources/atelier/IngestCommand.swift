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
            let feed = try await FeedDownload(fetcher: HTTPPageFetcher.shared, userAgent: services.config.userAgent).localFile(source)
            defer { feed.discard() }
            let total = feed.lineCount
            let bar = ProgressLine()
            let run = try await services.catalog.importer.importFeed(FeedReader(fileName: feed.name).rows(fromFile: feed.file),
                                                                     source: source, full: full, localFeed: !feed.downloaded) {
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
            let crawler = Crawler(fetcher: HTTPPageFetcher.shared, configuration: config.crawling)
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
