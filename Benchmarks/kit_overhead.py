#!/usr/bin/env python3
"""AtelierKit's overhead per call against raw URLSession: starts a release `atelier serve` on a
free loopback port (benchserver.py) and runs the `kit-overhead-bench` executable against it, which
prints the medians over 1,000 calls of the same GET each way.
Usage: Benchmarks/kit_overhead.py [--calls 1000]   (builds both products in release when missing)
"""
import argparse, os, subprocess, sys

from benchserver import ROOT, running_server

parser = argparse.ArgumentParser()
parser.add_argument("--calls", type=int, default=1000)
args = parser.parse_args()
bench = os.environ.get("ATELIER_KIT_BENCH_BINARY") or os.path.join(ROOT, ".build", "release", "kit-overhead-bench")
if not os.path.exists(bench):
    subprocess.run(["swift", "build", "-c", "release", "--product", "kit-overhead-bench"], cwd=ROOT, check=True)
with running_server(ATELIER_BCRYPT_COST="4", ATELIER_REQUESTS_PER_MINUTE="1000000") as (_, port, _):
    env = dict(os.environ, ATELIER_URL=f"http://127.0.0.1:{port}", ATELIER_BENCH_CALLS=str(args.calls))
    sys.exit(subprocess.run([bench], env=env).returncode)
