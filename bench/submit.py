"""Online attempts under load, through the real ASGI server (uvicorn, 2 workers) on PostgreSQL.

Simulated participants start an attempt, answer 20 questions (autosave) and
submit, with CONCURRENCY requests in flight. Figures: submissions per second
and p50/p99 latency of submit, the same for autosave, and a baseline of the
server's lightest endpoint (``/time/``) in the same run; every rate is also
printed as its ratio to that baseline, against the targets of issue 17 (start
≥ 0.4, autosave ≥ 0.6, submit ≥ 0.5, p99 < 500 ms). Afterwards the database is
checked: every participant has exactly one submitted attempt with 20 answers.

The load generator (``bench/load.py``, aiohttp) spends about 0.2 ms of CPU a request
(httpx, before, spent more than the server, and every figure here measured it). It still
runs on the same cores as the server, PostgreSQL and Redis, so rates and latencies move
with whatever else the machine does. Each phase therefore also reports the CPU time per
request of the server side (uvicorn's workers, plus
PostgreSQL and Redis when ``.ci/services.sh`` started them) and of the generator
(this process), and the ratio of the baseline's server CPU per request to the
phase's: what the rate ratio would be if the server's CPU were the only limit. These
hold on a busy machine where the rates do not.

``BENCH_HTTP=wsgi`` (or ``both``) serves the same plain HTTP through gunicorn's
WSGI workers instead (when gunicorn can be imported), to compare with all-ASGI.
"""

import asyncio
import os
import secrets
import statistics
import time

from bench.load import Client
from bench.server import cpu_seconds, server_pids, uvicorn

PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", 400))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", 32))
# Requests to the baseline: a p99 and a few seconds of load at its rate.
PINGS = int(os.environ.get("BENCH_PINGS", 4000))


def _phone(prefix: str, number: int) -> str:
    """The ``number``-th phone of a benchmark's people: ten digits after its own prefix.

    Every benchmark of a ``make bench`` run writes into the same database, so each has a
    prefix of its own (submit 081/082, live 071/072, burst 051/052, balanced 091/092; the
    ranking's million people are 03…): two benchmarks sharing one failed on the unique phone.
    """
    return f"{prefix}{number:0{10 - len(prefix)}d}"


