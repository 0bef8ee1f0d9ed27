import AtelierCore
import Foundation

/// The built `atelier` binary on a free port with its own data folder.
struct RunningAtelier {
    let process: Process
    let port: Int
    let folder: URL
    let database: TestDatabase

    /// The test runner lives in the build folder that also holds `atelier` (or ATELIER_BINARY).
    static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["ATELIER_BINARY"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("atelier")
    }

    /// `database`: one a process before it used (a restart); else a new one. `command`: `serve`
    /// (with options, say `--no-workers`), or `worker`, which has no port and is not waited for.
    static func start(folder: URL = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-proc-\(UUID().uuidString)"),
                      database: TestDatabase? = nil, command: [String] = ["serve"],
                      environment extra: [String: String] = [:]) async throws -> RunningAtelier {
        let database = if let database { database } else { try await TestDatabase.create(in: folder) }
        let serves = command.first == "serve"
        // The server picks its own port and says which: a port chosen here and handed over could
        // be taken by another test's server first, and this test would then talk to that one.
        let portFile = folder.appendingPathComponent("port")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: portFile)  // a restart's predecessor wrote one
        let process = Process()
        process.executableURL = executable
        process.arguments = command + (serves ? ["--port", "0", "--port-file", portFile.path] : []) + ["--data-dir", folder.path]
        var environment = ProcessInfo.processInfo.environment
        environment["ATELIER_BCRYPT_COST"] = "4"
        environment["ATELIER_LOG_LEVEL"] = "warning"
        environment["ATELIER_DATABASE_URL"] = database.postgresURL
        environment["ATELIER_DATABASE_POOL_SIZE"] = String(TestDatabase.poolSize)
        environment["ATELIER_BLOB_URL"] = TestBlobs.url(for: folder)
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        guard serves else { return RunningAtelier(process: process, port: 0, folder: folder, database: database) }
        // Generous: in a full parallel run dozens of servers start at once on two cores.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && process.isRunning {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)),
               let connection = try? RawHTTPConnection(port: port) {
                try? connection.send(Data("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
                let server = RunningAtelier(process: process, port: port, folder: folder, database: database)
                if (try? connection.readResponse())?.hasPrefix("HTTP/1.1 200") == true { return server }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        await RunningAtelier(process: process, port: 0, folder: folder, database: database).stop()
        throw TestFailure("atelier did not start (\(process.isRunning ? "no answer in 120 s" : "it exited"))")
    }

    /// Starts a server, runs `body` with it, then stops it and deletes its data, also on failure.
    static func with(environment: [String: String] = [:], _ body: (RunningAtelier) async throws -> Void) async throws {
        let server = try await start(environment: environment)
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// Registers a user and returns their access token.
    func register() async throws -> String {
        let body = #"{"email":"shutdown@example.com","password":"long enough"}"#
        let connection = try RawHTTPConnection(port: port)
        try connection.send(Data("POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8))
        let response = try connection.readResponse()
        guard let match = response.firstMatch(of: /"access_token":"([^"]+)"/) else { throw TestFailure("no token in \(response)") }
        return String(match.1)
    }

    /// The process's high-water resident memory (VmHWM), from /proc.
    func peakResidentMegabytes() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kilobytes / 1024
    }

    /// One request on its own connection: status and body.
    func call(_ method: String, _ path: String, token: String? = nil, json: String? = nil, headers: [String: String] = [:]) throws -> (status: Int, body: String) {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let body = json ?? ""
        if json != nil { head += "Content-Type: application/json\r\n" }
        head += "Content-Length: \(body.utf8.count)\r\n\r\n"
        let connection = try RawHTTPConnection(port: port)
        try connection.send(Data((head + body).utf8))
        let response = try connection.readResponse()
        let status = Int(response.split(separator: " ").dropFirst().first ?? "") ?? 0
        let payload = response.range(of: "\r\n\r\n").map { String(response[$0.upperBound...]) } ?? ""
        return (status, payload)
    }

    /// Kills the process at once, like a crash: no shutdown of any kind.
    func crash() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// `keepData`: the folder and the database stay, for a restart or a look inside.
    func stop(keepData: Bool = false) async {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        if !keepData {
            try? FileManager.default.removeItem(at: folder)
            await database.drop()
        }
    }
}

/// A plain TCP connection, to hold a request half-sent.
final class RawHTTPConnection {
    let socket: Int32

    init(port: Int) throws {
        socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // No close here: deinit runs for a class whose init throws once it is fully set up, and
        // a second close could shut a descriptor another test (or SQLite) has opened since.
        guard connected == 0 else { throw TestFailure("connect failed") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sendTimeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(socket) }

    func send(_ data: Data) throws {
        var sent = 0
        try data.withUnsafeBytes { buffer in
            while sent < buffer.count {
                let result = Foundation.send(socket, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
                guard result > 0 else { throw TestFailure("send failed") }
                sent += result
            }
        }
    }

    /// Reads until the peer closes or a complete response with Content-Length has arrived.
    func readResponse() throws -> String {
        var received = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(socket, &chunk, chunk.count, 0)
            if count <= 0 { break }
            received.append(contentsOf: chunk[0..<count])
            let text = String(decoding: received, as: UTF8.self)
            if let headerEnd = text.range(of: "\r\n\r\n"),
               let match = text[..<headerEnd.lowerBound].firstMatch(of: /(?i)content-length: *(\d+)/),
               let length = Int(match.1),
               received.count >= text.utf8.distance(from: text.startIndex, to: headerEnd.upperBound) + length {
                break
            }
        }
        return String(decoding: received, as: UTF8.self)
    }
}
