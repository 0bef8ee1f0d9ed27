import AtelierCore
import AtelierStore
import Foundation
import Testing

extension CrawlerTests {
    static let userAgent = "AtelierTestBot/0.1 (+https://example.com/bot)"

    static func productPage(_ id: String, price: String = "24.00") -> SiteReply {
        .html(#"<html><head><script type="application/ld+json">{"@type":"Product","name":"Coat \#(id)","sku":"\#(id)","offers":{"price":"\#(price)","priceCurrency":"EUR"}}</script></head></html>"#)
    }

    /// A crawler on a fresh fetcher; by default waits are recorded, not slept. `sent` sees when
    /// each request leaves.
    static func withCrawler(
        _ configure: (inout CrawlerConfiguration) -> Void = { _ in }, clock: any CrawlerClock = RecordingClock(),
        sent: SendLog = SendLog(), _ body: (Crawler) async throws -> Void
    ) async throws {
        var configuration = CrawlerConfiguration(userAgent: userAgent)
        configure(&configuration)
        let fetcher = HTTPPageFetcher()
        do {
            try await body(Crawler(fetcher: LoggingFetcher(fetcher: fetcher, log: sent), configuration: configuration, clock: clock))
        } catch {
            try? await fetcher.shutdown()
            throw error
        }
        try await fetcher.shutdown()
    }

    static func url(_ base: URL, _ path: String) throws -> URL {
        try #require(URL(string: base.absoluteString + path))
    }

    static func listing(_ outcome: CrawlOutcome) -> ListingDraft? {
        if case .listing(_, let listing) = outcome { return listing }
        return nil
    }

    static func httpDate(secondsFromNow seconds: TimeInterval) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date().addingTimeInterval(seconds))
    }
}

/// When each request left the crawler, in order.
actor SendLog {
    private(set) var times: [ContinuousClock.Instant] = []
    func add(_ time: ContinuousClock.Instant) { times.append(time) }
}

struct LoggingFetcher: PageFetcher {
    let fetcher: HTTPPageFetcher
    let log: SendLog

    func fetch(_ url: URL, headers: [String: String], timeout: Duration, maxBytes: Int) async throws -> FetchedPage {
        await log.add(ContinuousClock.now)
        return try await fetcher.fetch(url, headers: headers, timeout: timeout, maxBytes: maxBytes)
    }
}
