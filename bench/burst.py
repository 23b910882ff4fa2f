"""A burst of residents at the deadline, through the real ASGI server (issue 14).

uvicorn with 2 workers, PostgreSQL at its default ``max_connections`` (100) and
Redis. BURST_RESIDENTS residents (default 200) each start an attempt, answer
five questions, correct the first answer and submit, with BURST_CONCURRENCY
requests in flight. A resident behaves as the attempt page does: a request that
fails (connection lost, 5xx, 429) is sent again with the same id, so a retry
must never count twice.

Two phases: a calm one (0 errors, 0 retries expected), and one in which one
worker is killed with SIGKILL after a third of the residents have finished and
Redis is stopped at half-way. Afterwards the database is checked: one attempt
per resident, submitted, holding exactly the answers the resident was told were
saved, and a score that agrees with them (``attempts_disagreeing``); and a
sign-in must still work. Figures: requests, errors, retries, p50/p99 latency,
PostgreSQL connections at peak (``pg_stat_activity``), lost, doubled, answers
lost, scores disagreeing.
"""

import asyncio
import os
import secrets
import signal
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bench.load import Client, TransportError
from bench.server import redis_server, uvicorn, worker_pids
from bench.submit import _prepare, percentile

RESIDENTS = int(os.environ.get("BURST_RESIDENTS", 200))
CONCURRENCY = int(os.environ.get("BURST_CONCURRENCY", 40))
POSITIONS = int(os.environ.get("BURST_ANSWERS", 5))  # answers per resident, then a correction
RETRIES = 12


@dataclass
class Outcome:
    requests: int = 0
    errors: int = 0  # answers a phone could not accept (4xx), or retries exhausted
    retries: int = 0  # connection lost, 5xx or 429: sent again, as the page does
    server_errors: int = 0
    latencies: list[float] = field(default_factory=list)
    expected: dict[str, dict[int, str]] = field(default_factory=dict)  # attempt → answers
    finished: int = 0
    peak_connections: int = 0
    log: list[str] = field(default_factory=list)


class ConnectionSampler(threading.Thread):
    """Polls pg_stat_activity for client connections to the database (less its own)."""

    def __init__(self, database_url: str):
        super().__init__(daemon=True)
        self.url, self.peak, self.done = database_url, 0, threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.done.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND backend_type = 'client backend'"
                ).fetchone()
                self.peak = max(self.peak, row[0] - 1)
                time.sleep(0.05)

    def stop(self) -> int:
        self.done.set()
        self.join(timeout=5)
        return self.peak


