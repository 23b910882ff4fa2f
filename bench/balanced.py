"""Several app processes behind one address, the way production runs (issue 17, part 5).

The calm burst of bench/burst.py twice in the same run, on the same PostgreSQL and
Redis: first against ONE uvicorn process with one worker (the single-process figure),
then against TWO uvicorn processes, one worker each, on different ports behind haproxy
(Debian's package; installed here when missing and we are root). haproxy's own counters
give each process's share of the requests. Figures: requests/s, errors, p50/p99,
lost/doubled submissions, the share of each process and the ratio to the single process.

The haproxy configuration is the one docs/operators.md gives for production, with the
ports of this run.
"""

import contextlib
import csv
import io
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.load import Client
from bench.server import free_port, uvicorn

RESIDENTS = int(os.environ.get("BALANCED_RESIDENTS", 200))

CONFIG = """\
global
    maxconn 4096
    stats socket {stats_socket} mode 600 level user

defaults
    mode http
    timeout connect 2s
    timeout client 65s
    timeout server 65s
    timeout http-keep-alive 60s
    # Only a connection that could not be made is retried (never a request that reached
    # an app process), on the other process.
    retries 2
    option redispatch

frontend cuocthi
    bind 127.0.0.1:{port}
    option forwardfor
    default_backend app

backend app
    # Requests, not connections, are balanced: the fewest in flight wins.
    balance leastconn
    option httpchk
    http-check send meth GET uri /time/ hdr Host 127.0.0.1
    http-check expect status 200
    # A process busy with a burst answers its check late: give it time before taking it out.
    timeout check 5s
{servers}
"""


def haproxy_binary() -> str | None:
    """The haproxy executable; installs Debian's package first when missing and allowed."""
    if shutil.which("haproxy") is None and os.getuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", "haproxy"]
        if subprocess.run(install, env=env, capture_output=True, check=False).returncode:
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
            subprocess.run(install, env=env, capture_output=True, check=False)
    return shutil.which("haproxy")


@contextlib.contextmanager
def haproxy(backends: list[str], folder: Path, log=None):
    """haproxy on a free port in front of ``backends`` (``host:port``); yields ``host:port``."""
    port = free_port()
    servers = "\n".join(
        f"    server app{n} {backend} check inter 2s fall 3 rise 2"
        for n, backend in enumerate(backends, start=1)
    )
    config = folder / "haproxy.cfg"
    config.write_text(
        CONFIG.format(stats_socket=folder / "haproxy.sock", port=port, servers=servers)
    )
    process = subprocess.Popen(
        [haproxy_binary(), "-f", str(config), "-db"],
        stdout=subprocess.DEVNULL,
        stderr=log if log is not None else subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def requests_per_server(stats_socket: Path) -> dict[str, int]:
    """HTTP requests each server of the ``app`` backend answered (haproxy's ``show stat``)."""
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(stats_socket))
        s.sendall(b"show stat\n")
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    text = b"".join(chunks).decode().lstrip("# ")
    counts = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row["pxname"] == "app" and row["svname"] not in ("BACKEND", "FRONTEND"):
            counts[row["svname"]] = int(row.get("req_tot") or row["stot"] or 0)
    return counts


def _has_replica() -> bool:
    from django.conf import settings

    return "replica" in settings.DATABASES


def public_page_rate(host: str, path: str, seconds: float = 10, concurrency: int = 20) -> dict:
    """GETs of one public page for ``seconds`` with ``concurrency`` in flight (read from
    the replica when ``DATABASE_REPLICA_URL`` is set): requests/s and non-200 answers."""
    import asyncio

    async def load() -> dict:
        done = failed = 0
        stop = time.perf_counter() + seconds
        async with Client(f"http://{host}", concurrency) as c:

            async def visitor() -> None:
                nonlocal done, failed
                while time.perf_counter() < stop:
                    response = await c.get(path)
                    done += 1
                    failed += response.status_code != 200

            started = time.perf_counter()
            await asyncio.gather(*(visitor() for _ in range(concurrency)))
            return {"per_s": done / (time.perf_counter() - started), "failed": failed}

    return asyncio.run(load())


def run(report) -> None:
    from django.db import connection

    from bench.burst import phase

    if haproxy_binary() is None:
        print("bench: balanced: skipped (haproxy is not installed: apt-get install haproxy)")
        return
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    folder = Path(tempfile.mkdtemp(prefix="cuocthi-haproxy-"))
    with (folder / "servers.log").open("w") as log:

        @contextlib.contextmanager
        def one_process(env, processes=None, log=None):
            with uvicorn(env, processes=processes, log=log, workers=1) as host:
                yield host

        @contextlib.contextmanager
        def two_behind_haproxy(env, processes=None, log=None):
            with contextlib.ExitStack() as stack:
                backends = [
                    stack.enter_context(uvicorn(env, processes=processes, log=log, workers=1))
                    for _ in range(2)
                ]
                yield stack.enter_context(haproxy(backends, folder, log))

        single = phase(
            slug="bench-single",
            database_url=database_url,
            residents=RESIDENTS,
            phone_prefix="091",
            serve=one_process,
            measure=lambda host: public_page_rate(host, "/contests/bench-single/"),
            log=log,
        )
        balanced = phase(
            slug="bench-balanced",
            database_url=database_url,
            residents=RESIDENTS,
            phone_prefix="092",
            serve=two_behind_haproxy,
            measure=lambda host: (
                requests_per_server(folder / "haproxy.sock"),
                public_page_rate(host, "/contests/bench-balanced/"),
            ),
            log=log,
        )
    # haproxy says on stderr when a health check took a process out (its 503s come from that).
    downs = (folder / "servers.log").read_text(errors="replace").count(" is DOWN")
    print(f"# haproxy: a process taken out by its health check {downs} times", flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    for name, figures in (("single_process", single), ("haproxy_2_processes", balanced)):
        report(f"{name}_per_s", figures["requests"] / figures["seconds"], "req/s")
        report(f"{name}_requests", figures["requests"], "requests")
        report(f"{name}_errors", figures["errors"], "errors")
        report(f"{name}_server_errors", figures["server_errors"], "responses")
        report(f"{name}_p50", figures["p50_ms"], "ms")
        report(f"{name}_p99", figures["p99_ms"], "ms")
        report(f"{name}_lost", figures["lost"], "submissions")
        report(f"{name}_doubled", figures["doubled"], "submissions")
    for name, figures in (("single_process", single), ("haproxy_2_processes", balanced)):
        retried = Counter(line.rsplit(": ", 1)[-1][:40] for line in figures["log"])
        print(f"# {name}: retried or refused: {dict(retried) or 'none'}", flush=True)
    replica = "replica" if _has_replica() else "primary"
    for name, rate in (
        ("single_process", single["measured"]),
        ("haproxy_2_processes", balanced["measured"][1]),
    ):
        report(f"{name}_contest_page_per_s_from_{replica}", rate["per_s"], "req/s")
        report(f"{name}_contest_page_failed", rate["failed"], "responses")
    shares = balanced["measured"][0]
    total = sum(shares.values()) or 1
    for server, count in sorted(shares.items()):
        report(f"haproxy_share_{server}", 100 * count / total, "% of requests")
    report(
        "haproxy_2_processes_vs_single",
        (balanced["requests"] / balanced["seconds"]) / (single["requests"] / single["seconds"]),
        "x",
    )
