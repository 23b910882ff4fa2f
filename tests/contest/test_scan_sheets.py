"""``scan_sheets`` and the way a scanned sheet enters the paper pipeline."""

import io
import json
import random
import zipfile

import pytest
from django.core.management import call_command

from contest.models import PaperEntry, PaperKeying, PaperReceipt, SheetScan
from contest.paper.marks import paper_versions
from contest.paper.printing import answer_form_pdf, form_geometry
from contest.paper.scanning import machine_user, scan_batch, scan_confirm
from contest.paper.selectors import conflicts
from tests.contest.test_paper_keying import member
from tests.contest.test_ranking import make_contest
from tests.omr_images import page_render, photograph, sheet_fill

pytestmark = pytest.mark.django_db


def photos(contest, count: int, *, first_serial: int = 1, seed: int = 0):
    """[(file name, jpeg bytes, truth)] of filled forms of ``contest``, serials from ``first_serial``."""
    round_ = contest.rounds.get()
    pdf = answer_form_pdf(contest, round_, first_serial=first_serial, copies=count)
    geometry = form_geometry(contest, round_)
    multiple = [v.kind == "multiple" for v in paper_versions(round_)]
    out = []
    for index in range(count):
        rng = random.Random(seed + index)
        img, truth = sheet_fill(page_render(pdf, index), geometry, multiple, rng)
        out.append(
            (f"IMG_{first_serial + index}.jpg", photograph(img, rng, turn=0, long_side=1600), truth)
        )
    return out


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("scan_sheets", *args, stdout=out, stderr=io.StringIO())
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue()


def test_dry_run_prints_the_contract_reading_and_writes_nothing(tmp_path):
    contest = make_contest()
    for name, data, _truth in photos(contest, 2):
        (tmp_path / name).write_bytes(data)
    truths = [t for _n, _d, t in photos(contest, 2)]
    code, out = run(contest.slug, str(tmp_path), "--dry-run", "--json")
    readings = json.loads(out)
    assert code == 0
    assert [r["file"] for r in readings] == ["IMG_1.jpg", "IMG_2.jpg"]
    assert [r["serial"] for r in readings] == ["000001", "000002"]
    for reading, truth in zip(readings, truths, strict=True):
        assert reading["status"] == "read"
        assert (reading["answers"], reading["phone"], reading["prediction"]) == (
            truth.answers,
            truth.phone,
            truth.prediction,
        )
    assert not PaperReceipt.objects.exists() and not SheetScan.objects.exists()


def test_a_scan_registers_each_sheet_once_with_its_photo_and_reading(tmp_path):
    contest = make_contest()
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data, _truth in photos(contest, 2):
            zf.writestr(f"lo-1/{name}", data)
        zf.writestr("ghi-chu.txt", "không phải ảnh")
    code, _out = run(contest.slug, str(archive), "--postmark-date", "01/06/2022")
    assert code == 0
    receipts = list(PaperReceipt.objects.order_by("sheet_no"))
    assert [r.sheet_no for r in receipts] == ["P-00001", "P-00002"]
    assert all(r.scan and r.postmark_date.isoformat() == "2022-06-01" for r in receipts)
    scan = SheetScan.objects.get(receipt=receipts[0])
    assert scan.serial == "000001" and scan.status == "read"
    assert set(scan.reading["marks"]["q1"]) == {"A", "B", "C", "D"}
    assert len(scan.reading["corners"]) == 4

    code, out = run(contest.slug, str(archive), "--json")
    assert code == 1
    assert all("đã được chụp trước đó" in r["reason"] for r in json.loads(out))
    assert PaperReceipt.objects.count() == 2


def test_forms_of_another_contest_and_files_that_are_not_images_are_rejected(tmp_path):
    contest = make_contest()
    (tmp_path / "a.jpg").write_bytes(photos(contest, 1)[0][1])
    (tmp_path / "b.png").write_bytes(b"\x89PNG not really")
    other = make_contest(slug="cchc-2023")
    code, out = run(other.slug, str(tmp_path / "a.jpg"), str(tmp_path / "b.png"), "--json")
    first, second = json.loads(out)
    assert code == 1
    assert first["status"] == "rejected" and "cuộc thi khác (cchc-2022)" in first["reason"]
    assert second["status"] == "rejected" and second["reason"]
    assert not PaperReceipt.objects.exists()