async def _burst(host: str, slug: str, sessions: list[str], chaos, positions: int) -> Outcome:
    outcome = Outcome()
    csrf = secrets.token_hex(16)
    gate = asyncio.Semaphore(CONCURRENCY)
    keys = iter(range(10**12, 10**13))
    async with Client(f"http://{host}", CONCURRENCY) as client:

        async def call(session: str, method: str, url: str, ok, **kwargs):
            headers = {
                "Cookie": f"sessionid={session}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Referer": f"http://{host}/",
            }
            for attempt in range(RETRIES):
                async with gate:
                    started = time.perf_counter()
                    try:
                        response = await client.request(method, url, headers=headers, **kwargs)
                    except TransportError as error:
                        outcome.retries += 1
                        outcome.log.append(f"{url}: {type(error).__name__}")
                        response = None
                    else:
                        outcome.latencies.append(time.perf_counter() - started)
                        outcome.requests += 1
                if response is not None:
                    if ok(response):
                        return response
                    if response.status_code < 500 and response.status_code != 429:
                        outcome.errors += 1
                        outcome.log.append(f"{url}: {response.status_code} {response.text[:200]}")
                        return None
                    outcome.retries += 1
                    outcome.server_errors += response.status_code >= 500
                    outcome.log.append(f"{url}: {response.status_code}")
                await asyncio.sleep(min(2.0, 0.2 * (attempt + 1)))
            outcome.errors += 1
            return None

        async def resident(index: int, session: str) -> None:
            started = await call(
                session,
                "POST",
                f"/contests/{slug}/start/",
                lambda r: r.status_code == 302 and "/attempts/" in r.headers["location"],
            )
            if started is None:
                return
            attempt = started.headers["location"].rstrip("/").split("/")[-1]
            answers: dict[int, str] = {}
            seqs: dict[int, int] = {}

            async def save(position: int, letter: str) -> bool:
                body = {
                    "position": position,
                    "answer": letter,
                    "seq": next(keys),
                    "base": seqs.get(position, 0),
                }
                saved = await call(
                    session,
                    "POST",
                    f"/attempts/{attempt}/answer/",
                    lambda r: r.status_code == 200,
                    json=body,
                )
                if saved is None:
                    return False
                answers[position], seqs[position] = letter, saved.json()["seq"]
                return True

            for position in range(1, positions + 1):
                await save(position, "ABCD"[(index + position) % 4])
            await save(1, "ABCD"[(index + 3) % 4])  # a correction of the first answer
            done = await call(
                session,
                "POST",
                f"/attempts/{attempt}/submit/",
                lambda r: r.status_code == 302 and r.headers["location"].endswith("/receipt/"),
                data={"submit_key": f"k{index}", "prediction": "8123"},
            )
            if done is not None:
                outcome.expected[attempt] = answers
            outcome.finished += 1

        async def watch() -> None:
            for at, act in sorted(chaos or [], key=lambda c: c[0]):
                while outcome.finished < at * len(sessions):
                    await asyncio.sleep(0.02)
                outcome.log.append(await asyncio.to_thread(act))

        watcher = asyncio.create_task(watch())
        await asyncio.gather(*(resident(i, s) for i, s in enumerate(sessions)))
        watcher.cancel()
    return outcome


def sign_in(host: str, phone: str, password: str) -> int:
    """Sign in through the login form as a browser does; returns the status (302 = signed in)."""
    import httpx

    with httpx.Client(base_url=f"http://{host}", timeout=30) as client:
        client.get("/accounts/login/")
        token = client.cookies.get("csrftoken", "")
        response = client.post(
            "/accounts/login/",
            data={"login": phone, "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": f"http://{host}/accounts/login/"},
        )
        if "sessionid" not in client.cookies:
            import re

            errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', response.text)
            print(f"burst: sign-in refused: {response.status_code} {errors[:3]}", flush=True)
            return -response.status_code
        return response.status_code


def check(slug: str, outcome: Outcome, residents: int) -> dict[str, int]:
    """What the database holds after the burst, against what the residents were told."""
    from django.db.models import Count, Q

    from contest.grading import attempts_disagreeing
    from contest.models import Attempt, AttemptQuestion, Contest

    contest = Contest.objects.get(slug=slug)
    rows = list(
        Attempt.objects.filter(contest=contest)
        .values("user")
        .annotate(n=Count("pk"), submitted=Count("pk", filter=Q(status="submitted")))
    )
    stored: dict[str, dict[int, str]] = {}
    for attempt_id, position, answer in AttemptQuestion.objects.filter(
        attempt__contest=contest
    ).values_list("attempt_id", "position", "answer"):
        if answer:
            stored.setdefault(str(attempt_id), {})[position] = answer
    answers_lost = sum(
        1
        for attempt, answers in outcome.expected.items()
        for position, letter in answers.items()
        if stored.get(attempt, {}).get(position) != letter
    )
    answers_extra = sum(
        1
        for attempt, answers in stored.items()
        for position in answers
        if position not in outcome.expected.get(attempt, {})
    )
    return {
        "lost": residents - sum(1 for r in rows if r["submitted"] == 1),
        "doubled": sum(1 for r in rows if r["n"] > 1),
        "answers_lost": answers_lost + answers_extra,
        "disagreeing": len(attempts_disagreeing(contest=contest)),
    }


