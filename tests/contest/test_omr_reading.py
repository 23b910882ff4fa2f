"""Reading photographed answer forms: hard marks, capture conditions, refusals.

The images come from ``tests/omr_images.py``: the project's own form PDF,
rasterised, filled and "photographed". Small images keep the module fast.
"""

import json
import random

import cv2
import numpy as np
import pytest
from django.core.management import call_command

from contest.definition import contest_import
from contest.paper.marks import paper_versions
from contest.paper.printing import answer_form_pdf, form_geometry
from contest.paper.reading import Reading, sheet_read
from tests.factories import contest_json, make_bank_with_topics
from tests.omr_images import flat_scan, page_render, photograph, sheet_fill

SLUG = "cchc-2022"


_FORM: list = []


@pytest.fixture
def form(db):
    """(blank page image, geometry, multiple flags) of a 12-question form, made once per run."""
    if not _FORM:
        make_bank_with_topics(multiple_every=5)
        codes = [f"Q-{n:03d}" for n in range(1, 13)]
        contest = contest_import(data=contest_json(questions={"bank": "cchc", "codes": codes}))[0]
        round_ = contest.rounds.get()
        pdf = answer_form_pdf(contest, round_, first_serial=7, copies=1)
        geometry = form_geometry(contest, round_)
        multiple = [v.kind == "multiple" for v in paper_versions(round_)]
        _FORM.append((page_render(pdf), geometry, multiple))
    return _FORM[0]


def read(form, data: bytes, contest: str = SLUG, round_only=None) -> Reading:
    _page, geometry, multiple = form
    return sheet_read(
        data,
        contest=contest,
        forms=lambda n: (geometry, multiple) if n == 1 else None,
        round_only=round_only,
    )


def places(text: str) -> list[str]:
    return text.split(" ") if " " in text else list(text)


def assert_no_silent_error(reading: Reading, truth) -> None:
    """Every place not sent to review is exactly what the participant marked."""
    assert reading.status in ("read", "review"), reading.reason
    for number, (want, got) in enumerate(
        zip(places(truth.answers), places(reading.answers), strict=True), start=1
    ):
        if f"q{number}" not in reading.review:
            assert got == want, f"q{number}: read {got} as certain, sheet has {want}"
    if "phone" not in reading.review:
        assert reading.phone == truth.phone
    if "prediction" not in reading.review:
        assert reading.prediction == truth.prediction


def sheet(form, seed: int, **fill):
    page, geometry, multiple = form
    rng = random.Random(seed)
    img, truth = sheet_fill(page, geometry, multiple, rng, **fill)
    return img, truth, rng


@pytest.mark.parametrize("tool", ["pen", "pencil"])
def test_a_plainly_filled_sheet_is_read_completely(form, tool):
    img, truth, rng = sheet(form, 1, tool=tool)
    reading = read(form, photograph(img, rng, turn=0, long_side=1600, shadow=False))
    assert reading.status == "read", reading.review
    assert (reading.answers, reading.phone, reading.prediction) == (
        truth.answers,
        truth.phone,
        truth.prediction,
    )
    assert (reading.serial, reading.round) == ("000007", 1)


@pytest.mark.parametrize("kind", ["crossed", "smudge", "double", "blank", "spill"])
def test_hard_marks_are_read_with_certainty_when_clear(form, kind):
    """A crossed-out mark is cancelled, an erased smudge is no mark, two marks are ``*``."""
    for seed in (2, 3):
        img, truth, rng = sheet(form, seed, hard=(kind,))
        reading = read(form, photograph(img, rng, turn=0, long_side=1600))
        assert_no_silent_error(reading, truth)
        assert reading.review == [], (kind, reading.review, reading.marks)
        assert reading.answers == truth.answers


def test_a_crossed_mark_next_to_a_printed_circle_is_not_read_as_a_second_mark(db):
    """Benchmark photo seed 31 (20-question form, turned 90°): q2 has A crossed out, B filled.

    The straight ends of a bubble touch the printed circle of the row above or below;
    taken as ink, they made the cross look like "a heavy fill spilled all round", and
    q2 was read as a certain double mark ``*``.
    """
    from bench import omr

    omr._FORMS["main"] = omr._form("omr-main")
    try:
        _kind, data, truth = omr._make(("photo", 31))
        assert "crossed" in truth.hard
        reading = omr._read(data)
    finally:
        omr._FORMS.clear()
    assert_no_silent_error(reading, truth)
    assert reading.marks["q2"]["A"][1] != "filled"


def test_a_light_pencil_mark_is_read_right_or_sent_to_review(form):
    for seed in range(4, 8):
        img, truth, rng = sheet(form, seed, hard=("light",), tool="pencil")
        reading = read(form, photograph(img, rng, turn=0, long_side=1600))
        assert_no_silent_error(reading, truth)


