import Foundation

/// Why a fetch stopped short of a page.
enum CrawlStop: Error {
    /// robots.txt disallows this URL (the start URL or a redirect target).
    case robots(URL)
    case failure(CrawlFailure)
}

extension Crawler {
    /// GETs `start`, following up to `maxRedirects` redirects itself so that each target is checked
    /// against its own robots.txt and paced for its own host. Returns the final URL and its 2xx page.
    func fetchFollowingRedirects(_ start: URL) async throws(CrawlStop) -> (URL, FetchedPage) {
        var current = start
        var visited: Set<String> = [Self.visitKey(start)]
        var redirects = 0
        while true {
            guard let origin = Self.origin(of: current) else { throw .failure(.unsupportedURL(current.absoluteString)) }
            let rules = await robots.rules(for: origin) { [self] in await loadRobots(origin: origin) }
            guard rules.allows(current) else { throw .robots(current) }
            let page = try await fetchWithRetries(current, interval: interval(for: rules))
            guard [301, 302, 303, 307, 308].contains(page.status) else {
                guard (200..<300).contains(page.status) else { throw .failure(.httpStatus(page.status, attempts: 1)) }
                return (current, page)
            }
            let location = page.header("location") ?? ""
            guard let next = URL(string: location, relativeTo: current)?.absoluteURL, Self.origin(of: next) != nil else {
                throw .failure(.badRedirect(location))
            }
            guard redirects < configuration.maxRedirects else { throw .failure(.tooManyRedirects(limit: configuration.maxRedirects)) }
            guard visited.insert(Self.visitKey(next)).inserted else { throw .failure(.redirectLoop(next)) }
            redirects += 1
            current = next
        }
    }

    /// One GET, repeated on 429, retryable 5xx and network errors as the retry policy says.
    /// Every attempt waits for the host's turn.
    private func fetchWithRetries(_ url: URL, interval: Duration) async throws(CrawlStop) -> FetchedPage {
        let host = url.host?.lowercased() ?? ""
        var attempt = 0
        while true {
            attempt += 1
            let failure: CrawlFailure
            var retryAfter: String?
            do {
                try await pacer.waitTurn(host: host, interval: interval)
                let page = try await fetcher.fetch(url, headers: pageHeaders, timeout: configuration.timeout, maxBytes: configuration.maxPageBytes)
                guard RetryPolicy.isRetryable(status: page.status) else { return page }
                failure = .httpStatus(page.status, attempts: attempt)
                retryAfter = page.header("retry-after")
            } catch PageFetchError.tooLarge(let limit) {
                throw .failure(.tooLarge(limit: limit))
            } catch is CancellationError {
                throw .failure(.cancelled)
            } catch {
                failure = .unreachable(Self.describe(error, timeout: configuration.timeout), attempts: attempt)
            }
            switch configuration.retry.decide(afterAttempt: attempt, retryAfter: retryAfter) {
            case .retry(let wait):
                await pacer.holdOff(host: host, for: wait)
                do { try await clock.sleep(for: wait) } catch { throw .failure(.cancelled) }
            case .giveUp:
                throw .failure(failure)
            case .waitTooLong(let asked):
                guard case .httpStatus(let status, _) = failure else { throw .failure(failure) }
                throw .failure(.retryAfterTooLong(status: status, seconds: asked.components.seconds))
            }
        }
    }

    /// An origin's robots.txt: 2xx → its rules; 4xx (or more than `maxRedirects` redirects) →
    /// allow all; 429, 5xx, no answer or an oversized file → disallow all for this run.
    private func loadRobots(origin: String) async -> RobotsRules {
        guard var current = URL(string: origin + "/robots.txt") else { return .disallowAll }
        for _ in 0...configuration.maxRedirects {
            let page: FetchedPage
            do {
                try await pacer.waitTurn(host: current.host?.lowercased() ?? "", interval: configuration.requestInterval)
                let headers = ["User-Agent": configuration.userAgent, "Accept": "text/plain"]
                page = try await fetcher.fetch(current, headers: headers, timeout: configuration.timeout, maxBytes: configuration.maxRobotsBytes)
            } catch {
                return .disallowAll
            }
            switch page.status {
            case 200..<300:
                return RobotsRules(parsing: String(decoding: page.body, as: UTF8.self), agent: configuration.agentToken)
            case 300..<400:
                guard let location = page.header("location"),
                      let next = URL(string: location, relativeTo: current)?.absoluteURL, Self.origin(of: next) != nil else {
                    return .allowAll
                }
                current = next
            case 429:
                return .disallowAll
            case 400..<500:
                return .allowAll
            default:
                return .disallowAll
            }
        }
        return .allowAll
    }

    /// The wait between requests to a host: ours, or the site's Crawl-delay when longer (capped).
    private func interval(for rules: RobotsRules) -> Duration {
        max(configuration.requestInterval, min(rules.crawlDelay ?? .zero, configuration.maxCrawlDelay))
    }

    /// "https://shop.example:8443" for an http(s) URL with a host; robots.txt is per origin.
    static func origin(of url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host?.lowercased(), !host.isEmpty else { return nil }
        let port = url.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(host.contains(":") ? "[\(host)]" : host)\(port)"
    }

    /// The URL without its fragment, which never reaches the server.
    private static func visitKey(_ url: URL) -> String {
        url.absoluteString.split(separator: "#", maxSplits: 1).first.map(String.init) ?? url.absoluteString
    }

    private static func describe(_ error: any Error, timeout: Duration) -> String {
        switch error {
        case PageFetchError.timedOut: "no response within \(timeout)"
        case PageFetchError.unreachable(let reason): reason
        default: String(describing: error)
        }
    }
}
