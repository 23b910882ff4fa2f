"""A clerk on a phone uploads photos of filled forms, settles the doubtful places, and the
organizer sees the entries ranked."""

import random
from datetime import timedelta
from pathlib import Path

import cv2
import pytest
from django.utils import timezone

from contest.definition import contest_import
from contest.models import ContestMembership, PaperEntry
from contest.paper.marks import paper_versions
from contest.paper.printing import answer_form_pdf, form_geometry
from tests.factories import UserFactory, contest_json, make_bank_with_topics
from tests.omr_images import PX, page_render, photograph, sheet_fill

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CODES = [f"Q-{n:03d}" for n in range(1, 21)]
SHOTS = Path(__file__).parent / "screenshots" / "test_phone_clerk_scans_reviews_and_sees_ranking"
NAMES = ["Trần Thị Lụa", "Nguyễn Văn Bình", "Lê Thị Hoa"]


def _photos(contest, tmp_path) -> list[tuple[Path, object]]:
    """Three photos; on the first, question 1 gets a half-filled extra bubble (to review)."""
    round_ = contest.rounds.get()
    pdf = answer_form_pdf(contest, round_, first_serial=1, copies=3)
    geometry = form_geometry(contest, round_)
    multiple = [v.kind == "multiple" for v in paper_versions(round_)]
    out = []
    for index in range(3):
        rng = random.Random(100 + index)
        img, truth = sheet_fill(page_render(pdf, index), geometry, multiple, rng)
        if index == 0:
            answer = truth.answers[0]
            b = next(
                b
                for b in geometry["bubbles"]
                if b["question"] == 1 and b["option"] != answer and b["option"] != "D"
            )
            size = (int(b["r"] * PX * 0.5), int(b["r"] * PX * 0.9))
            cv2.ellipse(img, (int(b["x"] * PX), int(b["y"] * PX)), size, 0, 0, 360, (150,) * 3, -1)
        path = tmp_path / f"IMG_{2001 + index}.jpg"
        path.write_bytes(photograph(img, rng, turn=0, long_side=1600, shadow=False))
        out.append((path, truth))
    return out


def test_phone_clerk_scans_reviews_and_sees_ranking(live_server, phone_page, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    make_bank_with_topics(topics=(("Thể chế", 10), ("Thủ tục", 10)))
    now = timezone.localtime(timezone.now())
    contest = contest_import(
        data=contest_json(
            opens_at=(now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            closes_at=(now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            paper_postmark_deadline=(now + timedelta(days=1)).strftime("%Y-%m-%d"),
            questions={"bank": "cchc", "codes": CODES},
            double_keying=False,
        )
    )[0]
    photos = _photos(contest, tmp_path)
    person = UserFactory()
    ContestMembership.objects.create(contest=contest, user=person, role="organizer")
    page = phone_page
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", person.phone)
    page.fill("input[name=password]", "mat-khau-9x!")
    page.click("button[type=submit]")

    page.goto(f"{live_server.url}/manage/{contest.slug}/paper/scan/")
    page.screenshot(path=SHOTS / "upload.png", full_page=True)
    page.set_input_files("#photos", [str(p) for p, _t in photos])
    page.get_by_role("button", name="Tải lên và đọc").click()
    page.get_by_text("Đọc chắc chắn 2 phiếu; 1 phiếu có chỗ cần người xem.").wait_for()
    page.screenshot(path=SHOTS / "job.png", full_page=True)
    page.get_by_role("link", name="Xác nhận các phiếu đã đọc").click()
    page.get_by_role("link", name="Bắt đầu xác nhận").click()

    # The sheet in doubt comes first: question 1, the machine's guess preselected, focus on it.
    page.get_by_text("Câu 1: máy không chắc").wait_for()
    assert page.evaluate("document.activeElement.name") == "q1"
    page.wait_for_load_state("networkidle")
    page.screenshot(path=SHOTS / "review-doubt.png", full_page=True)
    page.screenshot(path=SHOTS / "review-doubt-top.png")
    truth = photos[0][1]
    page.check(f"input[name=q1][value={truth.answers[0]}]")
    for index, name in enumerate(NAMES):
        if index:
            page.get_by_text(f"P-0000{index + 1}").first.wait_for()
            assert page.evaluate("document.activeElement.name") == "full_name"
            if index == 1:
                page.wait_for_load_state("networkidle")
                page.screenshot(path=SHOTS / "review-name-only.png", full_page=True)
        page.fill("input[name=full_name]", name)
        page.keyboard.press("Enter")
    page.get_by_text("Không còn phiếu nào chờ xác nhận.").wait_for()
    entries = {e.full_name: e for e in PaperEntry.objects.all()}
    assert set(entries) == set(NAMES)
    assert [entries[n].answers for n in NAMES] == [t.answers for _p, t in photos]

    page.goto(f"{live_server.url}/manage/{contest.slug}/results/")
    page.get_by_role("button", name="Chấm và xếp hạng tạm").click()
    page.get_by_role("link", name="Xem kết quả xếp hạng").click()
    for name in NAMES:
        page.get_by_text(name).first.wait_for()
    page.screenshot(path=SHOTS / "ranking.png", full_page=True)
