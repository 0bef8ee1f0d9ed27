import AtelierCore
import Foundation
import SQLKit

/// Registered ingestion sources on SQL; a source's pages or feed are stored as a JSON array.
public struct SQLIngestionSourceStore: IngestionSourceStore {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    public func add(_ source: IngestionSource) async throws {
        let locations = String(decoding: try JSONEncoder().encode(source.locations), as: UTF8.self)
        let inserted = try await database.transaction { db in
            try await db.raw("""
                INSERT INTO ingestion_sources (id, name, kind, locations, full_feed, every_minutes, created_at)
                VALUES (\(bind: source.id), \(bind: source.name), \(bind: source.kind.rawValue), \(bind: locations),
                        \(bind: source.full ? 1 : 0), \(bind: source.everyMinutes), \(bind: source.createdAt.millis))
                ON CONFLICT (name) DO NOTHING RETURNING id
                """).first() != nil
        }
        if !inserted { throw IngestionSourceError.nameTaken }
    }

    public func sources() async throws -> [IngestionSource] {
        try await database.read { db in
            try await db.raw("SELECT * FROM ingestion_sources ORDER BY id").all().map(Self.source)
        }
    }

    public func source(id: String) async throws -> IngestionSource? {
        try await database.read { db in
            try await db.raw("SELECT * FROM ingestion_sources WHERE id = \(bind: id)").first().map(Self.source)
        }
    }

    public func remove(id: String) async throws -> Bool {
        try await database.transaction { db in
            try await db.raw("DELETE FROM ingestion_sources WHERE id = \(bind: id) RETURNING id").first() != nil
        }
    }

    static func source(_ row: any SQLRow) throws -> IngestionSource {
        IngestionSource(
            id: try row.decode(column: "id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            kind: IngestionSource.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .feed,
            locations: (try? JSONDecoder().decode([String].self, from: Data(try row.decode(column: "locations", as: String.self).utf8))) ?? [],
            full: try row.decode(column: "full_feed", as: Int.self) != 0,
            everyMinutes: try row.decode(column: "every_minutes", as: Int.self),
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)))
    }
}
