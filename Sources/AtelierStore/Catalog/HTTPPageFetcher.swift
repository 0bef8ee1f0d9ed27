import AsyncHTTPClient
import AtelierCore
import Foundation
import NIOCore

/// The crawler's HTTP GETs over AsyncHTTPClient. Redirects are returned, never followed (the
/// crawler checks each target against robots.txt); bodies are read as they stream and cut off at
/// `maxBytes`; the timeout covers the whole exchange, body included. No compression is asked for,
/// so the byte cap is the size of what is parsed.
public final class HTTPPageFetcher: PageFetcher {
    private let client: HTTPClient

    /// One for the whole process, never shut down: servers and commands fetch until they exit.
    public static let shared = HTTPPageFetcher()

    public init(connectTimeout: Duration = .seconds(10)) {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: TimeAmount(connectTimeout))
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Call once when done crawling.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    public func fetch(_ url: URL, headers: [String: String], timeout: Duration, maxBytes: Int) async throws -> FetchedPage {
        try await withThrowingTaskGroup(of: FetchedPage.self) { group in
            group.addTask { try await self.get(url, headers: headers, timeout: timeout, maxBytes: maxBytes) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw PageFetchError.timedOut
            }
            defer { group.cancelAll() }
            guard let page = try await group.next() else { throw PageFetchError.timedOut }
            return page
        }
    }

    private func get(_ url: URL, headers: [String: String], timeout: Duration, maxBytes: Int) async throws -> FetchedPage {
        var request = HTTPClientRequest(url: url.absoluteString)
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        do {
            let response = try await client.execute(request, deadline: .now() + TimeAmount(timeout))
            if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > maxBytes {
                throw PageFetchError.tooLarge(limit: maxBytes)
            }
            var body = Data()
            for try await chunk in response.body {
                guard body.count + chunk.readableBytes <= maxBytes else { throw PageFetchError.tooLarge(limit: maxBytes) }
                body.append(contentsOf: chunk.readableBytesView)
            }
            var fields: [String: String] = [:]
            for header in response.headers {
                fields[header.name.lowercased()] = fields[header.name.lowercased()].map { "\($0), \(header.value)" } ?? header.value
            }
            return FetchedPage(url: url, status: Int(response.status.code), headers: fields, body: body)
        } catch let error as PageFetchError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
            throw PageFetchError.timedOut
        } catch {
            throw PageFetchError.unreachable(String(describing: error))
        }
    }
}
