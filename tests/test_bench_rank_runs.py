"""``make bench``'s ranking benchmark runs to its end, on a few thousand entries.

Its figures are not checked (timings belong to ``make bench``); what is checked is that it
gets through every step and prints each figure, as a fresh machine's ``make bench`` would.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_ranking_benchmark_runs_on_the_embedded_default(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"SQLITE_PATH": str(tmp_path / "bench.sqlite3"), "BENCH_RANK_SQLITE_ENTRIES": "2000"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.rank"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = dict(
        line.removeprefix("bench: ").split(": ", 1)
        for line in done.stdout.splitlines()
        if line.startswith("bench: ")
    )
    assert figures["rank_sqlite_entries_ranked"].startswith("1975.000")
    assert figures["rank_sqlite_regrade_key_correction_entries"].startswith("2000.000")
    assert "target < 10 s at 200,000 entries" in figures["rank_sqlite_contest_total"]
    assert "rank_sqlite_phase_ranked_and_stored" in figures
