import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import AtelierKit

/// A real Atelier server on a free port in a fresh data folder, stopped when the test ends.
final class TestServer: Sendable {
    let port: Int
    let baseURL: URL
    let dataDir: URL
    private let process: UncheckedBox<Process>

    /// The binary: `ATELIER_BINARY`, or the `atelier` built beside the test runner.
    static var binary: String {
        ProcessInfo.processInfo.environment["ATELIER_BINARY"]
            ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("atelier").path
    }

    init(environment extra: [String: String] = [:]) async throws {
        dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("atelierkit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
        // The server picks its own port and says which: a port chosen here and handed over could
        // be taken by another test's server first, and this test would then talk to that one.
        let portFile = dataDir.appendingPathComponent("port")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--port", "0", "--port-file", portFile.path, "--data-dir", dataDir.path]
        var environment = ProcessInfo.processInfo.environment
        // Blobs in the data folder: the server's own suites cover S3 (scripts/test exports its URL).
        environment["ATELIER_BLOB_URL"] = nil
        environment.merge([
            "ATELIER_BCRYPT_COST": "4", "ATELIER_DEV_PROCESSORS": "1", "ATELIER_LOG_LEVEL": "warning",
            "ATELIER_JOBS_PER_MINUTE": "10000", "ATELIER_REQUESTS_PER_MINUTE": "100000",
        ]) { _, new in new }
        environment.merge(extra) { _, new in new }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = UncheckedBox(process)
        do {
            port = try await Self.listeningPort(process, portFile: portFile)
        } catch {
            await Self.stop(process, dataDir: dataDir)
            throw error
        }
        baseURL = URL(string: "http://127.0.0.1:\(port)")!
    }

    /// The port from the server's port file, once it answers /health there.
    private static func listeningPort(_ process: Process, portFile: URL) async throws -> Int {
        // Up to 2 minutes: in a full parallel run dozens of servers start at once on two cores.
        for _ in 0..<1200 where process.isRunning {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)),
               let (_, response) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!),
               (response as? HTTPURLResponse)?.statusCode == 200 {
                return port
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw AtelierError.transport(underlying: "server did not start", urlErrorCode: nil)
    }

    /// Never blocks a thread: with the test runner's few threads shared by every test, a
    /// blocking wait (and `Process.waitUntilExit`, which spins a run loop on Linux) stalled the
    /// whole suite.
    func stop() async {
        await Self.stop(process.value, dataDir: dataDir)
    }

    private static func stop(_ process: Process, dataDir: URL) async {
        if process.isRunning {
            process.terminate()
            // The server drains open event streams for up to 30 s on shutdown; do not wait for that.
            for _ in 0..<30 where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            for _ in 0..<50 where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        }
        try? FileManager.default.removeItem(at: dataDir)
    }

    /// A client for this server, signed up as a new user when `signUp` is set.
    func client(store: any TokenStore = MemoryTokenStore(), signUp: Bool = true,
                retry: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: 0.05, maxDelay: 2)) async throws -> AtelierClient {
        try await client(baseURL: baseURL, store: store, signUp: signUp, retry: retry)
    }

    func client(baseURL: URL, store: any TokenStore = MemoryTokenStore(), signUp: Bool = true,
                retry: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: 0.05, maxDelay: 2)) async throws -> AtelierClient {
        let client = AtelierClient(baseURL: baseURL, tokenStore: store, retryPolicy: retry)
        if signUp { try await client.auth.register(email: "u\(UUID().uuidString.prefix(8))@example.com", password: "password123") }
        return client
    }
}

/// Runs `body` against a fresh server and always stops it.
func withServer<T>(environment: [String: String] = [:], _ body: (TestServer) async throws -> T) async throws -> T {
    let server = try await TestServer(environment: environment)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A 1×1 PNG.
let tinyPNG = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==") ?? Data()

/// A PNG of `side`×`side` pixels that differs by `seed` (stored deflate blocks, no compression).
func makePNG(side: Int = 64, seed: UInt8 = 1) -> Data {
    var raw = Data()
    for y in 0..<side {
        raw.append(0)
        for x in 0..<side { raw.append(contentsOf: [UInt8(truncatingIfNeeded: x &* 4) &+ seed, UInt8(truncatingIfNeeded: y &* 4), seed]) }
    }
    var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    func chunk(_ type: String, _ body: Data) {
        png.append(contentsOf: withUnsafeBytes(of: UInt32(body.count).bigEndian, Array.init))
        let typed = Data(type.utf8) + body
        png.append(typed)
        png.append(contentsOf: withUnsafeBytes(of: crc32(typed).bigEndian, Array.init))
    }
    var header = Data()
    header.append(contentsOf: withUnsafeBytes(of: UInt32(side).bigEndian, Array.init))
    header.append(contentsOf: withUnsafeBytes(of: UInt32(side).bigEndian, Array.init))
    header.append(contentsOf: [8, 2, 0, 0, 0])
    chunk("IHDR", header)
    var zlib = Data([0x78, 0x01])
    var offset = 0
    while offset < raw.count {
        let size = min(65535, raw.count - offset)
        let last: UInt8 = offset + size >= raw.count ? 1 : 0
        zlib.append(last)
        zlib.append(contentsOf: [UInt8(size & 0xFF), UInt8(size >> 8), UInt8(~size & 0xFF), UInt8((~size >> 8) & 0xFF)])
        zlib.append(raw[offset..<offset + size])
        offset += size
    }
    zlib.append(contentsOf: withUnsafeBytes(of: adler32(raw).bigEndian, Array.init))
    chunk("IDAT", zlib)
    chunk("IEND", Data())
    return png
}

private func crc32(_ data: Data) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

private func adler32(_ data: Data) -> UInt32 {
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
    return (b << 16) | a
}

#if canImport(Glibc)
let streamSocketType = Int32(SOCK_STREAM.rawValue)
#else
let streamSocketType = SOCK_STREAM
#endif
