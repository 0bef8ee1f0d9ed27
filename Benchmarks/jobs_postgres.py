#!/usr/bin/env python3
"""Jobs figures on PostgreSQL with separate processes, as a scaled-out deployment runs them:
one API process (`serve --no-workers`) and two worker processes (`atelier worker`) of the release
build on a throwaway PostgreSQL (scripts/postgres-server.py: fsync and synchronous_commit off).

1. No-op jobs/s drained by the 2 worker processes from a full queue (the workers are stopped
   with SIGSTOP while N jobs are enqueued, then continued), and CPU per job of the workers and
   of PostgreSQL (the API process idles meanwhile).
2. Event fan-out: progress events recorded by a worker process reach a WebSocket client of the
   API process through LISTEN/NOTIFY: latency p50/p99 (event `at` → received, same clock) and
   events/s delivered while the workers drain a queue with the socket attached.

Usage: Benchmarks/jobs_postgres.py [--jobs 20000] [--slots 4] [--progress-jobs 200]
"""
import argparse, json, os, signal, subprocess, sys, tempfile, threading, time, uuid

from benchserver import BINARY, ROOT, running_server
from jobs import Client, cpu_seconds, create_jobs, parse_time, percentile, register, websocket


def start_postgres():
    """Starts scripts/postgres-server.py; returns (process, URL of a fresh database)."""
    env_file = os.path.join(tempfile.mkdtemp(prefix="atelier-bench-pg-"), "pg.env")
    server = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", "postgres-server.py"), "--env-file", env_file,
                               "--database", "bench"], stdout=subprocess.DEVNULL)
    for _ in range(1200):
        if os.path.exists(env_file):
            line = open(env_file).read().strip()
            return server, line.split("=", 1)[1].strip("'\"")
        if server.poll() is not None:
            sys.exit("postgres-server.py failed")
        time.sleep(0.1)
    sys.exit("postgres did not start")


