import AtelierCore
import Foundation
import Testing

/// Runs the real `atelier` executable, as an operator would, and watches the process itself.
@Suite("Running server process")
struct RunningServerTests {
    @Test("SIGTERM lets an in-flight upload finish, then the process exits 0")
    func inFlightUploadFinishes() async throws {
        try await RunningAtelier.with { server in
            let account = try await server.register()

            let image = try TestImages.make(.jpeg, width: 1600, height: 1200)
            let upload = try RawHTTPConnection(port: server.port)
            let head = "POST /api/v1/media HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(account)\r\nContent-Type: image/jpeg\r\nContent-Length: \(image.count)\r\n\r\n"
            try upload.send(Data(head.utf8) + image.prefix(1000))
            try await Task.sleep(for: .milliseconds(300))

            kill(server.process.processIdentifier, SIGTERM)
            try await Task.sleep(for: .milliseconds(300))
            #expect(server.process.isRunning, "the server must wait for the upload in flight")

            try upload.send(image.dropFirst(1000))
            let response = try upload.readResponse()
            #expect(response.hasPrefix("HTTP/1.1 201"), "\(response.prefix(200))")

            let deadline = Date().addingTimeInterval(20)
            while server.process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(!server.process.isRunning)
            #expect(server.process.terminationStatus == 0)
        }
    }

    @Test("a request line the server cannot parse gets 400 BAD_REQUEST; a connection that never sends one does not hold up SIGTERM")
    func firstRequestGuarded() async throws {
        try await RunningAtelier.with { server in
            // Browsers open such sockets ahead of need; before, graceful shutdown waited for them forever.
            let idle = try RawHTTPConnection(port: server.port)
            for target in ["/he alth", "/health?brand=chlo\u{E9}"] {
                let connection = try RawHTTPConnection(port: server.port)
                try connection.send(Data("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
                let response = try connection.readResponse()
                #expect(response.hasPrefix("HTTP/1.1 400") && response.contains(#""code":"BAD_REQUEST""#), "\(target): \(response.prefix(200))")
            }
            // Other connections are served as before.
            #expect(try server.call("GET", "/health").status == 200)

            kill(server.process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(20)
            while server.process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(!server.process.isRunning, "SIGTERM waited for a connection that sent nothing")
            #expect(server.process.terminationStatus == 0)
            _ = idle
        }
    }

    @Test("a 30000×30000 PNG bomb of a few KB is refused from its header; the server's memory stays under 200 MB")
    func decompressionBomb() async throws {
        try await RunningAtelier.with { server in
            let token = try await server.register()
            let bomb = TestImages.pngBomb()
            #expect(bomb.count < 20_000)
            let connection = try RawHTTPConnection(port: server.port)
            let head = "POST /api/v1/media HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nContent-Length: \(bomb.count)\r\nConnection: close\r\n\r\n"
            try connection.send(Data(head.utf8) + bomb)
            let response = try connection.readResponse()
            #expect(response.hasPrefix("HTTP/1.1 422"))
            #expect(response.contains(#""code":"IMAGE_TOO_LARGE""#))
            let peak = try #require(server.peakResidentMegabytes())
            #expect(peak < 200, "peak resident memory \(peak) MB")
        }
    }

    @Test("an upload without Content-Length is cut off at the limit while it streams")
    func streamingLimit() async throws {
        try await RunningAtelier.with(environment: ["ATELIER_MAX_UPLOAD_BYTES": "1000000"]) { server in
            let token = try await server.register()
            let connection = try RawHTTPConnection(port: server.port)
            try connection.send(Data("POST /api/v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
            // Up to 20 MB in 64 KB chunks; the server answers (and may close) long before the end.
            let chunk = Data("10000\r\n".utf8) + Data(repeating: 0xAB, count: 0x10000) + Data("\r\n".utf8)
            for _ in 0..<320 {
                guard (try? connection.send(chunk)) != nil else { break }
            }
            let response = try connection.readResponse()
            #expect(response.hasPrefix("HTTP/1.1 413"), "\(response.prefix(120))")
            #expect(response.contains(#""code":"PAYLOAD_TOO_LARGE""#))
        }
    }
}
