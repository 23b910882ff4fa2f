"""The real servers the benchmarks talk to: uvicorn with 2 workers on a free port (ASGI),
or, to compare, gunicorn with 2 WSGI workers for plain HTTP (``BENCH_HTTP=wsgi``)."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def uvicorn(
    env: dict[str, str], *options: str, processes: list | None = None, log=None, workers: int = 2
):
    """Start uvicorn (settings from the environment plus ``env``), yield ``host:port``, stop it.

    ``processes``, when given, receives the supervisor's ``Popen`` (to find its workers);
    ``log`` receives the server's stderr; ``workers`` is uvicorn's ``--workers``.
    """
    port = free_port()
    env = {**env, **same_database_on_replica(env)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--lifespan",
            "off",
            "--timeout-keep-alive",
            "60",
            *options,
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DJANGO_DEBUG": "false",
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=log if log is not None else subprocess.DEVNULL,
    )
    if processes is not None:
        processes.append(server)
    try:
        for _ in range(600):  # up to a minute: a loaded machine imports Django slowly
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def gunicorn_available() -> bool:
    """gunicorn is not a dependency: the WSGI comparison runs only where it can be imported
    (e.g. ``PYTHONPATH`` pointing at an unpacked wheel, kept out of the shared venv)."""
    import importlib.util

    return importlib.util.find_spec("gunicorn") is not None


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, threads: int = 4):
    """Plain HTTP through WSGI: gunicorn, 2 workers of ``threads`` threads each (gthread)."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--keep-alive",
            "60",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DJANGO_DEBUG": "false",
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def same_database_on_replica(env: dict[str, str]) -> dict[str, str]:
    """``DATABASE_REPLICA_URL`` naming the same database as ``env["DATABASE_URL"]``.

    A streaming replica copies every database of the primary; a caller that points the
    server at another database (the test database) must not leave the inherited replica URL
    naming the first one. Empty when there is no replica or nothing to change.
    """
    from urllib.parse import urlsplit

    replica = env.get("DATABASE_REPLICA_URL", os.environ.get("DATABASE_REPLICA_URL", ""))
    if not replica or "DATABASE_URL" not in env:
        return {}
    host, name = urlsplit(replica).netloc, urlsplit(env["DATABASE_URL"]).path
    return {"DATABASE_REPLICA_URL": f"postgres://{host}{name}"}


def worker_pids(supervisor_pid: int) -> list[int]:
    """The worker processes uvicorn's supervisor has spawned (read from /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == supervisor_pid and b"spawn_main" in cmdline:
            pids.append(int(entry.name))
    return sorted(pids)


@contextlib.contextmanager
def redis_server():
    """A Redis of our own on a free port (so that stopping it harms nobody else); yields its URL
    and a function that stops it."""
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def stop() -> None:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)

    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0", stop
    finally:
        stop()


def cpu_seconds(pids) -> float:
    """CPU time (user + system, all threads) the processes ``pids`` have used so far,
    with that of their children that have exited (a PostgreSQL backend that ended is
    counted in its postmaster's)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / tick


def server_pids(supervisor_pid: int | None) -> list[int]:
    """uvicorn (the supervisor and its workers) and, when ``.ci/services.sh`` started them
    (CUOCTHI_SERVICES_DIR), PostgreSQL (the primary's postmaster and backends) and Redis."""
    pids = [] if supervisor_pid is None else [supervisor_pid, *children(supervisor_pid)]
    work = os.environ.get("CUOCTHI_SERVICES_DIR")
    if not work:
        return pids
    with contextlib.suppress(OSError, ValueError, IndexError):
        postmaster = int(Path(work, "pg", "postmaster.pid").read_text().split()[0])
        pids += [postmaster, *children(postmaster)]
    with contextlib.suppress(OSError, ValueError):
        pids.append(int(Path(work, "redis.pid").read_text().strip()))
    return pids


def children(parent: int) -> list[int]:
    """The processes whose parent is ``parent`` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append(int(entry.name))
    return found
