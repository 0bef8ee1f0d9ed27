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

    /// Assets matching `filter` (a WHERE/ORDER/LIMIT tail over `media m`), with their variants, in
    /// one statement so that a concurrent delete can never leave an asset without its variants.
    private func select(_ filter: SQLQueryString) async throws -> [MediaAsset] {
        let rows = try await database.read { db in
            try await db.raw("""
                SELECT m.id, m.owner_id, m.sha256, m.created_at, v.kind, v.blob_key, v.format, v.width, v.height, v.bytes
                FROM media m JOIN media_variants v ON v.media_id = m.id
                WHERE m.id IN (SELECT m.id FROM media m \(filter))
                ORDER BY m.id DESC
                """).all()
        }
        var assets: [MediaAsset] = []
        var variants: [MediaVariant] = []
        func flush(_ row: any SQLRow) throws {
            defer { variants = [] }
            // An asset is only ever written with its original; skip anything else rather than trust it.
            guard variants.contains(where: { $0.kind == .original }) else { return }
            assets.append(MediaAsset(
                id: try row.decode(column: "id", as: String.self), ownerID: try row.decode(column: "owner_id", as: String.self),
                sha256: try row.decode(column: "sha256", as: String.self),
                createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
                variants: variants.sorted { $0.kind.order < $1.kind.order }))
        }
        for (index, row) in rows.enumerated() {
            if let kind = VariantKind(rawValue: try row.decode(column: "kind", as: String.self)),
               let format = ImageFormat(rawValue: try row.decode(column: "format", as: String.self)) {
                variants.append(MediaVariant(
                    kind: kind, blobKey: try row.decode(column: "blob_key", as: String.self), format: format,
                    width: try row.decode(column: "width", as: Int.self), height: try row.decode(column: "height", as: Int.self),
                    bytes: try row.decode(column: "bytes", as: Int.self)))
            }
            let id = try row.decode(column: "id", as: String.self)
            let lastOfAsset = try index == rows.count - 1 || rows[index + 1].decode(column: "id", as: String.self) != id
            if lastOfAsset { try flush(row) }
        }
        return assets
    }
}

private extension VariantKind {
    var order: Int { VariantKind.allCases.firstIndex(of: self)! }
}
