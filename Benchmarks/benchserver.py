"""Shared by the benchmarks: the release binary, started on a free loopback port with a
throwaway data folder, and stopped afterwards."""
import contextlib, http.client, os, shutil, socket, subprocess, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# ATELIER_BENCH_BINARY: another build to compare against (say, a copy of an earlier one).
BINARY = os.environ.get("ATELIER_BENCH_BINARY") or os.path.join(ROOT, ".build", "release", "atelier")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(folder=None, **environment):
    """Yields (process, port, data folder) of a started `atelier serve`, ready for requests.
    A given folder is reused and kept; otherwise a throwaway one is made."""
    keep = folder is not None
    if not os.path.exists(BINARY):
        subprocess.run(["swift", "build", "-c", "release", "--product", "atelier"], cwd=ROOT, check=True)
    folder = folder or tempfile.mkdtemp(prefix="atelier-bench-")
    port = free_port()
    env = dict(os.environ, ATELIER_LOG_LEVEL="warning", **environment)
    server = subprocess.Popen([BINARY, "serve", "--port", str(port), "--data-dir", folder], env=env, stdout=subprocess.DEVNULL)
    try:
        wait_healthy(port)
        yield server, port, folder
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def wait_healthy(port, seconds=60):
    """Returns once GET /health answers 200 (the server is listening and its database open)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"atelier on port {port} was not healthy after {seconds} s")
