#!/usr/bin/env python3
"""Every benchmark in Benchmarks/, one after another, then one table of all their figures with
the machine's core count and the date. `scripts/bench` runs this (README.md: "Figures").

Each benchmark prints its figures as lines; the table keeps those lines (not the progress
chatter) under the benchmark's name, so a figure reads exactly as its benchmark printed it.
A benchmark that fails is listed as failed, and the run exits 1 after the table.
Usage: Benchmarks/all.py [--quick] [--only NAME,…] [--markdown FILE]
  --quick: smaller runs (minutes, not an hour): fewer uploads, jobs and listings, a 1-minute soak.
"""
import argparse, datetime, os, re, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))

# (name, arguments, quick arguments): scripts in this folder, run with this Python.
BENCHMARKS = [
    ("foundation", ["foundation.py"], ["foundation.py", "--uploads", "200"]),
    ("jobs", ["jobs.py"], ["jobs.py", "--seconds", "5"]),
    ("search", ["search.py", "--index-sizes", "30000,100000"], ["search.py", "--listings", "10000", "--index-sizes", "30000"]),
    ("jobs on PostgreSQL", ["jobs_postgres.py"], ["jobs_postgres.py", "--jobs", "2000", "--fanout-jobs", "1000"]),
    ("photo search on pgvector", ["search_postgres.py"], ["search_postgres.py", "--listings", "10000"]),
    ("pgvector", ["pgvector.py", "--sizes", "30000,100000"], ["pgvector.py", "--sizes", "10000", "--queries", "50"]),
    ("web console", ["console.py"], ["console.py", "--runs", "3"]),
    ("sdk overhead", ["kit_overhead.py"], ["kit_overhead.py"]),
    ("crash loop", ["chaos.py"], ["chaos.py", "--kills", "5"]),
    ("crash loop on PostgreSQL", ["chaos.py", "--postgres"], ["chaos.py", "--postgres", "--kills", "5"]),
    ("load and soak", ["load.py"], ["load.py", "--seconds", "60"]),
]

# Lines that are progress, not figures.
CHATTER = re.compile(r"^(kill -9 #|Deleted \d+ orphaned|\[\d+/\d+\]|Build|Compiling|Linking|Fetching|Computing|Building|Write|warning:|\s+/)")


def run(name, arguments):
    started = time.monotonic()
    process = subprocess.run([sys.executable, *arguments], cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(process.stdout, end="", flush=True)
    lines = [line.rstrip() for line in process.stdout.splitlines()
             if line.strip() and not CHATTER.match(line) and not line.startswith(("Traceback", "  File"))]
    return process.returncode, lines, time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="comma-separated benchmark names")
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args()
    chosen = [b for b in BENCHMARKS if not args.only or b[0] in args.only.split(",")]
    table, failed = [], []
    for name, full, quick in chosen:
        print(f"===== {name} =====", flush=True)
        status, lines, seconds = run(name, quick if args.quick else full)
        table.append((name, lines if status == 0 else lines[-3:] + [f"FAILED (exit {status})"], seconds))
        if status != 0:
            failed.append(name)
    header = f"Atelier figures, {datetime.date.today().isoformat()}, {os.cpu_count()} cores{' (quick runs)' if args.quick else ''}"
    rows = [f"| {f'{name} ({seconds / 60:.0f} min)' if index == 0 else ''} | {line.replace('|', '/')} |"
            for name, lines, seconds in table for index, line in enumerate(lines)]
    markdown = "\n".join([header, "", "| benchmark | figure |", "|---|---|", *rows]) + "\n"
    print("\n" + markdown)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
