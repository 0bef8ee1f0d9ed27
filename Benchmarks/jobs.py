#!/usr/bin/env python3
"""Jobs figures on SQLite: no-op jobs enqueue→complete per second, job-creation latency p50/p99
(POST /api/v1/jobs with Idempotency-Key, concurrency 8), and progress-event latency from the
worker to a WebSocket client p50/p99 (event `at` → received, same clock).

Jobs are created by `wrk` (Benchmarks/jobs_create.lua: a unique Idempotency-Key per POST) for a
fixed time, so the client takes little of the 2 cores the server and its workers share; throughput
is read from the SQLite file (first creation → last completion), not from when a poll noticed.
Runs a release `atelier serve` with the development processors on a free loopback port and a
throwaway data folder. Python stdlib and wrk (a minimal WebSocket reader is below).
Usage: Benchmarks/jobs.py [--seconds 10] [--concurrency 8]
"""
import argparse, base64, datetime, http.client, json, os, re, shutil, socket, sqlite3, struct, subprocess, sys, tempfile, threading, time, uuid

from benchserver import running_server


class Client:
    """One keep-alive connection."""

    def __init__(self, port, token=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = token

    def call(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")


def websocket(port, path, token):
    """Opens a WebSocket and yields (received, text) of its text messages (server frames are not
    masked); answers the server's pings, or it closes the socket after its 30 s ping period."""
    sock = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert b" 101 " in head.split(b"\r\n")[0], head
    stream = sock.makefile("rb")
    while True:
        first, second = stream.read(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack(">H", stream.read(2))[0]
        elif length == 127:
            length = struct.unpack(">Q", stream.read(8))[0]
        payload = stream.read(length)
        opcode = first & 0x0F
        if opcode == 1:
            yield time.time(), payload.decode()
        elif opcode == 9:  # ping → pong with the same payload, masked as a client must
            mask = os.urandom(4)
            sock.sendall(bytes([0x8A, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        elif opcode == 8:
            return


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def register(port):
    status, body = Client(port).call("POST", "/api/v1/auth/register", {"email": "bench@example.com", "password": "benchmark password"})
    assert status == 201, body
    return body["data"]["access_token"]


def create_jobs(port, token, count, concurrency):
    """POSTs `count` no-op jobs from `concurrency` connections; returns (seconds, latencies)."""
    latencies, lock, counter = [], threading.Lock(), iter(range(count))

    def submit():
        client = Client(port, token)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            start = time.perf_counter()
            status, _ = client.call("POST", "/api/v1/jobs", {"processor": "dev.sleep", "params": {"ms": 0}},
                                    {"Idempotency-Key": str(uuid.uuid4())})
            elapsed = time.perf_counter() - start
            assert status == 202, status
            with lock:
                latencies.append(elapsed)

    started = time.perf_counter()
    threads = [threading.Thread(target=submit) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, latencies


def cpu_seconds(pid):
    """User + system CPU time of a process so far (Linux): steadier than wall time on a shared machine."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(port, token, poll=0.25):
    """Polls lightly (the figures come from the database, not from when the poll noticed)."""
    watcher = Client(port, token)
    while True:
        queued = watcher.call("GET", "/api/v1/jobs?state=queued&limit=1")[1]["data"]
        running = watcher.call("GET", "/api/v1/jobs?state=running&limit=1")[1]["data"]
        if not queued and not running:
            return
        time.sleep(poll)


def wrk_jobs(port, token, seconds, concurrency):
    """POSTs no-op jobs for `seconds` from `concurrency` connections with wrk (one thread, so the
    client takes little of the server's CPU); returns (accepted, other responses, seconds, p50 ms, p99 ms)."""
    env = dict(os.environ, ATELIER_BENCH_TOKEN=token, ATELIER_BENCH_PREFIX=uuid.uuid4().hex)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jobs_create.lua")
    out = subprocess.run(["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--latency", "-s", script, f"http://127.0.0.1:{port}"],
                         env=env, capture_output=True, text=True, check=True).stdout
    units = {"us": 1e-3, "ms": 1.0, "s": 1e3}

    def latency(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(match.group(1)) * units[match.group(2)]

    match = re.search(r"(\d+) requests in ([\d.]+)(ms|s)", out)
    took = float(match.group(2)) * (1e-3 if match.group(3) == "ms" else 1)
    failed = int((re.search(r"Non-2xx or 3xx responses: (\d+)", out) or [0, 0])[1])
    errors = re.search(r"Socket errors: (.*)", out)
    if failed or errors:
        print(f"wrk: {failed} responses not 2xx; {errors.group(0) if errors else ''}", file=sys.stderr)
    return int(match.group(1)) - failed, failed, took, latency(50), latency(99)


def completions(folder):
    """(created_at, updated_at) in seconds of every succeeded job, from the SQLite file itself."""
    database = sqlite3.connect(f"file:{os.path.join(folder, 'atelier.sqlite')}?mode=ro", uri=True)
    try:
        rows = database.execute("SELECT created_at, updated_at FROM jobs WHERE state = 'succeeded'").fetchall()
    finally:
        database.close()
    return [(created / 1000, updated / 1000) for created, updated in rows]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10, help="how long wrk creates jobs in each phase")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--progress-jobs", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="standard-queue workers")
    args = parser.parse_args()
    settings = dict(ATELIER_BCRYPT_COST="4", ATELIER_DEV_PROCESSORS="1", ATELIER_FREE_CREDITS="10000000",
                    ATELIER_JOBS_PER_MINUTE="100000000", ATELIER_REQUESTS_PER_MINUTE="100000000",
                    ATELIER_STANDARD_WORKERS=str(args.workers))

    # 1. Creation alone (workers off), then worker throughput alone: a server with workers
    #    drains the queue the first one filled (no HTTP client can then be the limit).
    folder = tempfile.mkdtemp(prefix="atelier-bench-drain-")
    try:
        with running_server(folder=folder, ATELIER_WORKERS="0", **settings) as (server, port, _):
            token = register(port)
            cpu_started = cpu_seconds(server.pid)
            alone = wrk_jobs(port, token, args.seconds, args.concurrency)
            create_cpu = cpu_seconds(server.pid) - cpu_started
        with running_server(folder=folder, **settings) as (server, port, _):
            started, cpu_started = time.time(), cpu_seconds(server.pid)
            wait_until_idle(port, token)
            drain_cpu = cpu_seconds(server.pid) - cpu_started
            # Ended while measured / the span from the first to the last end: no start-up, no poll delay.
            ends = sorted(updated for _, updated in completions(folder))
            measured = sum(1 for end in ends if end >= started)
            drain_rate = (len(ends) - 1) / (ends[-1] - ends[0])
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    with running_server(**settings) as (server, port, folder):
        token = register(port)
        # 2. Enqueue→complete: wrk creates jobs while the in-process workers run them.
        cpu_started = cpu_seconds(server.pid)
        loaded = wrk_jobs(port, token, args.seconds, args.concurrency)
        wait_until_idle(port, token)
        both_cpu = cpu_seconds(server.pid) - cpu_started
        done = completions(folder)
        span = max(updated for _, updated in done) - min(created for created, _ in done)

        # 3. Progress events: worker → WebSocket client.
        event_latencies = []
        ready = threading.Event()

        def listen():
            seen = 0
            for received, text in websocket(port, "/api/v1/events", token):
                if not ready.is_set():
                    continue
                event = json.loads(text)
                if event["state"] == "running" and event.get("step"):
                    event_latencies.append(received - parse_time(event["at"]))
                if event["state"] == "succeeded":
                    seen += 1
                    if seen == args.progress_jobs:
                        return

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        time.sleep(0.5)
        ready.set()
        client = Client(port, token)
        for _ in range(args.progress_jobs):
            client.call("POST", "/api/v1/jobs", {"processor": "dev.sleep", "params": {"ms": 200}}, {"Idempotency-Key": str(uuid.uuid4())})
        listener.join(timeout=300)

    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; SQLite; {args.workers} standard-queue workers; "
          f"client wrk (1 thread, {args.concurrency} connections, {args.seconds} s per phase)")
    accepted, _, took, p50, p99 = alone
    print(f"job creation alone (workers off): {accepted} in {took:.1f} s: {accepted / took:.0f}/s, "
          f"p50 {p50:.2f} ms, p99 {p99:.2f} ms (server CPU {create_cpu * 1e6 / accepted:.0f} µs per job)")
    print(f"no-op jobs run by the workers from a full queue: {drain_rate:.0f} jobs/s over {len(ends)} jobs "
          f"(server CPU {drain_cpu * 1e6 / max(1, measured):.0f} µs per job)")
    accepted, _, took, p50, p99 = loaded
    print(f"no-op jobs created and run at once: {len(done)} succeeded, {span:.2f} s from the first POST to the last completion: "
          f"{len(done) / span:.0f} jobs/s enqueue→complete (server CPU {both_cpu * 1e6 / len(done):.0f} µs per job)")
    print(f"job creation latency while the workers run: p50 {p50:.2f} ms, p99 {p99:.2f} ms ({accepted / took:.0f}/s)")
    if event_latencies:
        print(f"progress event worker→WebSocket: p50 {percentile(event_latencies, 0.5) * 1000:.1f} ms, "
              f"p99 {percentile(event_latencies, 0.99) * 1000:.1f} ms over {len(event_latencies)} events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
