import Foundation

/// Feeds and crawled pages into the catalogue: every good row upserted, every bad one counted
/// with its reason, and the run recorded.
public struct CatalogImport: Sendable {
    let listings: any ListingStore
    let runs: any IngestionRunStore

    public init(listings: any ListingStore, runs: any IngestionRunStore) {
        self.listings = listings
        self.runs = runs
    }

    /// Imports `rows`; with `full`, listings of the feed's marketplaces that it no longer has are
    /// marked removed (only when the whole feed was read). `progress` sees the run after each row.
    /// Photos as `file://` urls are read only from a feed on this machine (`localFeed`): one fetched
    /// from the web must never point the server at its own disk.
    public func importFeed<Rows: AsyncSequence>(_ rows: Rows, source: String, full: Bool, localFeed: Bool = true, jobID: String? = nil,
                                                progress: @Sendable (IngestionRun) async -> Void = { _ in }) async throws -> IngestionRun
    where Rows.Element == FeedRow {
        let started = Date()
        var run = IngestionRun(id: Identifier.make(now: started), kind: "feed", source: source, state: .running, startedAt: started)
        run.jobID = jobID
        try await runs.save(run)
        var marketplaces: Set<String> = []
        do {
            for try await row in rows {
                switch row {
                case .listing(_, var draft):
                    if !localFeed { draft.imageURLs.removeAll(where: \.isFileURL) }
                    let (_, outcome) = try await listings.upsert(draft, now: Date())
                    run.count(outcome)
                    marketplaces.insert(draft.marketplace)
                case .invalid(let error):
                    run.fail(error.description)
                }
                await progress(run)
            }
            if full {
                for marketplace in marketplaces.sorted() {
                    run.removed += try await listings.markRemoved(marketplace: marketplace, notSeenSince: started)
                }
            }
            run.state = .succeeded
        } catch {
            // The feed itself broke off (unreadable file, lost connection): rows so far are kept,
            // but nothing is marked removed on a partial read.
            run.fail("feed stopped: \(error)")
            run.state = .failed
        }
        run.finishedAt = Date()
        try await runs.save(run)
        return run
    }

    /// Crawls listing pages and imports what they describe; pages without a listing, or that
    /// robots.txt keeps us from, are counted with their reason.
    /// `source` names the run (a registered source's name; else the first page's host).
    public func importPages(_ urls: [URL], crawler: Crawler, source: String? = nil, jobID: String? = nil,
                            progress: @Sendable (IngestionRun, CrawlProgress) async -> Void = { _, _ in }) async throws -> IngestionRun {
        let started = Date()
        var run = IngestionRun(id: Identifier.make(now: started), kind: "crawl", source: source ?? urls.first?.host ?? "",
                               state: .running, startedAt: started)
        run.jobID = jobID
        try await runs.save(run)
        var storeError: (any Error)?
        await crawler.crawl(urls) { outcome, totals in
            guard storeError == nil else { return }
            switch outcome {
            case .listing(_, var draft):
                // Feeds come from the operator and may ship photos as files; a web page must never
                // point the server at its own disk.
                draft.imageURLs.removeAll(where: \.isFileURL)
                do { run.count(try await listings.upsert(draft, now: Date()).1) } catch { storeError = error }
            case .skippedByRobots(let url, let blocked):
                run.fail("\(url.absoluteString): robots.txt disallows \(blocked.absoluteString)")
            case .failed(let url, let failure):
                run.fail("\(url.absoluteString): \(failure)")
            }
            await progress(run, totals)
        }
        if let storeError {
            run.fail("stopped: \(storeError)")
            run.state = .failed
        } else {
            run.state = .succeeded
        }
        run.finishedAt = Date()
        try await runs.save(run)
        return run
    }
}
