import Foundation

/// Fetches listing pages politely and reads the listing on each: robots.txt honoured (for every
/// redirect target too), one request per host per `requestInterval` (or the site's longer
/// Crawl-delay), retries with backoff on 429/5xx/network errors, bounded redirects and page size.
///
/// One `Crawler` is one run: robots.txt is fetched once per origin and the per-host pace is kept
/// across calls.
public final class Crawler: Sendable {
    public let configuration: CrawlerConfiguration
    let fetcher: any PageFetcher
    let clock: any CrawlerClock
    let pacer: HostPacer
    let robots = RobotsCache()

    public init(fetcher: any PageFetcher, configuration: CrawlerConfiguration = CrawlerConfiguration(),
                clock: any CrawlerClock = SystemCrawlerClock()) {
        self.fetcher = fetcher
        self.configuration = configuration
        self.clock = clock
        self.pacer = HostPacer(clock: clock)
    }

    /// Crawls `urls`, `configuration.concurrency` at a time, hosts taken in turn so one slow host
    /// does not hold the others up. `report` is called after each URL, one call at a time, in the
    /// order they finish. Returns the final totals.
    @discardableResult
    public func crawl(_ urls: [URL], report: (CrawlOutcome, CrawlProgress) async -> Void = { _, _ in }) async -> CrawlProgress {
        var progress = CrawlProgress()
        var queue = Self.takingHostsInTurn(urls).makeIterator()
        await withTaskGroup(of: CrawlOutcome.self) { group in
            for _ in 0..<configuration.concurrency {
                guard let url = queue.next() else { break }
                group.addTask { await self.crawlPage(url) }
            }
            while let outcome = await group.next() {
                progress.count(outcome)
                await report(outcome, progress)
                if !Task.isCancelled, let url = queue.next() {
                    group.addTask { await self.crawlPage(url) }
                }
            }
        }
        return progress
    }

    /// One listing URL, start to end.
    public func crawlPage(_ url: URL) async -> CrawlOutcome {
        let finalURL: URL, page: FetchedPage
        do throws(CrawlStop) {
            (finalURL, page) = try await fetchFollowingRedirects(url)
        } catch {
            switch error {
            case .robots(let disallowed): return .skippedByRobots(url, disallowed)
            case .failure(let failure): return .failed(url, failure)
            }
        }
        do {
            return .listing(url, try ListingPageParser.listing(in: Self.text(of: page), pageURL: finalURL))
        } catch {
            return .failed(url, .noListing(error.message))
        }
    }

    var pageHeaders: [String: String] {
        ["User-Agent": configuration.userAgent, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"]
    }

    /// The body as text, in the charset the Content-Type names when it is a Latin one; else UTF-8.
    static func text(of page: FetchedPage) -> String {
        let contentType = page.header("content-type")?.lowercased() ?? ""
        if contentType.contains("charset=iso-8859-1") || contentType.contains("charset=latin1"),
           let text = String(data: page.body, encoding: .isoLatin1) {
            return text
        }
        if contentType.contains("charset=windows-1252"), let text = String(data: page.body, encoding: .windowsCP1252) {
            return text
        }
        return String(decoding: page.body, as: UTF8.self)
    }

    /// [a1, a2, b1, c1, b2] → [a1, b1, c1, a2, b2]: each host's URLs in order, hosts in turn.
    static func takingHostsInTurn(_ urls: [URL]) -> [URL] {
        var hosts: [String] = []
        var byHost: [String: [URL]] = [:]
        for url in urls {
            let host = url.host?.lowercased() ?? ""
            if byHost[host] == nil { hosts.append(host) }
            byHost[host, default: []].append(url)
        }
        var ordered: [URL] = []
        var round = 0
        while ordered.count < urls.count {
            for host in hosts where round < byHost[host, default: []].count {
                ordered.append(byHost[host, default: []][round])
            }
            round += 1
        }
        return ordered
    }
}
