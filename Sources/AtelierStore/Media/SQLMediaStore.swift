import AtelierCore
import Foundation
import SQLKit

public struct SQLMediaStore: MediaStore {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    public func insert(_ asset: MediaAsset) async throws -> Bool {
        try await database.transaction { db in
            let inserted = try await db.raw("""
                INSERT INTO media (id, owner_id, sha256, created_at)
                VALUES (\(bind: asset.id), \(bind: asset.ownerID), \(bind: asset.sha256), \(bind: asset.createdAt.millis))
                ON CONFLICT (owner_id, sha256) DO NOTHING RETURNING id
                """).first() != nil
            guard inserted else { return false }
            for variant in asset.variants {
                try await db.raw("""
                    INSERT INTO media_variants (media_id, kind, blob_key, format, width, height, bytes)
                    VALUES (\(bind: asset.id), \(bind: variant.kind.rawValue), \(bind: variant.blobKey), \(bind: variant.format.rawValue),
                            \(bind: variant.width), \(bind: variant.height), \(bind: variant.bytes))
                    """).run()
            }
            return true
        }
    }

    public func asset(id: String, ownerID: String?) async throws -> MediaAsset? {
        let owner: SQLQueryString = ownerID.map { "AND m.owner_id = \(bind: $0)" } ?? ""
        return try await select("WHERE m.id = \(bind: id) \(owner)").first
    }

    public func asset(ownerID: String, sha256: String) async throws -> MediaAsset? {
        try await select("WHERE m.owner_id = \(bind: ownerID) AND m.sha256 = \(bind: sha256)").first
    }

    public func list(ownerID: String, afterID: String?, limit: Int) async throws -> [MediaAsset] {
        // Ids are time-ordered, so "after the cursor, newest first" is `id < cursor ORDER BY id DESC`.
        let cursor: SQLQueryString = afterID.map { "AND m.id < \(bind: $0)" } ?? ""
        return try await select("WHERE m.owner_id = \(bind: ownerID) \(cursor) ORDER BY m.id DESC LIMIT \(bind: limit)")
    }

    public func assets(ownerID: String) async throws -> [MediaAsset] {
        try await select("WHERE m.owner_id = \(bind: ownerID)")
    }

    public func delete(id: String) async throws {
        try await database.transaction { db in
            try await db.raw("DELETE FROM media WHERE id = \(bind: id)").run()
        }
    }

    public func references(blobKey: String) async throws -> Int {
        try await database.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM media_variants WHERE blob_key = \(bind: blobKey)").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// Assets matching `filter` (a WHERE/ORDER/LIMIT tail over `media m`), with their variants.
    private func select(_ filter: SQLQueryString) async throws -> [MediaAsset] {
        try await database.read { db in
            let rows = try await db.raw("SELECT m.id, m.owner_id, m.sha256, m.created_at FROM media m \(filter)").all()
            guard !rows.isEmpty else { return [] }
            let ids = try rows.map { try $0.decode(column: "id", as: String.self) }
            let variantRows = try await db.raw("""
                SELECT * FROM media_variants WHERE media_id IN (\(ids.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")))
                """).all()
            var variants: [String: [MediaVariant]] = [:]
            for row in variantRows {
                guard let kind = VariantKind(rawValue: try row.decode(column: "kind", as: String.self)),
                      let format = ImageFormat(rawValue: try row.decode(column: "format", as: String.self)) else { continue }
                variants[try row.decode(column: "media_id", as: String.self), default: []].append(MediaVariant(
                    kind: kind, blobKey: try row.decode(column: "blob_key", as: String.self), format: format,
                    width: try row.decode(column: "width", as: Int.self), height: try row.decode(column: "height", as: Int.self),
                    bytes: try row.decode(column: "bytes", as: Int.self)))
            }
            return try rows.map { row in
                let id = try row.decode(column: "id", as: String.self)
                return MediaAsset(
                    id: id, ownerID: try row.decode(column: "owner_id", as: String.self),
                    sha256: try row.decode(column: "sha256", as: String.self),
                    createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
                    variants: (variants[id] ?? []).sorted { $0.kind.order < $1.kind.order })
            }
        }
    }
}

private extension VariantKind {
    var order: Int { VariantKind.allCases.firstIndex(of: self)! }
}
