import Foundation

/// One HTTP GET, as the crawler needs it: no redirects followed (the crawler follows them itself,
/// to check each target against robots.txt and the host's pace), a deadline, and a size cap.
public protocol PageFetcher: Sendable {
    /// Throws `PageFetchError` for a body over `maxBytes`, a missed deadline or no connection.
    func fetch(_ url: URL, headers: [String: String], timeout: Duration, maxBytes: Int) async throws -> FetchedPage
}

/// A response as received: a 3xx is returned as is, with its Location header.
public struct FetchedPage: Sendable {
    /// The URL that was requested.
    public let url: URL
    public let status: Int
    /// Lowercased names; repeated headers joined with ", ".
    public let headers: [String: String]
    public let body: Data

    public init(url: URL, status: Int, headers: [String: String], body: Data) {
        self.url = url
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }) { first, second in "\(first), \(second)" }
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }
}

public enum PageFetchError: Error, Sendable, Equatable {
    /// The body (or its Content-Length) is over the limit; nothing more is read.
    case tooLarge(limit: Int)
    case timedOut
    /// DNS, connection or protocol failure.
    case unreachable(String)
}
