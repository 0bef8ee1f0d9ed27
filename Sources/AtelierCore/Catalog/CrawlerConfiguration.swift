/// How politely and how far the crawler goes. The defaults suit crawling marketplaces.
public struct CrawlerConfiguration: Sendable, Equatable {
    /// Sent with every request. Its product token ("AtelierBot") is the agent robots.txt groups name.
    public var userAgent: String
    /// The least time between two requests to one host; robots.txt Crawl-delay can only lengthen it.
    public var requestInterval: Duration
    /// A longer Crawl-delay is cut to this, so one site cannot stall a crawl for hours.
    public var maxCrawlDelay: Duration
    /// For each request, from sending it to the last body byte.
    public var timeout: Duration
    public var maxRedirects: Int
    public var maxPageBytes: Int
    /// robots.txt is read up to this size (RFC 9309 asks crawlers to read at least 500 KiB).
    public var maxRobotsBytes: Int
    public var retry: RetryPolicy
    /// URLs crawled at once; requests to one host still wait their turn.
    public var concurrency: Int

    public init(
        userAgent: String = "AtelierBot/1.0 (+https://github.com/atelier/atelier)",
        requestInterval: Duration = .seconds(1),
        maxCrawlDelay: Duration = .seconds(30),
        timeout: Duration = .seconds(20),
        maxRedirects: Int = 5,
        maxPageBytes: Int = 5_000_000,
        maxRobotsBytes: Int = 512 * 1024,
        retry: RetryPolicy = RetryPolicy(),
        concurrency: Int = 4
    ) {
        self.userAgent = userAgent
        self.requestInterval = requestInterval
        self.maxCrawlDelay = maxCrawlDelay
        self.timeout = timeout
        self.maxRedirects = maxRedirects
        self.maxPageBytes = maxPageBytes
        self.maxRobotsBytes = maxRobotsBytes
        self.retry = retry
        self.concurrency = max(1, concurrency)
    }

    /// "AtelierBot/1.0 (+https://…)" → "AtelierBot".
    public var agentToken: String {
        String(userAgent.prefix { $0 != "/" && !$0.isWhitespace })
    }
}
