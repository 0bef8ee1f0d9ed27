import AtelierCore

extension Migrator {
    static let catalog = Migration(version: 5, name: "listings catalogue", statements: [
        "ALTER TABLE users ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE users ADD COLUMN is_premium INTEGER NOT NULL DEFAULT 0",
        // The account that owns listing photos, so they go through the same media pipeline as
        // users' uploads. It cannot sign in: '!' is not a bcrypt hash.
        """
        INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
        VALUES ('\(ListingPhotos.ownerID)', 'catalog@atelier.invalid', 'Listings catalogue', '!', 0, 0)
        """,
        """
        CREATE TABLE listings (
            id TEXT PRIMARY KEY,
            marketplace TEXT NOT NULL,
            external_id TEXT NOT NULL,
            title TEXT NOT NULL,
            description TEXT,
            brand TEXT,
            category TEXT,
            size TEXT,
            condition TEXT,
            price_minor BIGINT NOT NULL,
            currency TEXT NOT NULL,
            url TEXT,
            deep_link TEXT,
            seller TEXT,
            image_urls TEXT NOT NULL,
            media_id TEXT REFERENCES media(id) ON DELETE SET NULL,
            image_state TEXT NOT NULL,
            image_error TEXT,
            first_seen BIGINT NOT NULL,
            last_seen BIGINT NOT NULL,
            removed INTEGER NOT NULL,
            revision BIGINT NOT NULL,
            UNIQUE (marketplace, external_id)
        )
        """,
        // Revisions grow with every change, so the search index follows the table incrementally.
        "CREATE INDEX listings_revision ON listings (revision)",
        "CREATE INDEX listings_image_state ON listings (image_state, id)",
        MigrationStatement(sqlite: """
        CREATE TABLE listing_vectors (
            listing_id TEXT NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
            space TEXT NOT NULL,
            model TEXT NOT NULL,
            vector BLOB NOT NULL,
            revision BIGINT NOT NULL,
            PRIMARY KEY (listing_id, space)
        )
        """, postgres: """
        CREATE TABLE listing_vectors (
            listing_id TEXT NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
            space TEXT NOT NULL,
            model TEXT NOT NULL,
            vector BYTEA NOT NULL,
            revision BIGINT NOT NULL,
            PRIMARY KEY (listing_id, space)
        )
        """),
        "CREATE INDEX listing_vectors_revision ON listing_vectors (space, revision)",
        // Keyword search. SQLite: an FTS5 table whose rowid is the listing's rowid, kept by the
        // store. PostgreSQL: a generated tsvector column that keeps itself, under a GIN index;
        // 'simple' (lower case, no stemming, no stop words) is closest to FTS5's unicode61.
        MigrationStatement(
            sqlite: "CREATE VIRTUAL TABLE listings_text USING fts5(title, brand, description, tokenize = 'unicode61 remove_diacritics 2')",
            postgres: """
                ALTER TABLE listings ADD COLUMN search_text tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig,
                    title || ' ' || COALESCE(brand, '') || ' ' || COALESCE(description, ''))) STORED
                """),
        MigrationStatement(sqlite: nil, postgres: "CREATE INDEX listings_search ON listings USING GIN (search_text)"),
        // Revision counters (see SQLListingStore.nextRevision); SQLite takes MAX(revision) + 1.
        MigrationStatement(sqlite: nil, postgres: "CREATE SEQUENCE listings_revision_seq"),
        MigrationStatement(sqlite: nil, postgres: "CREATE SEQUENCE listing_vectors_revision_seq"),
        """
        CREATE TABLE ingestion_runs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            source TEXT NOT NULL,
            state TEXT NOT NULL,
            created INTEGER NOT NULL,
            updated INTEGER NOT NULL,
            unchanged INTEGER NOT NULL,
            removed INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            errors TEXT NOT NULL,
            started_at BIGINT NOT NULL,
            finished_at BIGINT
        )
        """,
    ])

    static let ingestionSources = Migration(version: 6, name: "scheduled ingestion sources", statements: [
        """
        CREATE TABLE ingestion_sources (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            locations TEXT NOT NULL,
            full_feed INTEGER NOT NULL,
            every_minutes INTEGER NOT NULL,
            created_at BIGINT NOT NULL
        )
        """,
        "ALTER TABLE ingestion_runs ADD COLUMN job_id TEXT",
    ])
}

extension Migrator {
    static let workerTokens = Migration(version: 7, name: "external worker tokens", statements: [
        """
        CREATE TABLE worker_tokens (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            secret_hash TEXT NOT NULL UNIQUE,
            processors TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            revoked_at BIGINT
        )
        """,
    ])
}