def descendants(root):
    """Pids of every process below `root` (Linux /proc)."""
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as stat:
                    parents[int(name)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                pass
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def postgres_cpu(root):
    """CPU seconds so far of the PostgreSQL processes (backends stay connected during a phase)."""
    total = 0.0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/comm") as comm:
                if comm.read().strip() == "postgres":
                    total += cpu_seconds(pid)
        except OSError:
            pass
    return total


def start_worker(folder, env):
    return subprocess.Popen([BINARY, "worker", "--data-dir", folder], env=dict(os.environ, ATELIER_LOG_LEVEL="warning", **env),
                            stdout=subprocess.DEVNULL)


def wait_until_idle(port, token, poll=0.25):
    """Polls lightly (each poll is work for the API process and PostgreSQL); returns when the
    newest job ended (jobs are claimed oldest first, so it is the last, give or take a job)."""
    watcher = Client(port, token)
    while True:
        queued = watcher.call("GET", "/api/v1/jobs?state=queued&limit=1")[1]["data"]
        running = watcher.call("GET", "/api/v1/jobs?state=running&limit=1")[1]["data"]
        if not queued and not running:
            newest = watcher.call("GET", "/api/v1/jobs?limit=1")[1]["data"]
            return parse_time(newest[0]["updated_at"]) if newest else time.time()
        time.sleep(poll)


class Socket:
    """The all-jobs WebSocket of the API process, read on a thread: (received, event at) of the
    events recorded by worker processes."""

    def __init__(self, port, token):
        self.events, self.lock = [], threading.Lock()
        opened = threading.Event()

        def read():
            frames = websocket(port, "/api/v1/events", token)
            opened.set()
            for received, text in frames:
                event = json.loads(text)
                if event["state"] == "queued":
                    continue  # recorded by the API process itself, not fanned out
                with self.lock:
                    self.events.append((received, parse_time(event["at"])))

        threading.Thread(target=read, daemon=True).start()
        opened.wait(60)
        time.sleep(0.5)

    def take(self):
        with self.lock:
            taken, self.events = self.events, []
        return taken


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--slots", type=int, default=4, help="standard-queue workers per worker process")
    parser.add_argument("--progress-jobs", type=int, default=200)
    parser.add_argument("--fanout-jobs", type=int, default=5000)
    args = parser.parse_args()
    if not os.path.exists(BINARY):
        subprocess.run(["swift", "build", "-c", "release", "--product", "atelier"], cwd=ROOT, check=True)
    pg, url = start_postgres()
    workers = []
    try:
        settings = dict(ATELIER_DATABASE_URL=url, ATELIER_SECRET_KEY="ab" * 32, ATELIER_BCRYPT_COST="4", ATELIER_DEV_PROCESSORS="1",
                        ATELIER_FREE_CREDITS="100000000", ATELIER_JOBS_PER_MINUTE="100000000",
                        ATELIER_REQUESTS_PER_MINUTE="100000000", ATELIER_STANDARD_WORKERS=str(args.slots))
        with running_server(ATELIER_WORKERS="0", **settings) as (api, port, folder):
            token = register(port)
            workers = [start_worker(folder, settings) for _ in range(2)]
            time.sleep(3)  # started and idle

            # 1. Drain a full queue.
            for worker in workers:
                os.kill(worker.pid, signal.SIGSTOP)
            create_jobs(port, token, args.jobs, args.concurrency)
            cpu_before = [cpu_seconds(w.pid) for w in workers], postgres_cpu(pg.pid)
            started = time.time()
            for worker in workers:
                os.kill(worker.pid, signal.SIGCONT)
            drained = wait_until_idle(port, token) - started
            worker_cpu = sum(cpu_seconds(w.pid) for w in workers) - sum(cpu_before[0])
            pg_cpu = postgres_cpu(pg.pid) - cpu_before[1]

            # 2. Fan-out: a socket on the API process sees the events the worker processes record.
            socket = Socket(port, token)
            client = Client(port, token)
            for _ in range(args.progress_jobs):
                client.call("POST", "/api/v1/jobs", {"processor": "dev.sleep", "params": {"ms": 200}}, {"Idempotency-Key": str(uuid.uuid4())})
            wait_until_idle(port, token)
            time.sleep(0.5)
            light = socket.take()

            # 3. Under load: the workers drain a full queue of no-op jobs (a `running` and a
            #    `succeeded` event each, from a worker process) with the socket open.
            for worker in workers:
                os.kill(worker.pid, signal.SIGSTOP)
            create_jobs(port, token, args.fanout_jobs, args.concurrency)
            time.sleep(1)  # the creations' own `queued` events reach the socket first
            socket.take()
            for worker in workers:
                os.kill(worker.pid, signal.SIGCONT)
            wait_until_idle(port, token)
            time.sleep(0.5)
            heavy = socket.take()

        print(f"machine: {os.cpu_count()} cores; PostgreSQL 18 (fsync off) on the same machine; 1 API process (--no-workers), "
              f"2 worker processes x {args.slots} standard-queue workers")
        print(f"no-op jobs drained by 2 worker processes from a full queue: {args.jobs} in {drained:.2f} s: {args.jobs / drained:.0f} jobs/s "
              f"(CPU per job: workers {worker_cpu * 1e6 / args.jobs:.0f} µs, PostgreSQL {pg_cpu * 1e6 / args.jobs:.0f} µs)")
        for name, events in (("jobs of 200 ms with progress, created one at a time", light),
                             (f"{args.fanout_jobs} no-op jobs drained from a full queue", heavy)):
            if len(events) < 2:
                print(f"event fan-out ({name}): too few events received ({len(events)})")
                continue
            latencies = [received - at for received, at in events]
            span = events[-1][0] - events[0][0]
            print(f"event fan-out worker process → NOTIFY → API process → WebSocket ({name}): "
                  f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms "
                  f"over {len(events)} events, {len(events) / span:.0f} events/s")
        return 0
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
        pg.terminate()
        pg.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
