import AtelierCore
import Foundation
import SQLKit

public struct SQLIngestionRunStore: IngestionRunStore {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    public func save(_ run: IngestionRun) async throws {
        let errors = String(decoding: try JSONEncoder().encode(run.errors), as: UTF8.self)
        try await database.transaction { db in
            try await db.raw("""
                INSERT INTO ingestion_runs (id, kind, source, state, created, updated, unchanged, removed, failed, errors, started_at, finished_at, job_id)
                VALUES (\(bind: run.id), \(bind: run.kind), \(bind: run.source), \(bind: run.state.rawValue), \(bind: run.created),
                        \(bind: run.updated), \(bind: run.unchanged), \(bind: run.removed), \(bind: run.failed), \(bind: errors),
                        \(bind: run.startedAt.millis), \(bind: run.finishedAt?.millis), \(bind: run.jobID))
                ON CONFLICT (id) DO UPDATE SET state = excluded.state, created = excluded.created, updated = excluded.updated,
                    unchanged = excluded.unchanged, removed = excluded.removed, failed = excluded.failed, errors = excluded.errors,
                    finished_at = excluded.finished_at
                """).run()
        }
    }

    public func runs(afterID: String?, limit: Int) async throws -> [IngestionRun] {
        let cursor: SQLQueryString = afterID.map { "WHERE id < \(bind: $0)" } ?? ""
        return try await database.read { db in
            try await db.raw("SELECT * FROM ingestion_runs \(cursor) ORDER BY id DESC LIMIT \(bind: limit)").all().map { row in
                var run = IngestionRun(
                    id: try row.decode(column: "id", as: String.self), kind: try row.decode(column: "kind", as: String.self),
                    source: try row.decode(column: "source", as: String.self),
                    state: IngestionRun.State(rawValue: try row.decode(column: "state", as: String.self)) ?? .failed,
                    startedAt: Date(millis: try row.decode(column: "started_at", as: Int64.self)))
                run.created = try row.decode(column: "created", as: Int.self)
                run.updated = try row.decode(column: "updated", as: Int.self)
                run.unchanged = try row.decode(column: "unchanged", as: Int.self)
                run.removed = try row.decode(column: "removed", as: Int.self)
                run.failed = try row.decode(column: "failed", as: Int.self)
                run.errors = (try? JSONDecoder().decode([String].self, from: Data(try row.decode(column: "errors", as: String.self).utf8))) ?? []
                run.finishedAt = try row.decode(column: "finished_at", as: Int64?.self).map(Date.init(millis:))
                run.jobID = try row.decode(column: "job_id", as: String?.self)
                return run
            }
        }
    }
}
