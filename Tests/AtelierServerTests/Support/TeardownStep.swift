import Foundation

/// A test server's teardown step, given up on after a minute with a loud line on stderr. A
/// teardown that never returned was seen twice in full runs (cause not found; the process sat
/// idle): one stuck step must not hold the whole suite, and the line names the step.
enum TeardownStep {
    static func await(_ name: String, within limit: Duration = .seconds(60), _ step: @escaping @Sendable () async -> Void) async {
        let finished = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let once = ResumeOnce(continuation)
            let timer = Task { try? await Task.sleep(for: limit); once.resume(false) }
            Task {
                await step()
                once.resume(true)
                timer.cancel()
            }
        }
        if !finished {
            FileHandle.standardError.write(Data("TestServer: \(name) did not finish within \(limit); going on without it\n".utf8))
        }
    }
}

/// Resumes a continuation with the first of several answers.
private final class ResumeOnce: @unchecked Sendable {  // `continuation` is guarded by `lock`
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Bool, Never>?

    init(_ continuation: CheckedContinuation<Bool, Never>) {
        self.continuation = continuation
    }

    func resume(_ value: Bool) {
        lock.withLock {
            defer { continuation = nil }
            return continuation
        }?.resume(returning: value)
    }
}
