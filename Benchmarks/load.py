#!/usr/bin/env python3
"""Load and soak: a mixed workload at 64 connections for 5 minutes against a release
`atelier serve` (SQLite, models loaded, 2,000 seeded listings), then per-endpoint error rate and
p50/p99 latency, and the server's resident memory sampled every 10 s (start, end, peak, and the
trend over the second half, which should be flat).

Each connection is one signed-up user on a keep-alive connection doing, at random: sign in,
upload a photo, keyword+semantic text search, photo search by media id, create a job and follow it
by long-poll to its end, and the cheap reads (jobs, credits, processors).
Usage: Benchmarks/load.py [--seconds 300] [--connections 64]
"""
import argparse, http.client, json, os, random, shutil, subprocess, sys, tempfile, threading, time, uuid

from benchserver import running_server
from search import MODELS, BINARY, make_photo, percentile, rss_mb, seed

QUERIES = ["red leather jacket", "Nike trainers", "linen shirt", "Levi's jeans", "wool coat", "Listing 42", "summer dress"]


class User:
    def __init__(self, port, photos, rng):
        self.port, self.photos, self.rng = port, photos, rng
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.email, self.password = f"load-{uuid.uuid4().hex[:10]}@example.com", "correct horse battery"
        status, body = self.call("POST", "/api/v1/auth/register", {"email": self.email, "password": self.password})
        self.token = body["data"]["access_token"]
        self.media = self.call_raw("POST", "/api/v1/media", photos[0], "image/jpeg")[1]["data"]["id"]

    def call(self, method, path, body=None, headers=None):
        return self.call_raw(method, path, json.dumps(body).encode() if body is not None else None, "application/json", headers)

    def call_raw(self, method, path, payload, content_type, headers=None):
        headers = dict(headers or {})
        if getattr(self, "token", None):
            headers["Authorization"] = f"Bearer {self.token}"
        if payload is not None:
            headers["Content-Type"] = content_type
        try:
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            raise
        return response.status, json.loads(data) if data and data[:1] in b"{[" else {}

    def step(self):
        """One action; returns [(endpoint, status, seconds)]."""
        pick = self.rng.random()
        if pick < 0.05:
            return [self.timed("POST /auth/login", "POST", "/api/v1/auth/login", {"email": self.email, "password": self.password})]
        if pick < 0.15:
            started = time.perf_counter()
            status, _ = self.call_raw("POST", "/api/v1/media", self.rng.choice(self.photos), "image/jpeg")
            return [("POST /media", status, time.perf_counter() - started)]
        if pick < 0.40:
            return [self.timed("GET /search", "GET", "/api/v1/search?q=" + self.rng.choice(QUERIES).replace(" ", "+") + "&limit=20")]
        if pick < 0.50:
            return [self.timed("POST /search/image", "POST", "/api/v1/search/image", {"media_id": self.media, "limit": 20})]
        if pick < 0.65:
            created = self.timed("POST /jobs", "POST", "/api/v1/jobs", {"processor": "dev.sleep", "params": {"ms": 500}},
                                 {"Idempotency-Key": str(uuid.uuid4())})
            results = [created[:3]]
            job = created[3].get("data", {})
            deadline = time.monotonic() + 60
            while created[1] == 202 and job.get("state") not in ("succeeded", "failed", "canceled") and time.monotonic() < deadline:
                polled = self.timed("GET /jobs/{id}?wait (progress)", "GET", f"/api/v1/jobs/{job['id']}?wait=5")
                results.append(polled[:3])
                job = polled[3].get("data", job)
            return results
        path = self.rng.choice(["/api/v1/jobs?limit=20", "/api/v1/credits", "/api/v1/processors"])
        return [self.timed("GET " + path.split("?")[0].replace("/api/v1", ""), "GET", path)]

    def timed(self, name, method, path, body=None, headers=None):
        started = time.perf_counter()
        status, data = self.call(method, path, body, headers)
        return (name, status, time.perf_counter() - started, data)


def soak(port, photos, connections, seconds, pid):
    results, lock, stop = [], threading.Lock(), threading.Event()
    users = [User(port, photos, random.Random(i)) for i in range(connections)]

    def drive(user):
        while not stop.is_set():
            try:
                done = user.step()
            except (OSError, http.client.HTTPException) as error:
                done = [("connection error", type(error).__name__, 0)]
            with lock:
                results.extend(item[:3] for item in done)

    memory = [(0, rss_mb(pid))]
    threads = [threading.Thread(target=drive, args=(user,)) for user in users]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while time.monotonic() - started < seconds:
        time.sleep(10)
        memory.append((time.monotonic() - started, rss_mb(pid)))
    stop.set()
    for thread in threads:
        thread.join()
    return results, memory, time.monotonic() - started


def report(results, memory, elapsed, connections):
    by_endpoint = {}
    for name, status, seconds in results:
        by_endpoint.setdefault(name, []).append((status, seconds))
    total = len(results)
    errors = sum(1 for _, status, _ in results if not isinstance(status, int) or status >= 500)
    print(f"machine: {os.cpu_count()} cores; {connections} connections for {elapsed:.0f} s; {total} requests "
          f"({total / elapsed:.0f}/s); server errors (5xx or dropped): {errors} ({100 * errors / max(total, 1):.2f} %)")
    print(f"{'endpoint':34} {'requests':>8} {'non-2xx':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, rows in sorted(by_endpoint.items()):
        times = [s for _, s in rows]
        bad = sum(1 for status, _ in rows if not isinstance(status, int) or not 200 <= status < 300)
        print(f"{name:34} {len(rows):8d} {bad:8d} {percentile(times, 0.5) * 1000:8.0f} {percentile(times, 0.99) * 1000:8.0f}")
    second_half = [(t, m) for t, m in memory if t >= elapsed / 2]
    slope = 0.0
    if len(second_half) >= 2:
        mean_t = sum(t for t, _ in second_half) / len(second_half)
        mean_m = sum(m for _, m in second_half) / len(second_half)
        slope = sum((t - mean_t) * (m - mean_m) for t, m in second_half) / max(sum((t - mean_t) ** 2 for t, _ in second_half), 1e-9)
    print(f"resident memory: start {memory[0][1]:.0f} MB, end {memory[-1][1]:.0f} MB, peak {max(m for _, m in memory):.0f} MB; "
          f"second-half trend {slope * 60:+.1f} MB/min")
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--listings", type=int, default=2000)
    args = parser.parse_args()
    if not os.path.exists(os.path.join(MODELS, "models")):
        subprocess.run([BINARY, "models", "fetch", "--data-dir", MODELS], check=True)
    folder = tempfile.mkdtemp(prefix="atelier-bench-load-")
    try:
        os.symlink(os.path.join(MODELS, "models"), os.path.join(folder, "models"))
        settings = dict(ATELIER_BCRYPT_COST="4", ATELIER_REQUESTS_PER_MINUTE="100000000", ATELIER_JOBS_PER_MINUTE="100000000",
                        ATELIER_DEV_PROCESSORS="1", ATELIER_FREE_CREDITS="1000000")
        with running_server(folder=folder, ATELIER_WORKERS="0", **settings):
            pass  # migrations
        seed(folder, args.listings)
        photos = []
        for i in range(8):
            shot = os.path.join(folder, f"shot-{i}")
            os.makedirs(shot)
            photos.append(make_photo(shot))
        with running_server(folder=folder, **settings) as (server, port, _):
            results, memory, elapsed = soak(port, photos, args.connections, args.seconds, server.pid)
        errors = report(results, memory, elapsed, args.connections)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
