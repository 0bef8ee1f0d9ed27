import Foundation
import Logging

/// Work run once per period across every process sharing the database: each process tries to
/// claim the period's occurrence, and only the one that gets it runs the work.
public struct RecurringWork: Sendable {
    let store: any JobStore
    let logger: Logger

    public init(store: any JobStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Runs `body` in each period this process claims, until the calling task is canceled.
    public func run(_ name: String, every period: Duration, _ body: @Sendable () async throws -> Void) async {
        while !Task.isCancelled {
            let occurrence = Int64(Date().timeIntervalSince1970 / period.seconds)
            do {
                if try await store.claimOccurrence(name: name, occurrence: occurrence) { try await body() }
            } catch is CancellationError {
                return
            } catch {
                logger.error("recurring job failed", metadata: ["name": .string(name), "error": "\(error)"])
            }
            let next = Double(occurrence + 1) * period.seconds - Date().timeIntervalSince1970
            try? await Task.sleep(for: .milliseconds(Int(max(1, next) * 1000)))
        }
    }
}