def _prepare(
    slug: str = "bench-submit", participants: int = PARTICIPANTS, phone_prefix: str = "081"
):
    """A contest open now with 20 drawn questions, and ``participants`` signed-in residents."""
    from datetime import timedelta
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    # The site's own session engine, as signing in would (cached_db: Redis and the database).
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # noqa: N806
    from django.utils import timezone

    from accounts.models import Profile, User
    from contest.definition import contest_import
    from contest.models import Contest
    from questions.services import question_save

    Contest.objects.filter(slug=slug).delete()
    from questions.models import Bank

    bank, _ = Bank.objects.get_or_create(slug="bench-submit", defaults={"title": "bench"})
    for n in range(40):
        question_save(
            bank=bank,
            code=f"B-{n:03d}",
            topic_name=f"T{n % 4}",
            kind="single",
            text=f"Câu {n}?",
            options=["A", "B", "C", "D"],
            correct="B",
        )
    now = timezone.localtime(timezone.now())
    contest_import(
        data={
            "slug": slug,
            "title": "Bench",
            "organizer": "Bench",
            "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
            "closes_at": (now + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M"),
            "channels": ["online"],
            "attempt_time_limit_minutes": 60,
            "max_attempts": 1,
            "questions": {
                "bank": "bench-submit",
                "draw": [{"topic": f"T{t}", "count": 5} for t in range(4)],
                "shuffle_options": True,
            },
            "prediction": {"question": "?", "target": "participants"},
        }
    )
    prefix = f"{slug}-"
    User.objects.filter(username__startswith=prefix).delete()
    users = User.objects.bulk_create(
        [
            User(username=f"{prefix}{i}", phone=_phone(phone_prefix, i), password="!")
            for i in range(participants)
        ]
    )
    Profile.objects.bulk_create(
        [Profile(user=u, full_name=f"Người thi {i}") for i, u in enumerate(users)]
    )
    sessions = []
    for user in User.objects.filter(username__startswith=prefix):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    return sessions


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


TARGETS = {"attempt_start": 0.4, "autosave": 0.6, "submit": 0.5}
P99_TARGET_MS = 500


def _cpu_meter(supervisor_pid: int):
    """A function returning the CPU seconds used so far by (server side, this generator)."""

    def used() -> tuple[float, float]:
        return cpu_seconds(server_pids(supervisor_pid)), cpu_seconds([os.getpid()])

    return used


async def _run(
    base: str,
    sessions: list[str],
    report,
    prefix: str = "",
    slug: str = "bench-submit",
    cpu=None,
) -> None:
    cpu_base: list[float] = []

    def measured(name: str, since: tuple[float, float], requests: int) -> None:
        """CPU per request of the phase ``name`` since ``since`` (see the module docstring)."""
        if cpu is None or not requests:
            return
        server, client = (now - then for now, then in zip(cpu(), since, strict=True))
        per_request = 1000 * server / requests
        report(f"{prefix}{name}_server_cpu_per_request", per_request, "ms")
        report(f"{prefix}{name}_client_cpu_per_request", 1000 * client / requests, "ms")
        if not cpu_base:
            cpu_base.append(per_request)
        elif per_request:
            report(f"{prefix}{name}_cpu_ratio_to_baseline", cpu_base[0] / per_request, "x")

    def cpu_now() -> tuple[float, float]:
        return cpu() if cpu is not None else (0.0, 0.0)

    gate = asyncio.Semaphore(CONCURRENCY)
    async with Client(base, CONCURRENCY) as client:
        # Baseline: the lightest endpoint.
        times = []

        async def ping():
            async with gate:
                t = time.perf_counter()
                r = await client.get("/time/")
                times.append(time.perf_counter() - t)
                assert r.status_code == 200, r.status_code

        started, since = time.perf_counter(), cpu_now()
        await asyncio.gather(*(ping() for _ in range(PINGS)))
        baseline = PINGS / (time.perf_counter() - started)
        report(f"{prefix}baseline_time_endpoint_rps", baseline, "req/s")
        report(f"{prefix}baseline_time_endpoint_p99", 1000 * percentile(times, 99), "ms")
        measured("baseline_time_endpoint", since, PINGS)

        def rate(name: str, value: float, unit: str) -> None:
            report(f"{prefix}{name}_per_s", value, unit)
            ratio = value / baseline
            met = "met" if ratio >= TARGETS[name] else "NOT met"
            report(
                f"{prefix}{name}_ratio_to_baseline", ratio, f"x (target >= {TARGETS[name]}: {met})"
            )

        def latency(name: str, times: list[float]) -> None:
            report(f"{prefix}{name}_p50", 1000 * statistics.median(times), "ms")
            p99 = 1000 * percentile(times, 99)
            met = "met" if p99 < P99_TARGET_MS else "NOT met"
            report(f"{prefix}{name}_p99", p99, f"ms (target < {P99_TARGET_MS}: {met})")

        csrf = secrets.token_hex(16)
        attempts: dict[str, str] = {}

        def headers(session):
            return {
                "Cookie": f"sessionid={session}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Referer": base + "/",
            }

        start_times = []

        async def start(session):
            async with gate:
                t = time.perf_counter()
                r = await client.post(f"/contests/{slug}/start/", headers=headers(session))
                start_times.append(time.perf_counter() - t)
                assert r.status_code == 302, r.status_code
                attempts[session] = r.headers["location"].rstrip("/").split("/")[-1]

        t0, since = time.perf_counter(), cpu_now()
        await asyncio.gather(*(start(s) for s in sessions))
        rate("attempt_start", len(sessions) / (time.perf_counter() - t0), "attempts/s")
        latency("attempt_start", start_times)
        measured("attempt_start", since, len(sessions))

        answer_times = []

        async def answer(session, position):
            async with gate:
                t = time.perf_counter()
                r = await client.post(
                    f"/attempts/{attempts[session]}/answer/",
                    headers=headers(session),
                    json={"position": position, "answer": "ABCD"[position % 4], "seq": position},
                )
                answer_times.append(time.perf_counter() - t)
                assert r.status_code == 200, (r.status_code, r.text[:200])

        t0, since = time.perf_counter(), cpu_now()
        await asyncio.gather(*(answer(s, p) for s in sessions for p in range(1, 21)))
        elapsed = time.perf_counter() - t0
        rate("autosave", len(answer_times) / elapsed, "answers/s")
        latency("autosave", answer_times)
        measured("autosave", since, len(answer_times))

        submit_times = []

        async def submit(session, key):
            async with gate:
                t = time.perf_counter()
                r = await client.post(
                    f"/attempts/{attempts[session]}/submit/",
                    headers=headers(session),
                    data={"submit_key": key, "prediction": "8123"},
                )
                submit_times.append(time.perf_counter() - t)
                assert r.status_code == 302 and r.headers["location"].endswith("/receipt/"), (
                    r.status_code
                )

        t0, since = time.perf_counter(), cpu_now()
        # Every tenth participant double-taps: the second submit must not count.
        jobs = [submit(s, f"k{i}") for i, s in enumerate(sessions)]
        jobs += [submit(s, f"dup{i}") for i, s in enumerate(sessions) if i % 10 == 0]
        await asyncio.gather(*jobs)
        elapsed = time.perf_counter() - t0
        rate("submit", len(submit_times) / elapsed, "submissions/s")
        latency("submit", submit_times)
        measured("submit", since, len(submit_times))


def _check(report, prefix: str = "", slug: str = "bench-submit") -> None:
    from django.db.models import Count, Q

    from contest.models import Attempt

    rows = (
        Attempt.objects.filter(contest__slug=slug)
        .values("user")
        .annotate(n=Count("pk"), submitted=Count("pk", filter=Q(status="submitted")))
    )
    lost = PARTICIPANTS - sum(1 for r in rows if r["submitted"] == 1)
    doubled = sum(1 for r in rows if r["n"] > 1)
    answered = Attempt.objects.filter(contest__slug=slug, items__answer="").count()
    report(f"{prefix}submit_lost", lost, "submissions")
    report(f"{prefix}submit_doubled", doubled, "submissions")
    report(f"{prefix}autosave_lost", answered, "answers")


def run(report) -> None:
    from django.db import connection

    from bench.server import gunicorn, gunicorn_available

    mode = os.environ.get("BENCH_HTTP", "asgi")
    if mode in ("asgi", "both"):
        sessions = _prepare()
        connection.close()
        processes: list = []
        with uvicorn({"ATTEMPT_SWEEP_SECONDS": "30"}, processes=processes) as host:
            cpu = _cpu_meter(processes[0].pid)
            asyncio.run(_run(f"http://{host}", sessions, report, cpu=cpu))
        _check(report)
    if mode in ("wsgi", "both"):
        if not gunicorn_available():
            print("# submit: BENCH_HTTP=wsgi needs gunicorn importable (not installed)")
            return
        # Its own contest and people (the first run's attempts keep theirs).
        sessions = _prepare(slug="bench-submit-wsgi", phone_prefix="082")
        connection.close()
        with gunicorn({"ATTEMPT_SWEEP_SECONDS": "30"}) as host:
            asyncio.run(_run(f"http://{host}", sessions, report, "wsgi_", slug="bench-submit-wsgi"))
        _check(report, prefix="wsgi_", slug="bench-submit-wsgi")
