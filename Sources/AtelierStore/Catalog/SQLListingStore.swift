import AtelierCore
import Foundation
import NIOCore
import SQLKit

public struct SQLListingStore: ListingStore {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    public func upsert(_ draft: ListingDraft, now: Date) async throws -> (Listing, UpsertOutcome) {
        try await database.transaction { db in
            // Before the read: two imports of one listing must not both find it missing.
            try await Self.lockRevisions(db)
            let existing = try await db.raw("""
                SELECT * FROM listings WHERE marketplace = \(bind: draft.marketplace) AND external_id = \(bind: draft.externalID)
                """).first().map(ListingRows.listing)
            guard let existing else {
                let revision = try await Self.nextRevision(db, table: "listings")
                let id = Identifier.make(now: now)
                try await db.raw("""
                    INSERT INTO listings (id, marketplace, external_id, title, description, brand, category, size, condition,
                        price_minor, currency, url, deep_link, seller, image_urls, media_id, image_state, image_error,
                        first_seen, last_seen, removed, revision)
                    VALUES (\(bind: id), \(bind: draft.marketplace), \(bind: draft.externalID), \(Self.fields(draft)),
                        NULL, 'pending', NULL, \(bind: now.millis), \(bind: now.millis), 0, \(bind: revision))
                    """).run()
                try await Self.index(db, listingID: id, draft)
                return (try await Self.listing(db, id: id), .created)
            }
            if existing.draft == draft && !existing.removed {
                // Only "still there": no new revision, so the search index has nothing to do.
                try await db.raw("UPDATE listings SET last_seen = \(bind: now.millis) WHERE id = \(bind: existing.id)").run()
                return (existing, .unchanged)
            }
            let revision = try await Self.nextRevision(db, table: "listings")
            let newImages = existing.draft.imageURLs != draft.imageURLs
            try await db.raw("""
                UPDATE listings SET (title, description, brand, category, size, condition, price_minor, currency, url,
                    deep_link, seller, image_urls) = (\(Self.fields(draft))),
                    image_state = CASE WHEN \(bind: newImages) THEN 'pending' ELSE image_state END,
                    image_error = CASE WHEN \(bind: newImages) THEN NULL ELSE image_error END,
                    last_seen = \(bind: now.millis), removed = 0, revision = \(bind: revision)
                WHERE id = \(bind: existing.id)
                """).run()
            try await Self.index(db, listingID: existing.id, draft)
            if existing.removed {
                // Back from removal: the search index dropped its vectors, so they count as new.
                for space in VectorSpace.allCases {
                    let next = try await Self.nextRevision(db, table: "listing_vectors")
                    try await db.raw("""
                        UPDATE listing_vectors SET revision = \(bind: next) WHERE listing_id = \(bind: existing.id) AND space = \(bind: space.rawValue)
                        """).run()
                }
            }
            return (try await Self.listing(db, id: existing.id), .updated)
        }
    }

    public func markRemoved(marketplace: String, notSeenSince cutoff: Date) async throws -> Int {
        try await database.transaction { db in
            try await Self.lockRevisions(db)
            let stale = try await db.raw("""
                SELECT id FROM listings WHERE marketplace = \(bind: marketplace) AND removed = 0 AND last_seen < \(bind: cutoff.millis)
                """).all().map { try $0.decode(column: "id", as: String.self) }
            for id in stale {
                let revision = try await Self.nextRevision(db, table: "listings")
                try await db.raw("UPDATE listings SET removed = 1, revision = \(bind: revision) WHERE id = \(bind: id)").run()
            }
            return stale.count
        }
    }

    public func listing(id: String) async throws -> Listing? {
        try await database.read { db in try await db.raw("SELECT * FROM listings WHERE id = \(bind: id)").first().map(ListingRows.listing) }
    }

    public func listings(ids: [String]) async throws -> [Listing] {
        guard !ids.isEmpty else { return [] }
        let list = ids.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")
        return try await database.read { db in try await db.raw("SELECT * FROM listings WHERE id IN (\(list))").all().map(ListingRows.listing) }
    }

    public func pendingImages(limit: Int) async throws -> [Listing] {
        try await database.read { db in
            try await db.raw("""
                SELECT * FROM listings WHERE image_state = 'pending' AND removed = 0 ORDER BY id LIMIT \(bind: limit)
                """).all().map(ListingRows.listing)
        }
    }

    public func recordImage(listingID: String, outcome: ListingImageOutcome) async throws {
        try await database.transaction { db in
            let revision = try await Self.nextRevision(db, table: "listings")
            switch outcome {
            case .stored(let mediaID, let vector):
                try await db.raw("""
                    UPDATE listings SET media_id = \(bind: mediaID), image_state = 'ready', image_error = NULL, revision = \(bind: revision)
                    WHERE id = \(bind: listingID)
                    """).run()
                try await Self.save(db, vector)
            case .failed(let reason):
                try await db.raw("""
                    UPDATE listings SET image_state = 'failed', image_error = \(bind: reason), revision = \(bind: revision)
                    WHERE id = \(bind: listingID)
                    """).run()
            }
        }
    }