def phase(
    *,
    slug: str,
    database_url: str,
    residents: int = RESIDENTS,
    phone_prefix: str = "051",
    chaos: bool = False,
    positions: int = POSITIONS,
    signer: tuple[str, str] | None = None,
    log=None,
    serve=uvicorn,
    measure=None,
) -> dict:
    """Prepare ``residents``, run the burst (with chaos: a worker killed, Redis stopped), check.

    ``serve(env, processes=, log=)`` is the context manager that runs the app and yields
    its ``host:port`` (default: uvicorn with 2 workers); ``measure(host)``, when given, is
    called after the burst and its answer returned as ``measured``. Returns the figures;
    ``signed_in`` is the status of a sign-in made at the end.
    """
    from django.db import connection

    sessions = _prepare(slug=slug, participants=residents, phone_prefix=phone_prefix)
    connection.close()
    with redis_server() as (redis_url, stop_redis):
        processes: list = []
        env = {"REDIS_URL": redis_url, "DATABASE_URL": database_url, "ATTEMPT_SWEEP_SECONDS": "30"}
        with serve(env, processes=processes, log=log) as host:
            actions = []
            if chaos:

                def kill_worker() -> str:
                    pids = worker_pids(processes[0].pid)
                    os.kill(pids[0], signal.SIGKILL)
                    return f"chaos: worker {pids[0]} killed (of {pids})"

                def redis_down() -> str:
                    stop_redis()
                    return "chaos: Redis stopped"

                actions = [(1 / 3, kill_worker), (1 / 2, redis_down)]
            sampler = ConnectionSampler(database_url)
            sampler.start()
            started = time.perf_counter()
            # A thread of its own: the caller may already run an event loop (Playwright).
            with ThreadPoolExecutor(1) as pool:
                outcome = pool.submit(
                    asyncio.run, _burst(host, slug, sessions, actions, positions)
                ).result()
            elapsed = time.perf_counter() - started
            outcome.peak_connections = sampler.stop()
            measured = measure(host) if measure else None
            signed_in = sign_in(host, *signer) if signer else 0
    figures = check(slug, outcome, residents)
    return {
        "requests": outcome.requests,
        "errors": outcome.errors,
        "retries": outcome.retries,
        "server_errors": outcome.server_errors,
        "seconds": elapsed,
        "p50_ms": 1000 * statistics.median(outcome.latencies) if outcome.latencies else 0,
        "p99_ms": 1000 * percentile(outcome.latencies, 99) if outcome.latencies else 0,
        "peak_connections": outcome.peak_connections,
        "signed_in": signed_in,
        "measured": measured,
        "log": outcome.log,
        **figures,
    }


def run(report) -> None:
    from django.db import connection

    from accounts.models import User

    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        report("burst_max_connections", int(cursor.fetchone()[0]), "connections")
    user, _ = User.objects.get_or_create(username="burst-signer", defaults={"phone": "0399000001"})
    user.phone_verified = True
    user.set_password("mat-khau-burst")
    user.save()
    for name, chaos in (("burst", False), ("burst_chaos", True)):
        figures = phase(
            slug=f"bench-{name.replace('_', '-')}",
            database_url=database_url,
            phone_prefix="052" if chaos else "051",
            chaos=chaos,
            signer=("0399000001", "mat-khau-burst"),
        )
        report(f"{name}_requests", figures["requests"], "requests")
        report(f"{name}_per_s", figures["requests"] / figures["seconds"], "req/s")
        report(f"{name}_errors", figures["errors"], "errors")
        report(f"{name}_retries", figures["retries"], "retries")
        report(f"{name}_p50", figures["p50_ms"], "ms")
        report(f"{name}_p99", figures["p99_ms"], "ms")
        report(f"{name}_peak_connections", figures["peak_connections"], "connections")
        report(f"{name}_lost", figures["lost"], "submissions")
        report(f"{name}_doubled", figures["doubled"], "submissions")
        report(f"{name}_answers_lost", figures["answers_lost"], "answers")
        report(f"{name}_scores_disagreeing", figures["disagreeing"], "attempts")
        report(f"{name}_sign_in_status", figures["signed_in"], "http")
