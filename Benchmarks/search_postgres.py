#!/usr/bin/env python3
"""Photo search on PostgreSQL + pgvector against the in-process index, in the same run:
`POST /api/v1/search/image` p50/p99 at concurrency 1, 8 and 32 and searches/s with `--listings`
listings (default 100,000; random unit photo and text vectors), first on SQLite with the
in-process index (Benchmarks/search.py's end-to-end part), then on a throwaway PostgreSQL 18 +
pgvector (scripts/postgres-server.py, on the same 2 cores) whose catalogue is generated in SQL,
with the server's and PostgreSQL's CPU per search.

Usage: Benchmarks/search_postgres.py [--listings 100000] [--precision int8|bfloat16|float32] [--reuse DIR]
"""
import argparse, os, subprocess, sys, tempfile, time

from benchserver import running_server
from jobs_postgres import postgres_cpu, start_postgres
from search import MODELS, PHOTO_MODEL, TEXT_MODEL, end_to_end, make_photo, ready, register, rss_mb, run


def psql(url, sql):
    subprocess.run(["psql", url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, stdout=subprocess.DEVNULL)


def seed(url, count, photo_model):
    """Listings like search.py's, and a random unit vector per listing and space, made in SQL
    (pgvector's `vector` and the little-endian float32 bytes the stores also keep). The HNSW
    indexes are dropped first and built once at the end: faster than 200,000 inserts into them."""
    psql(url, "DROP INDEX listing_vectors_image_hnsw; DROP INDEX listing_vectors_text_hnsw")
    now = int(time.time() * 1000)
    psql(url, f"""
        INSERT INTO listings (id, marketplace, external_id, title, description, brand, category, size, condition, price_minor,
                              currency, url, deep_link, seller, image_urls, media_id, image_state, image_error, first_seen,
                              last_seen, removed, revision)
        SELECT gen_random_uuid()::text, 'depop', 'x' || i, 'Listing ' || i, NULL,
               (ARRAY['Zara', 'Nike', 'Levi''s', 'Ganni', 'Arket', 'COS', 'Carhartt', 'Patagonia'])[i % 8 + 1], 'tops',
               (ARRAY['S', 'M', 'L'])[i % 3 + 1], 'good', 500 + (i % 200) * 100, 'EUR', 'https://shop.example/x' || i,
               'depop://product/x' || i, NULL, '[]', NULL, 'ready', NULL, {now}, {now}, 0, i + 1
        FROM generate_series(0, {count - 1}) i""")
    # generate_series inside depends on the row (0 * length), so each row gets its own vector.
    psql(url, f"""
        INSERT INTO listing_vectors (listing_id, space, model, vector, revision, embedding)
        SELECT id, space, model, (SELECT string_agg(substring(b FROM 4 FOR 1) || substring(b FROM 3 FOR 1)
                                                    || substring(b FROM 2 FOR 1) || substring(b FROM 1 FOR 1), ''::bytea ORDER BY n)
                                  FROM unnest(e::real[]) WITH ORDINALITY AS u(x, n), LATERAL float4send(x) AS b),
               revision, e
        FROM (SELECT l.id, s.space, s.model, 2 * l.revision - s.shift AS revision,
                     l2_normalize(ARRAY(SELECT random_normal() FROM generate_series(1, 384 + 0 * length(l.id || s.space)))::real[]::vector) AS e
              FROM listings l, (VALUES ('image', '{photo_model}', 1), ('text', '{TEXT_MODEL}', 0)) AS s(space, model, shift)) v""")
    psql(url, f"SELECT setval('listings_revision_seq', {count}), setval('listing_vectors_revision_seq', {2 * count})")
    psql(url, """SET maintenance_work_mem = '1GB';
        CREATE INDEX listing_vectors_image_hnsw ON listing_vectors USING hnsw (embedding vector_cosine_ops) WHERE space = 'image';
        CREATE INDEX listing_vectors_text_hnsw ON listing_vectors USING hnsw (embedding vector_cosine_ops) WHERE space = 'text';
        ANALYZE""")


def on_postgres(count, precision):
    postgres, url = start_postgres()
    folder = tempfile.mkdtemp(prefix="atelier-bench-search-pg-")
    try:
        os.symlink(os.path.join(MODELS, "models"), os.path.join(folder, "models"))
        settings = dict(ATELIER_BCRYPT_COST="4", ATELIER_REQUESTS_PER_MINUTE="100000000", ATELIER_PHOTO_PRECISION=precision,
                        ATELIER_DATABASE_URL=url)
        with running_server(folder=folder, ATELIER_WORKERS="0", **settings):
            pass  # migrations
        started = time.perf_counter()
        seed(url, count, PHOTO_MODEL + ("+int8" if precision == "int8" else ""))
        print(f"== end to end on PostgreSQL + pgvector, {count} listings, {precision}: catalogue and HNSW indexes made in "
              f"{time.perf_counter() - started:.0f} s ==", flush=True)
        with running_server(folder=folder, **settings) as (server, port, _):
            while not ready(port):
                time.sleep(1)
            token, photo = register(port), make_photo(folder)
            for concurrency in (1, 8, 32):
                before = postgres_cpu(postgres.pid)
                total = 20 if concurrency == 1 else 6 * concurrency
                run(port, token, photo, concurrency, total, server.pid)
                print(f"    PostgreSQL CPU {(postgres_cpu(postgres.pid) - before) / total * 1000:.1f} ms per search", flush=True)
            print(f"resident memory of the API process after the runs: {rss_mb(server.pid):.0f} MB")
    finally:
        postgres.terminate()
        postgres.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--precision", default="int8", choices=["float32", "bfloat16", "int8"])
    parser.add_argument("--reuse", help="search.py's --reuse: a kept SQLite data folder")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores")
    end_to_end(args.listings, args.precision, args.reuse)
    on_postgres(args.listings, args.precision)
    return 0


if __name__ == "__main__":
    sys.exit(main())
