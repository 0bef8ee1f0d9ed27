import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The ways of hearing about job progress, in the order clients should prefer them.
public enum UpdateTransport: String, Sendable, CaseIterable {
    case webSocket, serverSentEvents, longPoll, polling
}

/// Opens the event streams, each as a stream of (event id, event).
enum EventSources {
    typealias Stream = AsyncThrowingStream<(String?, JobEvent), any Error>

    /// `GET path` with `Accept: text/event-stream`, resuming after `lastEventID`.
    static func serverSentEvents(core: HTTPCore, path: String, lastEventID: String?) async throws -> Stream {
        guard let tokens = await core.store.load() else { throw AtelierError.notSignedIn }
        var request = APIRequest("GET", path)
        request.headers["Accept"] = "text/event-stream"
        if let lastEventID { request.headers["Last-Event-ID"] = lastEventID }
        request.timeout = 3600  // the stream may be quiet for long stretches
        let urlRequest = request.urlRequest(base: core.baseURL, token: tokens.accessToken)
        let events = Streaming.events(urlRequest, body: nil, configuration: core.session.configuration)
        return Stream { continuation in
            let task = Task {
                var parser = SSEParser()
                var head: RawResponse?
                var errorBody = Data()
                do {
                    for try await event in events {
                        switch event {
                        case .response(let response): head = response
                        case .sent: break
                        case .chunk(let data):
                            guard let head, head.status == 200 else { errorBody.append(data); continue }
                            for message in parser.feed(data) where message.event == "job" || message.event == nil {
                                guard let job = try? Coding.decoder().decode(JobEvent.self, from: Data(message.data.utf8))
                                else { continue }
                                continuation.yield((message.id, job))
                            }
                        }
                    }
                    if let head, head.status != 200 {
                        if head.status == 401 { _ = try? await core.refresher.refresh(after: tokens.accessToken) }
                        throw AtelierError.from(status: head.status, body: errorBody, headers: head.headers)
                    }
                    continuation.finish()
                } catch let error as URLError {
                    continuation.finish(throwing: AtelierError.transport(underlying: error.localizedDescription,
                                                                        urlErrorCode: error.code.rawValue))
                } catch { continuation.finish(throwing: error) }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A WebSocket on `path` (the bearer token in the upgrade request); each text message is an event.
    static func webSocket(core: HTTPCore, path: String) async throws -> Stream {
        guard let tokens = await core.store.load() else { throw AtelierError.notSignedIn }
        var components = URLComponents(url: APIRequest("GET", path).url(base: core.baseURL), resolvingAgainstBaseURL: false)
        let secure = components?.scheme == "https"
        components?.scheme = secure ? "wss" : "ws"
        guard let url = components?.url else { throw AtelierError.transport(underlying: "bad URL", urlErrorCode: nil) }
        var request = URLRequest(url: url)
        request.setValue("Bearer \(tokens.accessToken)", forHTTPHeaderField: "Authorization")
        let session = URLSession(configuration: core.session.configuration)
        let socket = UncheckedBox(session.webSocketTask(with: request))
        socket.value.resume()
        return Stream { continuation in
            let task = Task {
                do {
                    while !Task.isCancelled {
                        let message = try await socket.value.receive()
                        let data: Data
                        switch message {
                        case .string(let text): data = Data(text.utf8)
                        case .data(let bytes): data = bytes
                        @unknown default: continue
                        }
                        if let event = try? Coding.decoder().decode(JobEvent.self, from: data) {
                            continuation.yield((event.sequence.map(String.init), event))
                        }
                    }
                    continuation.finish()
                } catch {
                    // A close after the terminal event ends the stream; the caller judges completeness.
                    continuation.finish(throwing: AtelierError.transport(underlying: "\(error)", urlErrorCode: nil))
                }
            }
            continuation.onTermination = { _ in
                task.cancel()
                socket.value.cancel(with: .goingAway, reason: nil)
                session.invalidateAndCancel()
            }
        }
    }
}

/// Splits a Server-Sent Events byte stream into messages.
struct SSEParser {
    struct Message: Sendable { var id: String?; var event: String?; var data: String }
    private var buffer = Data()
    private var current = Message(data: "")
    private var hasData = false

    mutating func feed(_ chunk: Data) -> [Message] {
        buffer.append(chunk)
        var messages: [Message] = []
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            var line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
            buffer.removeSubrange(buffer.startIndex...newline)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty {
                if hasData { messages.append(current) }
                current = Message(data: "")
                hasData = false
                continue
            }
            if line.hasPrefix(":") { continue }  // a keep-alive comment
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let field = String(parts[0])
            var value = parts.count > 1 ? String(parts[1]) : ""
            if value.hasPrefix(" ") { value.removeFirst() }
            switch field {
            case "id": current.id = value
            case "event": current.event = value
            case "data":
                current.data += hasData ? "\n" + value : value
                hasData = true
            default: break
            }
        }
        return messages
    }
}