def test_pdf_pages_are_read_one_by_one(tmp_path):
    from PIL import Image

    contest = make_contest()
    pages = [Image.open(io.BytesIO(data)) for _n, data, _t in photos(contest, 2)]
    pages[0].save(tmp_path / "lo.pdf", save_all=True, append_images=pages[1:], resolution=150)
    code, out = run(contest.slug, str(tmp_path / "lo.pdf"), "--dry-run", "--json")
    readings = json.loads(out)
    assert code == 0
    assert [(r["file"], r["serial"]) for r in readings] == [
        ("lo-trang-1.png", "000001"),
        ("lo-trang-2.png", "000002"),
    ]


def _scan(contest, *, seed=0):
    name, data, truth = photos(contest, 1, seed=seed)[0]
    result = scan_batch(contest=contest, items=[(name, data)])[0]
    return SheetScan.objects.get(receipt__sheet_no=result.sheet_no), truth


def confirmed(truth, **changes):
    return {
        "full_name": "Nguyễn Thị Lan",
        "answers": truth.answers,
        "phone": truth.phone,
        "prediction": str(truth.prediction),
        **changes,
    }


def test_without_double_keying_the_persons_confirmation_makes_the_entry():
    contest = make_contest()
    contest.double_keying = False
    contest.save()
    scan, truth = _scan(contest)
    clerk = member(contest)
    outcome = scan_confirm(scan=scan, raw=confirmed(truth), clerk=clerk)
    entry = PaperEntry.objects.get()
    assert outcome.state == "entered"
    assert (entry.sheet_no, entry.full_name, entry.phone) == (
        "P-00001",
        "Nguyễn Thị Lan",
        truth.phone,
    )
    assert entry.created_by == clerk
    scan.refresh_from_db()
    assert scan.status == "confirmed" and scan.confirmed_by == clerk


def test_with_double_keying_the_machine_is_one_keying_and_the_person_the_second():
    contest = make_contest()
    contest.double_keying = True
    contest.save()
    scan, truth = _scan(contest)
    clerk = member(contest)
    assert scan_confirm(scan=scan, raw=confirmed(truth), clerk=clerk).state == "verified"
    entry = PaperEntry.objects.get()
    assert (entry.created_by, entry.verified_by) == (machine_user(), clerk)


def test_a_person_changing_a_mark_the_machine_was_sure_of_goes_to_reconciliation():
    contest = make_contest()
    contest.double_keying = True
    contest.save()
    scan, truth = _scan(contest, seed=3)
    answers = truth.answers.split(" ")  # question 4 takes several marks: groups
    answers[0] = "D" if answers[0] != "D" else "C"
    changed = " ".join(answers)
    outcome = scan_confirm(scan=scan, raw=confirmed(truth, answers=changed), clerk=member(contest))
    assert outcome.state == "conflict"
    assert conflicts(contest) == ["P-00001"]
    assert PaperKeying.objects.filter(clerk=machine_user()).count() == 1
    assert not PaperEntry.objects.exists()


def test_the_persons_answer_to_a_place_in_review_is_not_a_disagreement():
    contest = make_contest()
    contest.double_keying = True
    contest.save()
    scan, truth = _scan(contest, seed=4)
    scan.reading = {**scan.reading, "review": ["q1", "phone"], "phone": "09?"}
    scan.save()
    answers = truth.answers.split(" ")
    answers[0] = "-"
    outcome = scan_confirm(
        scan=scan, raw=confirmed(truth, answers=" ".join(answers)), clerk=member(contest)
    )
    assert outcome.state == "verified"
    assert PaperEntry.objects.get().answers.split(" ")[0] == "-"
