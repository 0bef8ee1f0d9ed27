import AtelierCore
import AtelierStore
import Foundation
import Testing

/// The crawler against a real HTTP server on 127.0.0.1, over the real AsyncHTTPClient fetcher.
@Suite("Polite crawler", .serialized)
struct CrawlerTests {
    @Test("robots.txt Disallow is honoured, for start URLs and redirect targets: those pages are never requested")
    func robotsDisallow() async throws {
        try await TestSite.run({ path, _ in
            switch path {
            case "/robots.txt": .text("User-agent: *\nDisallow: /private\n")
            case "/go-private": .redirect(to: "/private/2")
            default: Self.productPage("p1")
            }
        }) { base, log in
            try await Self.withCrawler { crawler in
                let urls = try ["/private/1", "/listing/1", "/go-private"].map { try Self.url(base, $0) }
                var outcomes: [CrawlOutcome] = []
                let progress = await crawler.crawl(urls) { outcome, _ in outcomes.append(outcome) }
                #expect(progress.skippedByRobots == 2)
                #expect(progress.listingsFound == 1)
                #expect(progress.fetched == 1)
                #expect(progress.failed == 0)
                let redirected = CrawlOutcome.skippedByRobots(urls[2], try Self.url(base, "/private/2"))
                #expect(outcomes.contains(redirected))
            }
            #expect(await log.count(prefix: "/private") == 0)
            #expect(await log.count("/robots.txt") == 1, "robots.txt is fetched once per host and run")
            #expect(await log.entries.allSatisfy { $0.userAgent == Self.userAgent })
        }
    }

    @Test("a redirect to another host is checked against that host's robots.txt")
    func crossHostRedirect() async throws {
        let goPrefix = "/go?port="
        try await TestSite.run({ path, _ in
            switch path {
            case "/robots.txt": .text("User-agent: *\nDisallow: /private\n")
            // The same server under another origin: "localhost" instead of "127.0.0.1".
            case _ where path.hasPrefix(goPrefix): .redirect(to: "http://localhost:\(path.dropFirst(goPrefix.count))/private/9")
            default: Self.productPage("p1")
            }
        }) { base, log in
            let port = try #require(base.port)
            let start = try Self.url(base, goPrefix + String(port))
            let target = try #require(URL(string: "http://localhost:\(port)/private/9"))
            try await Self.withCrawler({ $0.requestInterval = .milliseconds(10) }) { crawler in
                #expect(await crawler.crawlPage(start) == .skippedByRobots(start, target))
            }
            #expect(await log.count("/robots.txt") == 2, "once for 127.0.0.1, once for localhost")
            #expect(await log.count(prefix: "/private") == 0)
        }
    }

    @Test("robots.txt: a group for our agent, a 5xx or no answer disallow all; a 404 allows all", arguments: [
        (SiteReply.text("User-agent: AtelierTestBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n"), false),
        (SiteReply.status(500), false),
        (SiteReply.status(404), true),
    ])
    func robotsAnswers(robots: SiteReply, allowed: Bool) async throws {
        try await TestSite.run({ path, _ in path == "/robots.txt" ? robots : Self.productPage("p1") }) { base, log in
            let url = try Self.url(base, "/listing/1")
            try await Self.withCrawler { crawler in
                let outcome = await crawler.crawlPage(url)
                if allowed {
                    #expect(Self.listing(outcome)?.externalID == "p1")
                } else {
                    #expect(outcome == .skippedByRobots(url, url))
                }
            }
            #expect(await log.count("/listing/1") == (allowed ? 1 : 0))
        }
    }

    @Test("an unreachable host is not crawled")
    func unreachableHost() async throws {
        try await Self.withCrawler { crawler in
            let url = try #require(URL(string: "http://127.0.0.1:1/listing/1"))
            #expect(await crawler.crawlPage(url) == .skippedByRobots(url, url))
        }
    }

    @Test("429 with Retry-After, then 200: the wait is honoured and the listing read", arguments: ["3", "date"])
    func retryAfter(header: String) async throws {
        try await TestSite.run({ path, attempt in
            switch (path, attempt) {
            case ("/robots.txt", _): .status(404)
            // The date is taken when the 429 is sent, a minute ahead: however slow a loaded machine,
            // the wait asked for stays over 3 s (the test clock does not really sleep).
            case (_, 1): SiteReply(status: 429, retryAfter: header == "date" ? Self.httpDate(secondsFromNow: 60) : header)
            default: Self.productPage("r1", price: "1500")
            }
        }) { base, log in
            let clock = RecordingClock()
            try await Self.withCrawler({ $0.requestInterval = .milliseconds(10) }, clock: clock) { crawler in
                let outcome = await crawler.crawlPage(try Self.url(base, "/item"))
                #expect(Self.listing(outcome)?.externalID == "r1")
                #expect(Self.listing(outcome)?.priceMinor == 150_000)
            }
            #expect(await log.count("/item") == 2)
            #expect(clock.sleeps.contains { $0 >= .seconds(3) }, "waits: \(clock.sleeps)")
        }
    }

