import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import Testing

@Suite("Job progress streams")
struct JobEventTests {
    /// Parses an SSE body into (id, data) pairs.
    static func events(_ body: Data) -> [(id: Int64?, data: [String: Any])] {
        String(decoding: body, as: UTF8.self).components(separatedBy: "\n\n").compactMap { block in
            var id: Int64?
            var data: [String: Any]?
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { id = Int64(line.dropFirst(4)) }
                if line.hasPrefix("data: ") {
                    data = (try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8))) as? [String: Any]
                }
            }
            return data.map { (id, $0) }
        }
    }

    @Test("SSE streams a job to its end, resumes after Last-Event-ID, and long-poll sees the same end")
    func sseAndLongPoll() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let created = try await api.createJob(["processor": "dev.sleep", "params": ["ms": 600]], token: account.accessToken)
            let id = try #require(created.data["id"] as? String)

            let stream = try await api.request(.get, "/api/v1/jobs/\(id)/events", token: account.accessToken, headers: ["Accept": "text/event-stream"])
            #expect(stream.status == 200)
            #expect(stream.header("Content-Type") == "text/event-stream")
            let events = Self.events(stream.body)
            let progress = events.compactMap { $0.data["progress"] as? Double }
            #expect(progress == progress.sorted(), "progress never goes back")
            #expect(events.last?.data["state"] as? String == "succeeded")
            #expect(events.allSatisfy { $0.data["job_id"] as? String == id })
            #expect(events.count >= 3)

            // Resume from the middle: exactly the events after it, in the same order.
            let numbered = events.filter { $0.id != nil }
            let middle = numbered[numbered.count / 2]
            let resumed = try await api.request(.get, "/api/v1/jobs/\(id)/events", token: account.accessToken,
                                                headers: ["Accept": "text/event-stream", "Last-Event-ID": String(middle.id!)])
            let rest = Self.events(resumed.body)
            #expect(rest.map(\.id) == numbered.drop { $0.id! <= middle.id! }.map(\.id))

            let polled = try await api.waitForJob(id, token: account.accessToken)
            #expect(polled["state"] as? String == events.last?.data["state"] as? String)
            #expect(polled["progress"] as? Double == events.last?.data["progress"] as? Double)

            // A client reconnecting after the end (as EventSource does) gets the end again, and the stream closes.
            let after = try await api.request(.get, "/api/v1/jobs/\(id)/events", token: account.accessToken,
                                              headers: ["Accept": "text/event-stream", "Last-Event-ID": String(numbered.last!.id!)])
            #expect(Self.events(after.body).last?.data["state"] as? String == "succeeded")

            let notSSE = try await api.request(.get, "/api/v1/jobs/\(id)/events", token: account.accessToken)
            #expect(notSSE.status == 406)
        }
    }

    @Test("long-poll answers as soon as the job changes from the ETag the client has")
    func longPoll() async throws {
        try await TestServer.run({ $0.standardWorkers = 0 }) { api in
            let account = try await api.register()
            let created = try await api.createJob(["processor": "dev.sleep"], token: account.accessToken)
            let id = try #require(created.data["id"] as? String)
            let current = try await api.request(.get, "/api/v1/jobs/\(id)", token: account.accessToken)
            let etag = try #require(current.header("ETag"))
            async let waited = api.request(.get, "/api/v1/jobs/\(id)?wait=20", token: account.accessToken, headers: ["If-None-Match": etag])
            try await Task.sleep(for: .milliseconds(300))
            let started = Date()
            _ = try await api.request(.post, "/api/v1/jobs/\(id)/cancel", token: account.accessToken)
            let answer = try await waited
            #expect(answer.status == 200)
            #expect(answer.data["state"] as? String == "canceled")
            #expect(Date().timeIntervalSince(started) < 15, "answered by the change, not the timeout")
        }
    }
}

/// The WebSocket side of the progress streams.
@Suite("Job progress over WebSocket")
struct JobSocketTests {
    actor Messages {
        var all: [[String: Any]] = []
        var connected = false
        func connect() { connected = true }
        func add(_ text: String) {
            if let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] { all.append(object) }
        }
        var count: Int { all.count }
        func sequences() -> [Int64] { all.compactMap { ($0["sequence"] as? NSNumber)?.int64Value } }
        /// A text field of the last message.
        func last(_ key: String) -> String? { all.last?[key] as? String }
    }

    static func listen(_ url: String, headers: HTTPFields = [:], into messages: Messages) async throws {
        let configuration = WebSocketClientConfiguration(additionalHeaders: headers)
        _ = try await WebSocketClient.connect(url: url, configuration: configuration, logger: Logger(label: "ws-test")) { inbound, _, _ in
            await messages.connect()
            for try await message in inbound.messages(maxSize: 1 << 20) {
                if case .text(let text) = message { await messages.add(text) }
            }
        }
    }

    @Test("WebSocket and SSE deliver the same events for a job, to its end")
    func sameSequence() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let created = try await api.createJob(["processor": "dev.sleep", "params": ["ms": 1000]], token: account.accessToken)
            let id = try #require(created.data["id"] as? String)
            let socket = Messages()
            async let listening: Void = Self.listen("ws://127.0.0.1:\(api.port)/api/v1/jobs/\(id)/events",
                                                    headers: [.authorization: "Bearer \(account.accessToken)"], into: socket)
            let stream = try await api.request(.get, "/api/v1/jobs/\(id)/events", token: account.accessToken, headers: ["Accept": "text/event-stream"])
            try await listening
            let sse = JobEventTests.events(stream.body).compactMap(\.id)
            let ws = await socket.sequences()
            let start = max(sse.first ?? 0, ws.first ?? 0)
            #expect(!ws.isEmpty)
            #expect(ws.filter { $0 >= start } == sse.filter { $0 >= start })
            #expect(await socket.last("state") == "succeeded")
        }
    }

    @Test("a single-use ticket opens the all-jobs socket once; strangers and reused tickets are refused")
    func tickets() async throws {
        try await TestServer.run({ $0.standardWorkers = 0 }) { api in
            let account = try await api.register()
            let ticket = try #require(try await api.request(.post, "/api/v1/events/tickets", token: account.accessToken).data["ticket"] as? String)
            let messages = Messages()
            let listener = Task { try await Self.listen("ws://127.0.0.1:\(api.port)/api/v1/events?ticket=\(ticket)", into: messages) }
            for _ in 0..<100 where await !messages.connected { try await Task.sleep(for: .milliseconds(50)) }
            // The server subscribes a moment after the upgrade: a job created in between is not
            // on this socket, so create another until one arrives.
            var ids: [String] = []
            for _ in 0..<5 where await messages.count == 0 {
                let created = try await api.createJob(["processor": "dev.sleep"], token: account.accessToken)
                ids.append(try #require(created.data["id"] as? String))
                for _ in 0..<20 where await messages.count == 0 { try await Task.sleep(for: .milliseconds(100)) }
            }
            listener.cancel()
            #expect(ids.contains(await messages.last("job_id") ?? "none"))
            #expect(await messages.last("state") == "queued")

            await #expect(throws: (any Error).self) {
                try await Self.listen("ws://127.0.0.1:\(api.port)/api/v1/events?ticket=\(ticket)", into: Messages())
            }
            let stranger = try await api.register()
            await #expect(throws: (any Error).self) {
                try await Self.listen("ws://127.0.0.1:\(api.port)/api/v1/jobs/\(ids[0])/events",
                                      headers: [.authorization: "Bearer \(stranger.accessToken)"], into: Messages())
            }
        }
    }
}
