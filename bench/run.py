"""Benchmarks: ``make bench`` runs them against the real PostgreSQL and Redis.

Each figure is printed as ``bench: <name>: <value> <unit>``; every figure comes
with a baseline measured in the same run on the same machine.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")


FIGURES: list[tuple[str, float, str]] = []


def report(name: str, value: float, unit: str) -> None:
    FIGURES.append((name, value, unit))
    print(f"bench: {name}: {value:.3f} {unit}", flush=True)


def summary() -> str:
    """Every figure of the run again, as one table to paste into a note."""
    width = max((len(name) for name, _, _ in FIGURES), default=6)
    lines = [f"| {'figure':<{width}} | {'value':>14} | unit", f"| {'-' * width} | {'-' * 14} | ---"]
    lines += [f"| {name:<{width}} | {value:>14,.3f} | {unit}" for name, value, unit in FIGURES]
    return "\n".join(lines)


def main(selected: list[str]) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"bench: database: {connection.vendor}", flush=True)
    from bench import balanced, burst, import_questions, live, omr, paper_import, rank, submit

    benchmarks = {
        "import_questions": import_questions.run,
        "paper_import": paper_import.run,
        "submit": submit.run,
        "rank": rank.run,
        "live": live.run,
        "burst": burst.run,
        "balanced": balanced.run,
        "omr": omr.run,
    }
    for name, run in benchmarks.items():
        if not selected or name in selected:
            started = time.perf_counter()
            run(report)
            print(f"# {name} took {time.perf_counter() - started:.1f} s", flush=True)
    print("# summary\n" + summary(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
