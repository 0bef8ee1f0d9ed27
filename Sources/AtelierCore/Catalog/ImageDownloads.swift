import Foundation

/// Listing photos from http(s) (a few redirects followed, a deadline, a size cap) or from
/// `file://` urls (feeds shipped with their photos).
public struct ImageDownloads: ImageDownloader {
    let fetcher: any PageFetcher
    let userAgent: String
    let timeout: Duration
    let accept: String

    public init(fetcher: any PageFetcher, userAgent: String, timeout: Duration = .seconds(20), accept: String = "image/*") {
        self.fetcher = fetcher
        self.userAgent = userAgent
        self.timeout = timeout
        self.accept = accept
    }

    public func download(_ url: URL, maxBytes: Int) async throws -> Data {
        if url.isFileURL { return try Self.readFile(url, maxBytes: maxBytes) }
        var next = url
        for _ in 0...5 {
            guard ["http", "https"].contains(next.scheme?.lowercased() ?? "") else { break }
            let page = try await fetcher.fetch(next, headers: ["User-Agent": userAgent, "Accept": accept], timeout: timeout, maxBytes: maxBytes)
            if (300..<400).contains(page.status), let location = page.header("Location"), let target = URL(string: location, relativeTo: next) {
                next = target.absoluteURL
                continue
            }
            guard page.status == 200 else { throw AtelierError.validation("The image url answered HTTP \(page.status).") }
            return page.body
        }
        throw AtelierError.validation("The image url redirects too often or to a non-web address.")
    }

    private static func readFile(_ url: URL, maxBytes: Int) throws -> Data {
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
        guard let size else { throw AtelierError.validation("No image file at \(url.path).") }
        guard size <= maxBytes else { throw AtelierError.payloadTooLarge(limit: maxBytes) }
        return try Data(contentsOf: url)
    }
}
