#!/usr/bin/env python3
"""Crash loop: a steady job load while `atelier serve` is killed with SIGKILL at random moments
(10 times by default) and restarted on the same data folder; then the books are checked.

The load: job creations (dev.sleep, some failing for good, some retrying, and image.enhance on an
uploaded photo, which writes new media) from four threads, each request with its own
Idempotency-Key and retried with that same key until the server answers — the way AtelierKit
retries — so a job the server accepted but whose answer was lost in the crash is not created
twice. Afterwards, with the server stopped, the SQLite database and blob folder are read directly:

- every job the clients saw accepted exists and is terminal (none lost);
- no job ended twice (one terminal event each) nor was charged twice or refunded twice;
- the ledger's sum equals the balances, and no balance is negative;
- no blob file without a media variant pointing at it once `atelier media sweep` has run (what
  the workers do hourly: a crash between writing an upload's blobs and recording them leaves some);
- no idempotency record naming a job that does not exist.

Exits 1 on any violation. With --postgres: a throwaway PostgreSQL (scripts/postgres-server.py), an
API process without workers and an `atelier worker` process; each kill picks one of the two at
random. Usage: Benchmarks/chaos.py [--kills 10] [--seed N] [--postgres]
"""
import argparse, json, os, random, sqlite3, subprocess, sys, tempfile, threading, time, uuid, http.client

from benchserver import BINARY, ROOT, free_port, wait_healthy

TERMINAL = {"succeeded", "failed", "canceled"}


class Server:
    """The release binary on a fixed port and folder, restartable after a kill. On PostgreSQL the
    API process runs no workers and a separate `atelier worker` process does the jobs."""

    def __init__(self, folder, port, database_url=None):
        self.folder, self.port, self.process, self.worker = folder, port, None, None
        self.env = dict(os.environ, ATELIER_LOG_LEVEL="error", ATELIER_DEV_PROCESSORS="1", ATELIER_JOB_LEASE_SECONDS="3",
                        ATELIER_FREE_CREDITS="100000", ATELIER_JOBS_PER_MINUTE="1000000",
                        ATELIER_REQUESTS_PER_MINUTE="10000000", ATELIER_STANDARD_WORKERS="2", ATELIER_BCRYPT_COST="4",
                        ATELIER_JOB_RETRY_BASE_MILLISECONDS="100")
        self.env.pop("ATELIER_BLOB_URL", None)
        self.env.pop("ATELIER_DATABASE_URL", None)
        if database_url:
            self.env["ATELIER_DATABASE_URL"] = database_url

    @property
    def postgres(self):
        return "ATELIER_DATABASE_URL" in self.env

    def start(self):
        extra = ["--no-workers"] if self.postgres else []
        self.process = subprocess.Popen([BINARY, "serve", "--port", str(self.port), "--data-dir", self.folder, *extra],
                                        env=self.env, stdout=subprocess.DEVNULL)
        wait_healthy(self.port)

    def start_worker(self):
        self.worker = subprocess.Popen([BINARY, "worker", "--data-dir", self.folder], env=self.env, stdout=subprocess.DEVNULL)

    def kill(self, process=None):
        process = process or self.process
        process.kill()
        process.wait()

    def stop(self):
        for process in (self.process, self.worker):
            if process and process.poll() is None:
                process.terminate()
                process.wait(timeout=60)


class Psql:
    """The audit's queries through the psql client, for a PostgreSQL run (sqlite3's interface)."""

    def __init__(self, url):
        self.url = url

    def execute(self, sql):
        out = subprocess.run(["psql", self.url, "-AtX", "-F", "\t", "-c", sql], check=True, capture_output=True, text=True).stdout
        rows = [tuple(int(v) if v.lstrip("-").isdigit() else v for v in line.split("\t")) for line in out.splitlines()]
        return Rows(rows)


class Rows(list):
    def fetchall(self):
        return list(self)

    def fetchone(self):
        return self[0] if self else None


