#!/usr/bin/env python3
"""Jobs figures on SQLite: no-op jobs enqueue→complete per second, job-creation latency p50/p99
(POST /api/v1/jobs with Idempotency-Key, concurrency 8), and progress-event latency from the
worker to a WebSocket client p50/p99 (event `at` → received, same clock).

Runs a release `atelier serve` with the development processors on a free loopback port and a
throwaway data folder. Python stdlib only (a minimal WebSocket reader is below).
Usage: Benchmarks/jobs.py [--jobs 2000] [--concurrency 8]
"""
import argparse, base64, datetime, http.client, json, os, shutil, socket, struct, sys, tempfile, threading, time, uuid

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


def wait_until_idle(port, token):
    watcher = Client(port, token)
    while True:
        queued = watcher.call("GET", "/api/v1/jobs?state=queued&limit=1")[1]["data"]
        running = watcher.call("GET", "/api/v1/jobs?state=running&limit=1")[1]["data"]
        if not queued and not running:
            return
        time.sleep(0.02)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--progress-jobs", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="standard-queue workers")
    args = parser.parse_args()
    settings = dict(ATELIER_BCRYPT_COST="4", ATELIER_DEV_PROCESSORS="1", ATELIER_FREE_CREDITS="10000000",
                    ATELIER_JOBS_PER_MINUTE="100000000", ATELIER_REQUESTS_PER_MINUTE="100000000",
                    ATELIER_STANDARD_WORKERS=str(args.workers))

    # 1. Worker throughput alone: the queue is filled with workers off, then a server with
    #    workers drains it (the HTTP client cannot then be the limit).
    folder = tempfile.mkdtemp(prefix="atelier-bench-drain-")
    try:
        with running_server(folder=folder, ATELIER_WORKERS="0", **settings) as (_, port, _):
            token = register(port)
            create_jobs(port, token, args.jobs, args.concurrency)
        with running_server(folder=folder, **settings) as (server, port, _):
            started, cpu_started = time.perf_counter(), cpu_seconds(server.pid)
            wait_until_idle(port, token)
            drained, drain_cpu = time.perf_counter() - started, cpu_seconds(server.pid) - cpu_started
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    with running_server(**settings) as (server, port, folder):
        token = register(port)
        # 2. Creation latency, and enqueue→complete with creation and work at once.
        started = time.perf_counter()
        submitted, latencies = create_jobs(port, token, args.jobs, args.concurrency)
        wait_until_idle(port, token)
        completed = time.perf_counter() - started

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

        print(f"machine: {os.cpu_count()} cores; SQLite; {args.workers} standard-queue workers")
        print(f"no-op jobs run by the workers from a full queue: {args.jobs} in {drained:.2f} s: {args.jobs / drained:.0f} jobs/s"
              f" (server CPU {drain_cpu * 1e6 / args.jobs:.0f} µs per job)")
        print(f"no-op jobs: {args.jobs} created in {submitted:.2f} s ({args.jobs / submitted:.0f}/s), "
              f"all complete after {completed:.2f} s: {args.jobs / completed:.0f} jobs/s enqueue→complete")
        print(f"job creation latency: p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms "
              f"(concurrency {args.concurrency})")
        if event_latencies:
            print(f"progress event worker→WebSocket: p50 {percentile(event_latencies, 0.5) * 1000:.1f} ms, "
                  f"p99 {percentile(event_latencies, 0.99) * 1000:.1f} ms over {len(event_latencies)} events")
        return 0


if __name__ == "__main__":
    sys.exit(main())
