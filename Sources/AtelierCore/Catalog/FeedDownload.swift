import Foundation

/// A feed as a local file: a path is used as it is, an http(s) URL is downloaded to a temporary
/// file first, so both are read the same way (streamed, a chunk at a time).
public struct FeedDownload: Sendable {
    let fetcher: any PageFetcher
    let userAgent: String
    let maxBytes: Int

    public init(fetcher: any PageFetcher, userAgent: String, maxBytes: Int = 1 << 30) {
        self.fetcher = fetcher
        self.userAgent = userAgent
        self.maxBytes = maxBytes
    }

    public struct LocalFeed: Sendable {
        public let file: URL
        /// The name the format is told from (the URL's last component for a download).
        public let name: String
        /// Downloaded from the web (so its rows may not name files on this machine).
        public let downloaded: Bool

        /// Removes a downloaded copy; a local feed is the operator's and stays.
        public func discard() {
            if downloaded { try? FileManager.default.removeItem(at: file) }
        }

        /// Lines in the file, for progress (a CSV row may span several: close enough).
        public var lineCount: Int? {
            guard let handle = try? FileHandle(forReadingFrom: file) else { return nil }
            defer { try? handle.close() }
            var lines = 0
            while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { lines += chunk.reduce(0) { $0 + ($1 == 10 ? 1 : 0) } }
            return lines
        }
    }

    public func localFile(_ location: String) async throws -> LocalFeed {
        guard IngestionSource.isWebURL(location), let url = URL(string: location) else {
            let file = location.hasPrefix("file://") ? URL(string: location).map { URL(fileURLWithPath: $0.path) } : nil
            let path = file ?? URL(fileURLWithPath: location)
            return LocalFeed(file: path, name: path.lastPathComponent, downloaded: false)
        }
        let body = try await ImageDownloads(fetcher: fetcher, userAgent: userAgent, timeout: .seconds(300), accept: "*/*").download(url, maxBytes: maxBytes)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-feed-\(UUID().uuidString)-\(url.lastPathComponent)")
        try body.write(to: file)
        return LocalFeed(file: file, name: url.lastPathComponent, downloaded: true)
    }
}
