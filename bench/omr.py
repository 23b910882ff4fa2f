"""Reading photographed answer forms: silent errors, sheets needing no review, speed.

200 generated images (``tests/omr_images.py``): 150 phone photos (perspective,
turns, shadow, gradient, blur, noise, JPEG 55-90, long side 1,600-4,000 px) and
50 flat scans, filled in pen or pencil with hard marks on about half the
sheets; then 10 pictures that are not forms and 10 forms of another contest,
which must all be rejected. Reading runs on two processes (the machine has two
cores); a batch upload is read in one process, timed apart on
40 forms. Runnable alone: ``python bench/omr.py``.
"""

import os
import random
import sys
import time
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# OMR_BENCH_COUNTS="30,10,2,2" runs a smaller set (photos, scans, not forms, other contest).
PHOTOS, SCANS, NOT_FORMS, OTHER = (
    int(n) for n in os.environ.get("OMR_BENCH_COUNTS", "150,50,10,10").split(",")
)
HARD = ("crossed", "smudge", "double", "blank", "spill")
_FORMS: dict = {}


def _form(slug: str):
    """(pdf with 20 serials, geometry, multiple flags) of a 20-question form; nothing kept."""
    from django.db import transaction

    from contest.definition import contest_import
    from contest.paper.marks import paper_versions
    from contest.paper.printing import answer_form_pdf, form_geometry
    from tests.factories import contest_json, make_bank_with_topics

    with transaction.atomic():
        make_bank_with_topics(
            slug="omr-bench", topics=(("Thể chế", 10), ("Thủ tục", 10)), multiple_every=6
        )
        codes = [f"Q-{n:03d}" for n in range(1, 21)]
        contest = contest_import(
            data=contest_json(slug=slug, questions={"bank": "omr-bench", "codes": codes})
        )[0]
        round_ = contest.rounds.get()
        pdf = answer_form_pdf(contest, round_, first_serial=1, copies=20)
        geometry = form_geometry(contest, round_)
        multiple = [v.kind == "multiple" for v in paper_versions(round_)]
        transaction.set_rollback(True)
    return pdf, geometry, multiple


def _make(job: tuple[str, int]):
    """(kind, image bytes, truth or None) for one seed; the truth also names the conditions."""
    import cv2
    import numpy as np

    from tests.omr_images import flat_scan, page_render, photograph, sheet_fill

    kind, seed = job
    rng = random.Random(seed)
    if kind == "not_form":
        desk = np.random.default_rng(seed).normal(130, 40, (1500, 2000, 3)).clip(0, 255)
        desk = desk.astype(np.uint8)
        for _ in range(6):  # dark rectangles that are not the form's markers
            x, y = rng.randrange(1800), rng.randrange(1300)
            cv2.rectangle(desk, (x, y), (x + rng.randrange(20, 200), y + 60), (20, 20, 20), -1)
        return kind, cv2.imencode(".jpg", desk)[1].tobytes(), None
    pdf, geometry, multiple = _FORMS["other" if kind == "other" else "main"]
    page = page_render(pdf, seed % 20)
    hard = (rng.choice(HARD),) if rng.random() < 0.5 else ()
    if rng.random() < 0.03:
        hard += ("light",)
    tool = rng.choice(("pen", "pen", "pencil"))
    img, truth = sheet_fill(page, geometry, multiple, rng, hard=hard, tool=tool)
    # The capture's first draws (as ``photograph`` makes them), to name the condition.
    replay = random.Random()
    replay.setstate(rng.getstate())
    shot = f"long_side={replay.randrange(1600, 4001)} turn={replay.choice((0, 0, 0, 90, 180, 270))}"
    shot += f" quality={replay.randrange(55, 91)}"
    data = flat_scan(img, rng) if kind == "scan" else photograph(img, rng)
    truth.hard = [*truth.hard, f"seed={seed}", f"page={seed % 20}", tool]
    if kind == "photo":
        truth.hard.append(shot)
    return kind, data, truth


def _read(data: bytes):
    from contest.paper.reading import sheet_read

    _pdf, geometry, multiple = _FORMS["main"]
    return sheet_read(
        data, contest="omr-main", forms=lambda n: (geometry, multiple) if n == 1 else None
    )


def _silent_errors(reading, truth) -> list[str]:
    """One line per place read as certain but wrong: the place, what was wanted and read."""

    def places(text):
        return text.split(" ") if " " in text else list(text)

    wrong = [
        f"q{n} want {want!r} read {got!r} marks {reading.marks.get(f'q{n}')}"
        for n, (want, got) in enumerate(
            zip(places(truth.answers), places(reading.answers), strict=True), 1
        )
        if want != got and f"q{n}" not in reading.review
    ]
    if reading.phone != truth.phone and "phone" not in reading.review:
        wrong.append(f"phone want {truth.phone} read {reading.phone}")
    if reading.prediction != truth.prediction and "prediction" not in reading.review:
        wrong.append(f"prediction want {truth.prediction} read {reading.prediction}")
    return wrong


def run(report) -> None:
    _FORMS["main"] = _form("omr-main")
    _FORMS["other"] = _form("omr-other")
    jobs = (
        [("photo", s) for s in range(PHOTOS)]
        + [("scan", 1000 + s) for s in range(SCANS)]
        + [("not_form", 2000 + s) for s in range(NOT_FORMS)]
        + [("other", 3000 + s) for s in range(OTHER)]
    )
    with Pool(2) as pool:
        images = pool.map(_make, jobs, chunksize=4)
        started = time.perf_counter()
        readings = pool.map(_read, [data for _k, data, _t in images], chunksize=2)
        elapsed = time.perf_counter() - started
    # One batch upload is read in one process (``scan_sheets``): its speed alone.
    sample = [data for kind, data, _t in images if kind in ("photo", "scan")][:40]
    started = time.perf_counter()
    for data in sample:
        _read(data)
    one_process = len(sample) / (time.perf_counter() - started)
    silent, clean, total, rejected = 0, {}, {}, {}
    for (kind, _data, truth), reading in zip(images, readings, strict=True):
        total[kind] = total.get(kind, 0) + 1
        if kind in ("not_form", "other"):
            rejected[kind] = rejected.get(kind, 0) + (reading.status == "rejected")
            continue
        if reading.status == "rejected":
            print(f"# {kind} {' '.join(truth.hard)} rejected: {reading.reason}", flush=True)
            continue
        errors = _silent_errors(reading, truth)
        for line in errors:
            print(f"# silent error: {kind} {' '.join(truth.hard)} {line}", flush=True)
        silent += len(errors)
        clean[kind] = clean.get(kind, 0) + (not reading.review)
    report("omr_silent_errors", silent, "marks")
    report("omr_no_review_photos", 100 * clean.get("photo", 0) / PHOTOS, "%")
    report("omr_no_review_scans", 100 * clean.get("scan", 0) / SCANS, "%")
    report("omr_speed", len(images) / elapsed, "sheets/s on 2 processes")
    report("omr_speed_one_process", one_process, "sheets/s (one batch, as scan_sheets reads it)")
    report("omr_rejected_not_forms", rejected.get("not_form", 0), f"of {NOT_FORMS}")
    report("omr_rejected_other_contest", rejected.get("other", 0), f"of {OTHER}")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench.run import report

    run(report)
