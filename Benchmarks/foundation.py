#!/usr/bin/env python3
"""Foundation figures: 12-megapixel JPEG uploads (throughput at concurrency 8, p50/p99), GET /health
requests/s at 64 connections (wrk), and resident memory idle, after 1,000 uploads and after settling.

Runs a release `atelier serve` on a free loopback port with a throwaway data folder. Python stdlib
only; needs `vips` (libvips-tools) to make the test photo and `wrk` for the health figure.
Usage: Benchmarks/foundation.py [--uploads 1000] [--concurrency 8]
"""
import argparse, http.client, json, os, random, subprocess, sys, threading, time

from benchserver import running_server


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def make_photo(folder):
    """A 4000×3000 (12 MP) colour JPEG at quality 90 of about 4.4 MB, like a phone photo: softened
    noise per channel, so it costs what real detail costs to decode (flat colour would flatter us)."""
    path = os.path.join(folder, "photo.jpg")
    bands = []
    for name in "rgb":
        noise, soft = os.path.join(folder, f"noise-{name}.v"), os.path.join(folder, f"soft-{name}.v")
        subprocess.run(["vips", "gaussnoise", noise, "4000", "3000", "--sigma", "40", "--mean", "128"], check=True)
        subprocess.run(["vips", "gaussblur", noise, soft, "1.5"], check=True)
        bands.append(soft)
    subprocess.run(["vips", "bandjoin", " ".join(bands), os.path.join(folder, "rgb.v")], check=True)
    subprocess.run(["vips", "cast", os.path.join(folder, "rgb.v"), os.path.join(folder, "rgb8.v"), "uchar"], check=True)
    subprocess.run(["vips", "copy", os.path.join(folder, "rgb8.v"), path + "[Q=90]"], check=True)
    with open(path, "rb") as f:
        return f.read()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--uploads", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--health-seconds", type=int, default=10)
    args = parser.parse_args()

    with running_server(ATELIER_BCRYPT_COST="10") as (server, port, folder):
        idle = rss_mb(server.pid)

        photo = make_photo(folder)
        status, body = request(port, "POST", "/api/v1/auth/register",
                               json.dumps({"email": "bench@example.com", "password": "benchmark password"}),
                               {"Content-Type": "application/json"})
        assert status == 201, body
        token = json.loads(body)["data"]["access_token"]

        latencies, errors, lock = [], [], threading.Lock()

        def worker():
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                # Bytes after the JPEG end marker make every upload new (no duplicate shortcut).
                data = photo + random.randbytes(16)
                start = time.perf_counter()
                status, _ = request(port, "POST", "/api/v1/media", data,
                                    {"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"})
                elapsed = time.perf_counter() - start
                with lock:
                    (latencies if status == 201 else errors).append(elapsed if status == 201 else status)

        # Two halves, memory read after each once the server has settled: equal readings mean
        # no growth with the number of uploads.
        wall, settled = 0.0, []
        for half in (args.uploads // 2, args.uploads - args.uploads // 2):
            counter = iter(range(half))
            started = time.perf_counter()
            threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall += time.perf_counter() - started
            time.sleep(10)
            settled.append(rss_mb(server.pid))

        wrk = subprocess.run(["wrk", "-t2", "-c64", f"-d{args.health_seconds}s", f"http://127.0.0.1:{port}/health"],
                             capture_output=True, text=True)
        health_rps = next((line.split()[1] for line in wrk.stdout.splitlines() if line.startswith("Requests/sec")), "n/a")

        latencies.sort()
        p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
        print(f"machine: {os.cpu_count()} cores; photo {len(photo) / 1e6:.1f} MB, 4000x3000 JPEG")
        print(f"uploads: {len(latencies)} ok, {len(errors)} failed {sorted(set(errors))}, concurrency {args.concurrency}")
        print(f"upload throughput: {len(latencies) / wall:.1f} uploads/s")
        print(f"upload latency: p50 {p(0.50):.0f} ms, p99 {p(0.99):.0f} ms")
        print(f"GET /health: {health_rps} requests/s at 64 connections (wrk, {args.health_seconds} s)")
        print(f"resident memory: idle {idle:.1f} MB; 10 s after {args.uploads // 2} uploads {settled[0]:.1f} MB; "
              f"10 s after {args.uploads} uploads {settled[1]:.1f} MB")
        return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
