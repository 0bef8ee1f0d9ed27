import Foundation

/// One import (a feed or a crawl, from `atelier ingest` or a scheduled source's job): what it did, and the rows or pages it could not use.
public struct IngestionRun: Sendable, Equatable {
    public enum State: String, Sendable { case running, succeeded, failed }

    public let id: String
    public let kind: String
    public let source: String
    public var state: State
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    public var removed = 0
    public var failed = 0
    /// The first problems, each with its line number or url; `failed` counts them all.
    public var errors: [String] = []
    public let startedAt: Date
    public var finishedAt: Date?
    /// The `catalog.ingest` job that made the run (nil for a CLI run).
    public var jobID: String?

    public static let keptErrors = 100

    public init(id: String, kind: String, source: String, state: State, startedAt: Date) {
        self.id = id
        self.kind = kind
        self.source = source
        self.state = state
        self.startedAt = startedAt
    }

    mutating func count(_ outcome: UpsertOutcome) {
        switch outcome {
        case .created: created += 1
        case .updated: updated += 1
        case .unchanged: unchanged += 1
        }
    }

    mutating func fail(_ reason: String) {
        failed += 1
        if errors.count < Self.keptErrors { errors.append(reason) }
    }
}

public protocol IngestionRunStore: Sendable {
    func save(_ run: IngestionRun) async throws
    func runs(afterID: String?, limit: Int) async throws -> [IngestionRun]
}
