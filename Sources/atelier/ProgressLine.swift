import Foundation

/// One status line on stderr, redrawn in place on a terminal (a plain line every few seconds
/// otherwise, so logs stay readable): a bar when the total is known, and the counts.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let interactive = isatty(STDERR_FILENO) != 0
    private var lastDraw = Date.distantPast

    func update(done: Int, total: Int?, _ counts: String) {
        lock.withLock {
            let now = Date()
            guard now.timeIntervalSince(lastDraw) >= (interactive ? 0.1 : 5) else { return }
            lastDraw = now
            write(line(done: done, total: total, counts), final: false)
        }
    }

    func finish(done: Int, total: Int?, _ counts: String) {
        lock.withLock { write(line(done: done, total: total, counts), final: true) }
    }

    private func line(done: Int, total: Int?, _ counts: String) -> String {
        guard let total, total > 0 else { return "\(done) · \(counts)" }
        let width = 30
        let filled = min(width, width * done / total)
        return "[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total) · \(counts)"
    }

    private func write(_ text: String, final: Bool) {
        let output = interactive ? "\r\u{1B}[2K\(text)\(final ? "\n" : "")" : "\(text)\n"
        FileHandle.standardError.write(Data(output.utf8))
    }
}
