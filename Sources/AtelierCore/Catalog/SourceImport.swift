import Foundation

/// `catalog.ingest`: imports one registered source (a feed or a crawl) as a job, so scheduled
/// imports run on the workers with progress, retries and a record of how they ended.
public struct SourceImport: ProcessorRunner {
    public static let spec = ProcessorSpec(
        name: "catalog.ingest", title: "Import a listing source",
        description: "Imports a registered feed or crawl source into the listings catalogue.",
        cost: 0, queue: .batch, mediaInputs: 0...0,
        params: ParamsSchema(properties: ["source_id": ParamsSchema.Property(kind: .string, description: "The source to import.")],
                             required: ["source_id"]),
        timeout: .seconds(6 * 3600), maxAttempts: 2, system: true)

    let sources: any IngestionSourceStore
    let importer: CatalogImport
    let fetcher: any PageFetcher
    let crawling: CrawlerConfiguration
    let maxFeedBytes: Int

    public init(sources: any IngestionSourceStore, importer: CatalogImport, fetcher: any PageFetcher,
                crawling: CrawlerConfiguration, maxFeedBytes: Int = 1 << 30) {
        self.sources = sources
        self.importer = importer
        self.fetcher = fetcher
        self.crawling = crawling
        self.maxFeedBytes = maxFeedBytes
    }

    public func run(_ input: JobInput, progress: any JobProgress) async throws -> JobOutput {
        guard let id = input.params["source_id"]?.string, let source = try await sources.source(id: id) else {
            throw IngestionSourceError.notFound
        }
        let run: IngestionRun
        switch source.kind {
        case .feed: run = try await importFeed(source, jobID: input.jobID, progress: progress)
        case .crawl: run = try await importPages(source, jobID: input.jobID, progress: progress)
        }
        await progress.report(1, step: "done")
        return JobOutput(data: [
            "run_id": .string(run.id), "state": .string(run.state.rawValue), "created": .number(Double(run.created)),
            "updated": .number(Double(run.updated)), "unchanged": .number(Double(run.unchanged)),
            "removed": .number(Double(run.removed)), "failed": .number(Double(run.failed)),
        ])
    }

    private func importFeed(_ source: IngestionSource, jobID: String, progress: any JobProgress) async throws -> IngestionRun {
        await progress.report(0, step: "downloading")
        let feed = try await FeedDownload(fetcher: fetcher, userAgent: crawling.userAgent, maxBytes: maxFeedBytes).localFile(source.locations[0])
        defer { feed.discard() }
        let lines = max(1, feed.lineCount ?? 1)
        return try await importer.importFeed(FeedReader(fileName: feed.name).rows(fromFile: feed.file), source: source.name,
                                             full: source.full, localFeed: !feed.downloaded, jobID: jobID) { run in
            let done = run.created + run.updated + run.unchanged + run.failed
            await progress.report(min(0.99, Double(done) / Double(lines)), step: "importing")
        }
    }

    private func importPages(_ source: IngestionSource, jobID: String, progress: any JobProgress) async throws -> IngestionRun {
        let pages = source.locations.compactMap { URL(string: $0) }
        return try await importer.importPages(pages, crawler: Crawler(fetcher: fetcher, configuration: crawling),
                                              source: source.name, jobID: jobID) { _, totals in
            let done = totals.fetched + totals.skippedByRobots + totals.failed
            await progress.report(min(0.99, Double(done) / Double(max(1, pages.count))), step: "crawling")
        }
    }
}