    @Test("503 every time: retried with growing backoff, then a clear failure")
    func serverErrors() async throws {
        try await TestSite.run({ path, _ in path == "/robots.txt" ? .status(404) : .status(503) }) { base, log in
            let clock = RecordingClock()
            let url = try Self.url(base, "/item")
            try await Self.withCrawler({ $0.requestInterval = .milliseconds(10) }, clock: clock) { crawler in
                let outcome = await crawler.crawlPage(url)
                #expect(outcome == .failed(url, .httpStatus(503, attempts: 4)))
                #expect(CrawlFailure.httpStatus(503, attempts: 4).description == "HTTP 503 after 4 attempts")
            }
            #expect(await log.count("/item") == 4)
            let backoffs = clock.sleeps.filter { $0 >= .milliseconds(100) }
            #expect(backoffs.count == 3)
            for (wait, least) in zip(backoffs, [Duration.milliseconds(500), .seconds(1), .seconds(2)]) {
                #expect(wait >= least && wait <= least * 1.25)
            }
        }
    }

    @Test("a redirect loop and an endless redirect chain are failures after a bounded number of requests")
    func redirects() async throws {
        try await TestSite.run({ path, _ in
            switch path {
            case "/robots.txt": .status(404)
            case "/a": .redirect(to: "/b", status: 301)
            case "/b": .redirect(to: "/a#again", status: 307)
            default: .redirect(to: "/hop/\((Int(path.split(separator: "/").last ?? "") ?? 0) + 1)")
            }
        }) { base, log in
            let (loop, loopBack, chain) = (try Self.url(base, "/a"), try Self.url(base, "/a#again"), try Self.url(base, "/hop/0"))
            try await Self.withCrawler({ $0.requestInterval = .milliseconds(10) }) { crawler in
                #expect(await crawler.crawlPage(loop) == .failed(loop, .redirectLoop(loopBack)))
                #expect(await crawler.crawlPage(chain) == .failed(chain, .tooManyRedirects(limit: 5)))
            }
            #expect(await log.count("/a") == 1)
            #expect(await log.count("/b") == 1)
            #expect(await log.count(prefix: "/hop/") == 6, "the start URL and 5 redirects")
        }
    }

    @Test("requests to one host are spaced by the configured interval, or by a longer Crawl-delay")
    func pacing() async throws {
        for (robots, interval, expected) in [
            ("User-agent: *\nAllow: /\n", Duration.milliseconds(500), Duration.milliseconds(500)),
            ("User-agent: *\nCrawl-delay: 1\n", .milliseconds(100), .seconds(1)),
        ] {
            try await TestSite.run({ path, _ in path == "/robots.txt" ? .text(robots) : Self.productPage("p") }) { base, log in
                let sent = SendLog()
                try await Self.withCrawler({ $0.requestInterval = interval }, clock: SystemCrawlerClock(), sent: sent) { crawler in
                    let urls = try (1...3).map { try Self.url(base, "/listing/\($0)") }
                    #expect(await crawler.crawl(urls).listingsFound == 3)
                }
                #expect(await log.entries.count == 4, "robots.txt and three pages reached the server")
                // Measured where the crawler sends: on a busy machine a request can reach the
                // server late, and so seem closer to the next one than it left.
                let times = await sent.times
                #expect(times.count == 4)
                for (earlier, later) in zip(times, times.dropFirst()) {
                    #expect(later - earlier >= expected - .milliseconds(200), "gaps: \(zip(times, times.dropFirst()).map { $1 - $0 })")
                }
            }
        }
    }

    @Test("an oversized page is refused, by Content-Length or while it streams")
    func oversized() async throws {
        try await TestSite.run({ path, _ in
            switch path {
            case "/robots.txt": .status(404)
            case "/big": SiteReply(body: String(repeating: "x", count: 6_000_000))
            default: SiteReply(streamedBytes: 1_000_000)
            }
        }) { base, log in
            let (big, streamed) = (try Self.url(base, "/big"), try Self.url(base, "/streamed"))
            try await Self.withCrawler { crawler in
                #expect(await crawler.crawlPage(big) == .failed(big, .tooLarge(limit: 5_000_000)))
            }
            try await Self.withCrawler({ $0.maxPageBytes = 200_000 }) { crawler in
                #expect(await crawler.crawlPage(streamed) == .failed(streamed, .tooLarge(limit: 200_000)))
            }
            #expect(await log.count("/big") == 1)
            #expect(await log.count("/streamed") == 1)
        }
    }

    @Test("a slow page times out and is retried; 404 and pages without a listing fail without retries")
    func failures() async throws {
        // Generous for robots.txt and /about on a loaded machine (a 0.3 s limit once timed out
        // robots.txt itself), far below the slow page's delay.
        let timeout = Duration.seconds(2)
        try await TestSite.run({ path, _ in
            switch path {
            case "/robots.txt": .status(404)
            case "/slow": SiteReply(body: "late", delay: .seconds(8))
            case "/gone": .status(404)
            default: .html("<html><head><title>About us</title></head></html>")
            }
        }) { base, log in
            try await Self.withCrawler({ $0.timeout = timeout; $0.retry.maxAttempts = 2 }) { crawler in
                let urls = try ["/slow", "/gone", "/about"].map { try Self.url(base, $0) }
                var failures: [URL: CrawlFailure] = [:]
                let progress = await crawler.crawl(urls) { outcome, _ in
                    if case .failed(let url, let failure) = outcome { failures[url] = failure }
                }
                #expect(progress.failed == 3)
                #expect(progress.fetched == 1)
                #expect(failures[urls[0]] == .unreachable("no response within \(timeout)", attempts: 2))
                #expect(failures[urls[1]] == .httpStatus(404, attempts: 1))
                #expect(failures[urls[2]] == .noListing("currency is required."))
            }
            #expect(await log.count("/slow") == 2)
            #expect(await log.count("/gone") == 1)
        }
    }
}
