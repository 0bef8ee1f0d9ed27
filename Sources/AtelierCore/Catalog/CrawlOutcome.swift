import Foundation

/// What crawling one listing URL came to.
public enum CrawlOutcome: Sendable, Equatable {
    case listing(URL, ListingDraft)
    /// robots.txt disallows the URL, or a URL it redirected to (the second value).
    case skippedByRobots(URL, URL)
    case failed(URL, CrawlFailure)

    /// The URL as it was asked for.
    public var url: URL {
        switch self {
        case .listing(let url, _), .skippedByRobots(let url, _), .failed(let url, _): url
        }
    }
}

/// Why a listing URL gave no listing, in words an operator can act on.
public enum CrawlFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not an http(s) URL with a host.
    case unsupportedURL(String)
    /// The last response was not 2xx (after `attempts` tries, for retryable statuses).
    case httpStatus(Int, attempts: Int)
    /// Retry-After asked for a longer wait than the crawler's cap.
    case retryAfterTooLong(status: Int, seconds: Int64)
    /// No response: DNS, connection or timeout, after `attempts` tries.
    case unreachable(String, attempts: Int)
    case tooLarge(limit: Int)
    case tooManyRedirects(limit: Int)
    /// A redirect led back to a URL already visited.
    case redirectLoop(URL)
    /// A redirect without a usable http(s) Location.
    case badRedirect(String)
    /// The page was fetched but holds no valid listing.
    case noListing(String)
    /// The crawl was cancelled before this URL was done.
    case cancelled

    public var description: String {
        switch self {
        case .unsupportedURL(let url): "not an http(s) URL: \(url)"
        case .httpStatus(let status, let attempts): "HTTP \(status) after \(attempts) attempt\(attempts == 1 ? "" : "s")"
        case .retryAfterTooLong(let status, let seconds): "HTTP \(status) asking to retry after \(seconds) s, longer than allowed"
        case .unreachable(let reason, let attempts): "unreachable after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(reason)"
        case .tooLarge(let limit): "page larger than \(limit) bytes"
        case .tooManyRedirects(let limit): "more than \(limit) redirects"
        case .redirectLoop(let url): "redirect loop back to \(url.absoluteString)"
        case .badRedirect(let location): "redirect to an unusable location: \(location)"
        case .noListing(let reason): "no listing on the page: \(reason)"
        case .cancelled: "cancelled"
        }
    }
}

/// Running totals of a crawl, reported after each URL.
public struct CrawlProgress: Sendable, Equatable {
    /// URLs whose page was fetched (a 2xx after any redirects), listing or not.
    public var fetched = 0
    public var listingsFound = 0
    public var skippedByRobots = 0
    /// URLs that gave no listing for any reason other than robots.txt.
    public var failed = 0

    public init() {}

    mutating func count(_ outcome: CrawlOutcome) {
        switch outcome {
        case .listing:
            fetched += 1
            listingsFound += 1
        case .skippedByRobots:
            skippedByRobots += 1
        case .failed(_, let failure):
            if case .noListing = failure { fetched += 1 }
            failed += 1
        }
    }
}
