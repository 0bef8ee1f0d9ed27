extension Migrator {
    /// PostgreSQL only: listing vectors as pgvector `vector(384)` beside the float32 bytes, under one
    /// HNSW index (cosine) per space, so searches run in the database and no API process keeps a
    /// copy of the catalogue's vectors in memory. SQLite keeps its in-memory index.
    ///
    /// One column with partial indexes (`WHERE space = …`) rather than a column per space: a row
    /// is one vector of one space either way, so the table, the writes and the search query stay
    /// the same for both spaces; a partial index holds only its own space's vectors, and a query
    /// naming that space (as a literal) walks only that graph. Vectors of another length (a
    /// future model) stay NULL here, which the index skips.
    static let pgvector = Migration(version: 8, name: "listing vectors in pgvector", statements: [
        // Needs pgvector installed on the server, and a role allowed to create it (or an admin
        // who ran this first: it is then a no-op).
        MigrationStatement(sqlite: nil, postgres: "CREATE EXTENSION IF NOT EXISTS vector"),
        MigrationStatement(sqlite: nil, postgres: "ALTER TABLE listing_vectors ADD COLUMN embedding vector(384)"),
        MigrationStatement(sqlite: nil, postgres: backfill),
        MigrationStatement(sqlite: nil, postgres: """
            CREATE INDEX listing_vectors_image_hnsw ON listing_vectors USING hnsw (embedding vector_cosine_ops) WHERE space = 'image'
            """),
        MigrationStatement(sqlite: nil, postgres: """
            CREATE INDEX listing_vectors_text_hnsw ON listing_vectors USING hnsw (embedding vector_cosine_ops) WHERE space = 'text'
            """),
    ])

    /// Existing vectors, decoded in SQL from their little-endian float32 bytes (sign, exponent,
    /// mantissa; exact in double precision, then to real), so the migration needs no program.
    static let backfill = """
        UPDATE listing_vectors v SET embedding = (
            SELECT array_agg((1 - 2 * s) * CASE WHEN e = 0 THEN m * power(2::float8, -149)
                                                ELSE (8388608 + m) * power(2::float8, e - 150) END ORDER BY i)::real[]::vector
            FROM (SELECT i, get_byte(v.vector, 4 * i + 3) >> 7 AS s,
                         ((get_byte(v.vector, 4 * i + 3) & 127) << 1) | (get_byte(v.vector, 4 * i + 2) >> 7) AS e,
                         (((get_byte(v.vector, 4 * i + 2) & 127) << 16) | (get_byte(v.vector, 4 * i + 1) << 8)
                             | get_byte(v.vector, 4 * i))::float8 AS m
                  FROM generate_series(0, 383) i) bits)
        WHERE length(v.vector) = 1536
        """
}
