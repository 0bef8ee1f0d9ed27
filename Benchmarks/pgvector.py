#!/usr/bin/env python3
"""Search on PostgreSQL + pgvector: recall@20 and queries/s of the server's own pgvector search
(`PostgresListingIndex`: HNSW, cosine, iterative scans, exact fallback) on random and clustered
384-d vectors, without a filter and with selective ones, at each hnsw.ef_search given.

Starts a throwaway PostgreSQL 18 + pgvector (scripts/postgres-server.py), builds and runs
`pgvector-bench` against it, and stops it. The figures are PostgreSQL's (the Swift side only
sends queries), so a debug build is the default; --release builds the bench in release.
Usage: Benchmarks/pgvector.py [--sizes 30000,100000] [--queries 100] [--ef 40,100] [--release]
"""
import argparse, os, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30000")
    parser.add_argument("--queries", default="100")
    parser.add_argument("--ef", default="40,100")
    parser.add_argument("--release", action="store_true")
    args = parser.parse_args()
    configuration = "release" if args.release else "debug"
    subprocess.run(["swift", "build", "-c", configuration, "--product", "pgvector-bench"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    work = tempfile.mkdtemp(prefix="atelier-pgvector-bench-")
    env_file = os.path.join(work, "pg.env")
    server = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", "postgres-server.py"), "--env-file", env_file])
    try:
        for _ in range(240):
            if os.path.exists(env_file) and os.path.getsize(env_file) > 0:
                break
            if server.poll() is not None:
                sys.exit("pgvector.py: the PostgreSQL server did not start")
            time.sleep(0.5)
        line = open(env_file).read().strip()
        url = line.split("=", 1)[1].strip("'")
        binary = os.path.join(ROOT, ".build", configuration, "pgvector-bench")
        command = [binary, *args.sizes.split(","), "--queries", args.queries, "--ef", args.ef]
        subprocess.run(command, env=dict(os.environ, ATELIER_BENCH_DATABASE_URL=url), check=True)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