    public func needingVectors(space: VectorSpace, model: String, _ need: VectorNeed, limit: Int) async throws -> [Listing] {
        let ready: SQLQueryString = space == .image ? "AND l.image_state = 'ready'" : ""
        let vector: SQLQueryString = need == .missing ? "v.model IS NULL" : "v.model <> \(bind: model)"
        return try await database.read { db in
            try await db.raw("""
                SELECT l.* FROM listings l LEFT JOIN listing_vectors v ON v.listing_id = l.id AND v.space = \(bind: space.rawValue)
                WHERE l.removed = 0 \(ready) AND \(vector) ORDER BY l.id LIMIT \(bind: limit)
                """).all().map(ListingRows.listing)
        }
    }

    public func countOlderVectors(space: VectorSpace, model: String) async throws -> Int {
        try await database.read { db in
            try await db.raw("""
                SELECT COUNT(*) AS n FROM listing_vectors v JOIN listings l ON l.id = v.listing_id
                WHERE v.space = \(bind: space.rawValue) AND v.model <> \(bind: model) AND l.removed = 0
                """).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func saveVectors(_ vectors: [ListingVector]) async throws {
        try await database.transaction { db in
            for vector in vectors { try await Self.save(db, vector) }
        }
    }

    public func vector(listingID: String, space: VectorSpace) async throws -> [Float]? {
        try await database.read { db in
            try await db.raw("SELECT vector FROM listing_vectors WHERE listing_id = \(bind: listingID) AND space = \(bind: space.rawValue)")
                .first().map { ListingRows.vector(try $0.decode(column: "vector", as: ByteBuffer.self)) }
        }
    }

    public func latestRevisions() async throws -> CatalogRevisions {
        // Per space, so each maximum is the end of the (space, revision) index, not a scan.
        try await database.read { db in
            let row = try await db.raw("""
                SELECT (SELECT COALESCE(MAX(revision), 0) FROM listings) AS listings,
                       (SELECT COALESCE(MAX(revision), 0) FROM listing_vectors WHERE space = 'image') AS images,
                       (SELECT COALESCE(MAX(revision), 0) FROM listing_vectors WHERE space = 'text') AS texts
                """).first()
            let vectors = max(try row?.decode(column: "images", as: Int64.self) ?? 0, try row?.decode(column: "texts", as: Int64.self) ?? 0)
            return CatalogRevisions(listings: try row?.decode(column: "listings", as: Int64.self) ?? 0, vectors: vectors)
        }
    }

    public func changes(after revision: Int64, limit: Int) async throws -> [ListingChange] {
        try await database.read { db in
            try await db.raw("SELECT * FROM listings WHERE revision > \(bind: revision) ORDER BY revision LIMIT \(bind: limit)")
                .all().map { row in
                    let listing = try ListingRows.listing(row)
                    return ListingChange(id: listing.id, facets: ListingFacets(listing.draft), removed: listing.removed, revision: listing.revision)
                }
        }
    }

    public func vectors(space: VectorSpace, model: String, after revision: Int64, limit: Int) async throws -> [ListingVector] {
        try await database.read { db in
            try await db.raw("""
                SELECT v.listing_id, v.vector, v.revision FROM listing_vectors v JOIN listings l ON l.id = v.listing_id
                WHERE v.space = \(bind: space.rawValue) AND v.model = \(bind: model) AND v.revision > \(bind: revision) AND l.removed = 0
                ORDER BY v.revision LIMIT \(bind: limit)
                """).all().map { row in
                    ListingVector(listingID: try row.decode(column: "listing_id", as: String.self), space: space, model: model,
                                  values: ListingRows.vector(try row.decode(column: "vector", as: ByteBuffer.self)),
                                  revision: try row.decode(column: "revision", as: Int64.self))
                }
        }
    }

    public func keywordMatches(_ query: String, limit: Int) async throws -> [String] {
        guard let match = Self.ftsQuery(query) else { return [] }
        return try await database.read { db in
            if db.isPostgres {
                return try await db.raw("""
                    SELECT l.id FROM listings l, websearch_to_tsquery('simple', \(bind: Self.tsQuery(query))) q
                    WHERE l.search_text @@ q AND l.removed = 0 ORDER BY ts_rank(l.search_text, q) DESC, l.id LIMIT \(bind: limit)
                    """).all().map { try $0.decode(column: "id", as: String.self) }
            }
            return try await db.raw("""
                SELECT l.id FROM listings_text t JOIN listings l ON l.rowid = t.rowid
                WHERE listings_text MATCH \(bind: match) AND l.removed = 0 ORDER BY bm25(listings_text) LIMIT \(bind: limit)
                """).all().map { try $0.decode(column: "id", as: String.self) }
        }
    }

    /// Words as quoted FTS5 terms joined by OR (bm25 ranks listings with more of them first), so
    /// no user input is ever read as FTS5 syntax.
    static func ftsQuery(_ text: String) -> String? {
        let words = text.lowercased().split { !$0.isLetter && !$0.isNumber }.prefix(32)
        guard !words.isEmpty else { return nil }
        return words.map { "\"\($0)\"" }.joined(separator: " OR ")
    }

    /// The same words for PostgreSQL's websearch syntax: "a or b or c" (an "or" of the user's own
    /// would read as the operator, so it goes; a word of letters and digits has no other syntax).
    static func tsQuery(_ text: String) -> String {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.prefix(32).filter { $0 != "or" }.joined(separator: " or ")
    }

    private static func fields(_ draft: ListingDraft) -> SQLQueryString {
        """
        \(bind: draft.title), \(bind: draft.description), \(bind: draft.brand), \(bind: draft.category), \(bind: draft.size),
        \(bind: draft.condition), \(bind: draft.priceMinor), \(bind: draft.currency), \(bind: draft.url?.absoluteString),
        \(bind: draft.deepLink?.absoluteString), \(bind: draft.seller), \(bind: ListingRows.imageURLs(draft))
        """
    }

    private static func index(_ db: any SQLDatabase, listingID: String, _ draft: ListingDraft) async throws {
        guard !db.isPostgres else { return }  // there the generated column search_text follows the row
        let rowid: SQLQueryString = "(SELECT rowid FROM listings WHERE id = \(bind: listingID))"
        try await db.raw("DELETE FROM listings_text WHERE rowid = \(rowid)").run()
        try await db.raw("""
            INSERT INTO listings_text (rowid, title, brand, description)
            VALUES (\(rowid), \(bind: draft.title), \(bind: draft.brand ?? ""), \(bind: draft.description ?? ""))
            """).run()
    }

    private static func save(_ db: any SQLDatabase, _ vector: ListingVector) async throws {
        let revision = try await nextRevision(db, table: "listing_vectors")
        guard db.isPostgres else {
            try await db.raw("""
                INSERT INTO listing_vectors (listing_id, space, model, vector, revision)
                VALUES (\(bind: vector.listingID), \(bind: vector.space.rawValue), \(bind: vector.model), \(bind: ListingRows.bytes(vector.values)), \(bind: revision))
                ON CONFLICT (listing_id, space) DO UPDATE SET model = excluded.model, vector = excluded.vector, revision = excluded.revision
                """).run()
            return
        }
        // There the pgvector column that searches use, too (NULL for a length it cannot hold).
        let embedding: SQLQueryString = PGVector.fits(vector.values) ? "CAST(\(bind: PGVector.literal(vector.values)) AS vector)" : "NULL"
        try await db.raw("""
            INSERT INTO listing_vectors (listing_id, space, model, vector, embedding, revision)
            VALUES (\(bind: vector.listingID), \(bind: vector.space.rawValue), \(bind: vector.model), \(bind: ListingRows.bytes(vector.values)),
                \(embedding), \(bind: revision))
            ON CONFLICT (listing_id, space) DO UPDATE
            SET model = excluded.model, vector = excluded.vector, embedding = excluded.embedding, revision = excluded.revision
            """).run()
    }

    /// Readers page through listings and vectors by revision, so a revision must never become
    /// visible behind one a reader has already passed. SQLite serialises writers, so the next
    /// revision is one past the largest. PostgreSQL draws from a sequence under an advisory lock
    /// held until commit: a sequence alone gives unique, growing numbers in the order they are
    /// drawn, but transactions may commit in another order, and a reader that had seen 11 would
    /// never see 10 committed after it. With the lock, catalogue writers commit in the order of
    /// their revisions (they are serialised from their first revision on, as on SQLite). What
    /// remains: gaps, from rolled-back transactions, which readers asking for "greater than" skip.
    private static func nextRevision(_ db: any SQLDatabase, table: String) async throws -> Int64 {
        if db.isPostgres {
            try await lockRevisions(db)
            return try await db.raw("SELECT nextval('\(unsafeRaw: table)_revision_seq') AS next").first()?.decode(column: "next", as: Int64.self) ?? 1
        }
        return try await db.raw("SELECT COALESCE(MAX(revision), 0) + 1 AS next FROM \(unsafeRaw: table)").first()?.decode(column: "next", as: Int64.self) ?? 1
    }

    /// PostgreSQL: the transaction-scoped lock behind `nextRevision` (a no-op on SQLite, whose
    /// writer lock is already held). Taking it again in the same transaction is free.
    private static func lockRevisions(_ db: any SQLDatabase) async throws {
        guard db.isPostgres else { return }
        try await db.raw("SELECT pg_advisory_xact_lock(\(unsafeRaw: String(AdvisoryLock.catalogRevisions)))").run()
    }

    private static func listing(_ db: any SQLDatabase, id: String) async throws -> Listing {
        guard let listing = try await db.raw("SELECT * FROM listings WHERE id = \(bind: id)").first().map(ListingRows.listing) else {
            throw AtelierError.notFound("LISTING_NOT_FOUND", "No such listing.")
        }
        return listing
    }
}
