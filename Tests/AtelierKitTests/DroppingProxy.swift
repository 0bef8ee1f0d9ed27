import Foundation

/// A one-request-per-connection HTTP proxy to the test server that, the first time it sees
/// `POST /api/v1/jobs`, lets the server answer and then drops the client's connection unanswered.
final class DroppingProxy: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let upstreamPort: Int
    private let lock = NSLock()
    private var droppedOnce = false
    private var jobPosts = 0

    /// How many `POST /api/v1/jobs` reached the server through the proxy.
    var jobPostsForwarded: Int { lock.withLock { jobPosts } }

    init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let fd = socket(AF_INET, streamSocketType, 0)
        listener = fd
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw POSIXError(.EADDRINUSE) }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            Thread.detachNewThread { [self] in handle(client) }
        }
    }

    private func handle(_ client: Int32) {
        defer { close(client) }
        guard let request = readMessage(client) else { return }
        let upstream = socket(AF_INET, streamSocketType, 0)
        defer { close(upstream) }
        var address = loopback(port: upstreamPort)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected, writeAll(upstream, request), let response = readMessage(upstream) else { return }
        let isJobPost = request.starts(with: Data("POST /api/v1/jobs ".utf8))
        let drop: Bool = lock.withLock {
            if isJobPost { jobPosts += 1 }
            guard isJobPost, !droppedOnce else { return false }
            droppedOnce = true
            return true
        }
        if drop { return }  // the server charged; the client never hears of it
        _ = writeAll(client, withConnectionClose(response))
    }
}

/// Reads one HTTP message: headers, then `Content-Length` bytes of body.
private func readMessage(_ fd: Int32) -> Data? {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    let separator = Data("\r\n\r\n".utf8)
    while true {
        if let end = data.range(of: separator) {
            let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n")
                .first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if data.count >= end.upperBound + length { return data }
        }
        let count = read(fd, &buffer, buffer.count)
        if count <= 0 { return data.isEmpty ? nil : data }
        data.append(contentsOf: buffer[0..<count])
    }
}

private func writeAll(_ fd: Int32, _ data: Data) -> Bool {
    data.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if written <= 0 { return false }
            offset += written
        }
        return true
    }
}

/// The response with `Connection: close`, since the proxy serves one request per connection.
private func withConnectionClose(_ response: Data) -> Data {
    guard let lineEnd = response.range(of: Data("\r\n".utf8)) else { return response }
    var patched = response
    patched.insert(contentsOf: Data("Connection: close\r\n".utf8), at: lineEnd.upperBound)
    return patched
}

private func loopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return address
}