def call(port, method, path, token=None, body=None, headers=None, raw=None, content_type=None):
    """One request on a fresh connection; raises OSError (and friends) while the server is down."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = raw
    if body is not None:
        payload = json.dumps(body)
        headers["Content-Type"] = "application/json"
    elif content_type:
        headers["Content-Type"] = content_type
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        body = json.loads(response.read() or b"{}")
        return response.status, body.get("data", body)  # the envelope's data, or its error
    finally:
        conn.close()


RETRIED = []  # requests that had to be sent again (the server died under them)


def until_answered(port, *args, **kwargs):
    """Retries through crashes and restarts (same request, same Idempotency-Key)."""
    deadline = time.monotonic() + 120
    tries = 0
    while True:
        tries += 1
        try:
            status, body = call(port, *args, **kwargs)
            if status < 500 and status != 409:  # 409: the same key still in flight in the dead process
                if tries > 1:
                    RETRIED.append(args[1])
                return status, body
        except (OSError, http.client.HTTPException):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"no answer to {args[:2]} for 2 minutes")
        time.sleep(0.2)


def load(port, token, media_id, accepted, stop, errors, rng):
    while not stop.is_set():
        pick = rng.random()
        if pick < 0.15:
            request = {"processor": "image.enhance", "media_ids": [media_id], "params": {"strength": round(rng.uniform(0.2, 1), 2)}}
        elif pick < 0.25:
            request = {"processor": "dev.sleep", "params": {"ms": 50, "fail": True}}
        elif pick < 0.35:
            request = {"processor": "dev.sleep", "params": {"ms": 50, "retry": True}}
        else:
            request = {"processor": "dev.sleep", "params": {"ms": rng.randint(20, 400)}}
        status, body = until_answered(port, "POST", "/api/v1/jobs", token, request, {"Idempotency-Key": str(uuid.uuid4())})
        if status == 202:
            accepted.append(body["id"])
        else:
            errors.append((status, body.get("error", {}).get("code")))
        time.sleep(rng.uniform(0, 0.05))


def photo():
    path = os.path.join(tempfile.mkdtemp(prefix="atelier-chaos-"), "photo.jpg")
    subprocess.run(["vips", "gaussnoise", path, "800", "600"], check=True)
    with open(path, "rb") as f:
        return f.read()


def wait_terminal(port, token, ids):
    deadline = time.monotonic() + 300
    pending = list(ids)
    while pending and time.monotonic() < deadline:
        status, job = until_answered(port, "GET", f"/api/v1/jobs/{pending[-1]}?wait=5", token)
        if status == 200 and job.get("state") in TERMINAL:
            pending.pop()
    return pending


def audit(folder, accepted, database_url=None):
    db = Psql(database_url) if database_url else sqlite3.connect(os.path.join(folder, "atelier.sqlite"))
    one = lambda sql: db.execute(sql).fetchone()[0]
    states = dict(db.execute("SELECT id, state FROM jobs").fetchall())
    ends = db.execute("""SELECT job_id, COUNT(*) FROM job_events WHERE snapshot LIKE '%"state":"succeeded"%'
                         OR snapshot LIKE '%"state":"failed"%' OR snapshot LIKE '%"state":"canceled"%' GROUP BY job_id""").fetchall()
    keys = {row[0] for row in db.execute("SELECT blob_key FROM media_variants")}
    blob_root = os.path.join(folder, "blobs")
    files = {os.path.relpath(os.path.join(d, f), blob_root) for d, _, fs in os.walk(blob_root) for f in fs if not f.startswith(".")}
    replayed = [json.loads(row[0])["data"]["id"] for row in db.execute("SELECT body FROM idempotency_keys WHERE status = 202")]
    checks = {
        "accepted jobs missing": sum(1 for i in accepted if i not in states),
        "accepted jobs not terminal": sum(1 for i in accepted if states.get(i) not in TERMINAL),
        "jobs not terminal (any)": sum(1 for s in states.values() if s not in TERMINAL),
        "jobs that ended twice": sum(1 for _, n in ends if n > 1),
        "jobs charged more than once": one("SELECT COUNT(*) FROM (SELECT job_id FROM credit_ledger WHERE reason = 'job' GROUP BY job_id HAVING COUNT(*) > 1)"),
        "jobs refunded more than once": one("SELECT COUNT(*) FROM (SELECT job_id FROM credit_ledger WHERE delta > 0 AND job_id IS NOT NULL GROUP BY job_id HAVING COUNT(*) > 1)"),
        "succeeded jobs refunded": one("""SELECT COUNT(*) FROM credit_ledger l JOIN jobs j ON j.id = l.job_id
                                           WHERE l.delta > 0 AND j.state = 'succeeded'"""),
        "ledger minus balances": one("SELECT COALESCE((SELECT SUM(delta) FROM credit_ledger), 0) - COALESCE((SELECT SUM(balance) FROM credit_balances), 0)"),
        "negative balances": one("SELECT COUNT(*) FROM credit_balances WHERE balance < 0"),
        "orphaned blob files": len(files - keys),
        "variants without a blob file": len(keys - files),
        "idempotency records naming a missing job": sum(1 for i in replayed if i not in states),
    }
    counts = dict(db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall())
    return checks, counts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL, an API and a worker process")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if not os.path.exists(BINARY):
        subprocess.run(["swift", "build", "-c", "release", "--product", "atelier"], cwd=ROOT, check=True)
    folder = tempfile.mkdtemp(prefix="atelier-chaos-")
    postgres = None
    try:
        database_url = None
        if args.postgres:
            env_file = os.path.join(folder, "postgres.env")
            postgres = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", "postgres-server.py"), "--env-file", env_file])
            while not os.path.exists(env_file) or not os.path.getsize(env_file):
                if postgres.poll() is not None:
                    sys.exit("chaos: PostgreSQL did not start")
                time.sleep(0.5)
            database_url = open(env_file).read().split("=", 1)[1].strip().strip("'")
        server = Server(folder, free_port(), database_url)
        server.start()
        if server.postgres:
            server.start_worker()
        try:
            run(args, rng, server, folder)
        finally:
            for process in (server.process, server.worker):
                if process and process.poll() is None:
                    server.kill(process)
    finally:
        if postgres:
            postgres.terminate()
            postgres.wait()


def run(args, rng, server, folder):
    email = f"chaos-{uuid.uuid4().hex[:8]}@example.com"
    _, session = call(server.port, "POST", "/api/v1/auth/register", body={"email": email, "password": "correct horse battery"})
    token = session["access_token"]
    _, media = call(server.port, "POST", "/api/v1/media", token, raw=photo(), content_type="image/jpeg")
    accepted, errors, stop = [], [], threading.Event()
    threads = [threading.Thread(target=load, args=(server.port, token, media["id"], accepted, stop, errors, random.Random(rng.random())))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    for kill in range(args.kills):
        time.sleep(rng.uniform(0.5, 4))
        victim = "worker" if server.postgres and rng.random() < 0.5 else "server"
        server.kill(server.worker if victim == "worker" else server.process)
        print(f"kill -9 #{kill + 1} ({victim}) at {time.monotonic() - started:.1f} s, {len(accepted)} jobs accepted so far", flush=True)
        time.sleep(rng.uniform(0, 1))
        server.start_worker() if victim == "worker" else server.start()
    time.sleep(2)
    stop.set()
    for thread in threads:
        thread.join()
    pending = wait_terminal(server.port, token, accepted)
    server.stop()
    database_url = server.env.get("ATELIER_DATABASE_URL")
    orphans_before_sweep = audit(folder, accepted, database_url)[0]["orphaned blob files"]
    # What the workers' hourly sweep does, at once (the crashes were seconds ago, not an hour).
    subprocess.run([BINARY, "media", "sweep", "--older-than-minutes", "0", "--data-dir", folder], env=server.env, check=True)
    checks, counts = audit(folder, accepted, database_url)
    print(f"machine: {os.cpu_count()} cores; {'PostgreSQL, an API and a worker process' if database_url else 'SQLite'}; "
          f"seed {args.seed}; {args.kills} kills in {time.monotonic() - started:.0f} s")
    print(f"jobs accepted: {len(accepted)} ({', '.join(f'{n} {s}' for s, n in sorted(counts.items()))}); "
          f"refused: {len(errors)} {sorted(set(errors))[:5]}; still pending after 5 min: {len(pending)}")
    print(f"blobs orphaned by the crashes before `atelier media sweep`: {orphans_before_sweep}")
    print(f"requests sent again after a crash (same Idempotency-Key): {sum(1 for p in RETRIED if p == '/api/v1/jobs')}")
    for name, value in checks.items():
        if value:
            print(f"  BAD {name}: {value}")
    print(f"audit: {sum(1 for v in checks.values() if v == 0)} of {len(checks)} checks ok")
    bad = any(checks.values()) or pending
    print("crash loop: " + ("FAILED" if bad else "nothing lost, nothing done twice"))
    if not bad:
        subprocess.run(["rm", "-rf", folder])
    else:
        print(f"data kept in {folder}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