def test_an_unclear_mark_goes_to_review_with_the_guess(form):
    """Half a fill: neither clearly marked nor clearly empty."""
    page, geometry, multiple = form
    img, truth, rng = sheet(form, 9, hard=("blank",))
    blank = places(truth.answers).index("-") + 1
    b = next(b for b in geometry["bubbles"] if b["question"] == blank and b["option"] == "C")
    px = 200 / 25.4
    cv2.ellipse(
        img,
        (int(b["x"] * px), int(b["y"] * px)),
        (int(b["r"] * px * 0.5), int(b["r"] * px * 0.9)),
        0,
        0,
        360,
        (150, 150, 150),
        -1,
    )
    reading = read(form, photograph(img, rng, turn=0, long_side=1600, shadow=False))
    assert reading.status == "review"
    assert f"q{blank}" in reading.review
    assert_no_silent_error(reading, truth)


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_a_photo_turned_any_way_is_read(form, turn):
    img, truth, rng = sheet(form, 10 + turn)
    reading = read(form, photograph(img, rng, turn=turn, long_side=1600))
    assert reading.status == "read", reading.review
    assert reading.answers == truth.answers and reading.phone == truth.phone


@pytest.mark.parametrize(
    "capture",
    [
        {"shadow": True, "perspective": 0.07},
        {"shadow": False, "perspective": 0.07, "quality": 55},
        {"shadow": True, "perspective": 0.0, "long_side": 4000},
    ],
    ids=["shadow-and-angle", "low-jpeg-quality", "12-megapixels"],
)
def test_capture_conditions_leave_nothing_for_review(form, capture):
    img, truth, rng = sheet(form, 20)
    reading = read(form, photograph(img, rng, turn=0, **{"long_side": 1600, **capture}))
    assert reading.status == "read", reading.review
    assert reading.answers == truth.answers and reading.prediction == truth.prediction


def test_a_flat_scan_is_read(form):
    img, truth, rng = sheet(form, 21)
    reading = read(form, flat_scan(img, rng))
    assert reading.status == "read"
    assert reading.answers == truth.answers


def test_a_form_of_another_contest_is_rejected_with_the_reason(form):
    img, _truth, rng = sheet(form, 22)
    reading = read(form, photograph(img, rng, long_side=1600), contest="another-contest")
    assert reading.status == "rejected"
    assert "cuộc thi khác" in reading.reason and SLUG in reading.reason


def test_a_form_of_another_round_is_rejected(form):
    img, _truth, rng = sheet(form, 23)
    reading = read(form, photograph(img, rng, long_side=1600), round_only=2)
    assert reading.status == "rejected" and "vòng 1" in reading.reason


def test_a_picture_that_is_not_a_form_is_rejected(form):
    rng = np.random.default_rng(5)
    desk = (rng.normal(120, 30, (1200, 900, 3))).clip(0, 255).astype(np.uint8)
    cv2.putText(desk, "Hoa don tien dien", (50, 300), cv2.FONT_HERSHEY_SIMPLEX, 2, (0, 0, 0), 5)
    reading = read(form, cv2.imencode(".jpg", desk)[1].tobytes())
    assert reading.status == "rejected" and "bốn góc" in reading.reason
    assert read(form, b"not an image").status == "rejected"


def test_the_contract_object_has_exactly_the_documented_keys(form):
    img, _truth, rng = sheet(form, 24)
    out = read(form, photograph(img, rng, long_side=1600)).contract("IMG_1.jpg")
    assert list(out) == [
        "file",
        "status",
        "serial",
        "round",
        "answers",
        "phone",
        "prediction",
        "review",
        "reason",
    ]


@pytest.mark.django_db
def test_answer_forms_command_writes_the_pdf_and_its_geometry(tmp_path):
    make_bank_with_topics()
    codes = [f"Q-{n:03d}" for n in range(1, 6)]
    contest_import(data=contest_json(questions={"bank": "cchc", "codes": codes}))
    pdf, geometry = tmp_path / "forms.pdf", tmp_path / "forms.json"
    call_command(
        "answer_forms", SLUG, str(pdf), "--first-serial", "41", "--copies", "3",
        "--geometry", str(geometry),
    )  # fmt: skip
    assert pdf.read_bytes().startswith(b"%PDF")
    import pypdfium2

    assert len(pypdfium2.PdfDocument(pdf.read_bytes())) == 3
    data = json.loads(geometry.read_text())
    assert data["page"]["width"] == 210 and data["first_serial"] == 41
    assert len(data["markers"]) == 4 and {"x", "y", "size"} <= set(data["qr"])
    assert {"question", "option", "x", "y", "r"} <= set(data["bubbles"][0])
    phone = data["grids"]["phone"]
    assert len({b["digit"] for b in phone}) == 10 and {b["value"] for b in phone} == set(range(10))
    assert len({b["digit"] for b in data["grids"]["prediction"]}) == 7


def test_a_phone_grid_left_blank_is_shown_to_a_person(form):
    """The digits may be written in the boxes only: the machine cannot read them, a person can."""
    img, truth, rng = sheet(form, 25, phone="")
    reading = read(form, photograph(img, rng, turn=0, long_side=1600, shadow=False))
    assert reading.phone == "" and reading.review == ["phone"]
    assert reading.answers == truth.answers


def test_an_image_claiming_a_huge_size_is_refused_before_decoding(form):
    """A small PNG whose header claims 8,000 × 8,000 pixels (a decompression bomb's shape)."""
    import struct
    import zlib

    png = bytearray(cv2.imencode(".png", np.full((10, 10), 255, np.uint8))[1].tobytes())
    png[16:24] = struct.pack(">II", 8_000, 8_000)
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(png[12:29])))
    reading = read(form, bytes(png))
    assert reading.status == "rejected" and "quá lớn" in reading.reason
