import Foundation
import Hummingbird
import Logging

/// What the test site answers to one request.
struct SiteReply: Sendable {
    var status = 200
    var contentType: String?
    var location: String?
    var retryAfter: String?
    var body = ""
    /// Sent without Content-Length, in 64 KB chunks, `streamedBytes` bytes in all.
    var streamedBytes: Int?
    /// Waits this long before answering.
    var delay: Duration = .zero

    static func html(_ body: String) -> SiteReply { SiteReply(contentType: "text/html; charset=utf-8", body: body) }
    static func text(_ body: String) -> SiteReply { SiteReply(contentType: "text/plain", body: body) }
    static func redirect(to location: String, status: Int = 302) -> SiteReply { SiteReply(status: status, location: location) }
    static func status(_ status: Int) -> SiteReply { SiteReply(status: status) }
}

/// Every request the site received, with when it arrived.
actor RequestLog {
    struct Entry: Sendable {
        let path: String
        let userAgent: String?
        let time: ContinuousClock.Instant
    }

    private(set) var entries: [Entry] = []

    func record(_ entry: Entry) { entries.append(entry) }

    func count(_ path: String) -> Int { entries.filter { $0.path == path }.count }
    func count(prefix: String) -> Int { entries.filter { $0.path.hasPrefix(prefix) }.count }
}

/// A real HTTP server on 127.0.0.1 (a free port) for the crawler tests: `respond` answers each
/// request by path (with query); the log records them all.
enum TestSite {
    static func run(
        _ respond: @escaping @Sendable (_ path: String, _ attempt: Int) async -> SiteReply,
        _ body: (_ base: URL, _ log: RequestLog) async throws -> Void
    ) async throws {
        let log = RequestLog()
        let router = Router()
        router.get("**") { request, _ -> Response in
            let path = request.uri.path + (request.uri.query.map { "?\($0)" } ?? "")
            await log.record(.init(path: path, userAgent: request.headers[.userAgent], time: .now))
            let reply = await respond(path, await log.count(path))
            if reply.delay > .zero { try await Task.sleep(for: reply.delay) }
            return response(for: reply)
        }
        let (ports, portFound) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test-site")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portFound.yield(channel.localAddress?.port ?? 0)
                portFound.finish()
            },
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var found = ports.makeAsyncIterator()
            guard let port = await found.next(), port > 0, let base = URL(string: "http://127.0.0.1:\(port)") else {
                throw TestFailure("the test site did not start")
            }
            try await body(base, log)
            group.cancelAll()
        }
    }

    private static func response(for reply: SiteReply) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = reply.contentType
        headers[.location] = reply.location
        headers[.retryAfter] = reply.retryAfter
        let status = HTTPResponse.Status(code: reply.status)
        guard let total = reply.streamedBytes else {
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: reply.body)))
        }
        let body = ResponseBody { writer in
            let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
            var sent = 0
            while sent < total {
                try await writer.write(chunk)
                sent += chunk.readableBytes
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
