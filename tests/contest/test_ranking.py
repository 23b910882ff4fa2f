import hashlib
import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Profile, User
from contest.definition import contest_import
from contest.models import Attempt, PaperEntry, Result, ResultRow
from contest.online.answers import answer_save
from contest.online.attempts import attempt_start
from contest.online.finishing import attempt_submit
from contest.paper.importing import paper_import
from contest.results.exports import result_json
from contest.results.lots import lot_digest
from contest.results.ranking import contest_rank
from questions.models import QuestionVersion
from tests.factories import ProfileFactory, UserFactory, contest_json, make_bank_with_topics

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
CODES = ["Q-001", "Q-002", "Q-003", "Q-004", "Q-005"]  # A and C, the rest: B
ALL_RIGHT = "B B B AC B"
HEADER = (
    "sheet_no,full_name,phone,id_number,answers,prediction,postmark_date,received_at,invalid_reason"
)


def make_contest(**overrides):
    make_bank_with_topics(multiple_every=4)
    data = contest_json(questions={"bank": "cchc", "codes": CODES}, **overrides)
    return contest_import(data=data)[0]


def online(
    contest, phone, *, answers=None, prediction, seconds, start=datetime(2022, 6, 1, 8, tzinfo=VN)
):
    user = ProfileFactory(user=UserFactory(phone=phone), full_name=f"Người {phone[-3:]}").user
    attempt = attempt_start(contest=contest, user=user, now=start)[0]
    for item in attempt.items.select_related("version"):
        given = (answers or {}).get(item.version.question.code, item.version.correct)
        answer_save(
            attempt=attempt, user=user, position=item.position, answer=given, seq=1, now=start
        )
    return attempt_submit(
        attempt=attempt,
        user=user,
        submit_key="k",
        prediction=prediction,
        now=start + timedelta(seconds=seconds),
    )


def paper(contest, *rows):
    data = ("\n".join([HEADER, *rows]) + "\n").encode()
    report = paper_import(contest=contest, data=data, kind="csv")
    assert report.errors == []


@pytest.fixture
def scenario():
    """Four valid people with full marks, a non-counted sheet, three invalid sheets."""
    contest = make_contest()
    a = online(contest, "0905000001", prediction=4, seconds=100)
    b = online(contest, "0905000002", prediction=4, seconds=50)
    paper(
        contest,
        f"P-1,Trần Văn Cư,0905000003,,{ALL_RIGHT},6,2022-06-01,,",
        f"P-2,Lê Thị Dung,,079185000123,{ALL_RIGHT},2,2022-06-01,02/06/2022 09:00,",
        # a's sheet scores less than a's attempt: it is valid but not counted
        "P-6,Người 001,0905 000 001,,A B B AC B,4,2022-06-01,,",
        f"P-3,Phạm Văn Muộn,0905000004,,{ALL_RIGHT},4,2022-06-10,,",
        f"P-4,,0905000005,,{ALL_RIGHT},4,2022-06-01,,",
        f"P-5,Võ Thị Sao,0905000006,,{ALL_RIGHT},4,2022-06-01,,photocopy",
    )
    return contest, a, b


def test_the_ranking_follows_the_contract_chain(scenario):
    contest, a, b = scenario
    result = contest_rank(contest)[0]
    out = result_json(result)
    assert out["target"] == 4  # distinct valid people: a, b, Cư, Dung
    ranked = [(e["person"], e["rank"], e["prize"], e["decided_by"]) for e in out["entries"]]
    assert ranked == [
        ("0905000002", 1, "Giải Nhất", "duration"),  # same prediction as a, quicker
        ("0905000001", 2, "Giải Nhì", "prediction_error"),  # 0 away; Cư is 2 away
        ("0905000003", 3, "Giải Nhì", "submitted_at"),  # 2 away like Dung (over and under tie)
        ("079185000123", 4, None, None),
    ]
    first = out["entries"][0]
    assert (
        first["channel"] == "online" and first["score"] == 5 and first["receipt"] == b.receipt_code
    )
    third = out["entries"][2]
    assert (
        third["channel"] == "paper"
        and third["sheet_no"] == "P-1"
        and third["full_name"] == "Trần Văn Cư"
    )
    assert sorted((i["sheet_no"], i["reason"]) for i in out["invalid"]) == [
        ("P-3", "late_postmark"),
        ("P-4", "missing_identity"),
        ("P-5", "photocopy"),
    ]
    # a's lower paper sheet is in neither list
    assert "P-6" not in {e.get("sheet_no") for e in out["entries"]} | {
        i["sheet_no"] for i in out["invalid"]
    }


def test_a_blank_and_a_multiple_mark_score_zero_and_several_correct_is_all_or_nothing():
    contest = make_contest()
    paper(
        contest,
        "P-1,An,0905000001,,B B B AC B,1,2022-06-01,,",
        "P-2,Bình,0905000002,,- * B A B,1,2022-06-01,,",  # Q-004 half right: 0
        "P-3,Cư,0905000003,,B B B ACD B,1,2022-06-01,,",
    )
    contest_rank(contest)
    scores = dict(PaperEntry.objects.values_list("sheet_no", "score"))
    assert scores == {"P-1": 5, "P-2": 2, "P-3": 4}


def test_paper_sorts_after_online_on_a_duration_tie_and_earlier_submission_wins():
    contest = make_contest(tie_break=["score", "duration", "submitted_at"])
    paper(contest, f"P-1,Sớm,0905000009,,{ALL_RIGHT},1,2022-05-25,,")
    online(contest, "0905000001", prediction=1, seconds=600)
    ranked = result_json(contest_rank(contest)[0])["entries"]
    assert [e["channel"] for e in ranked] == ["online", "paper"]
    assert ranked[0]["decided_by"] == "duration"


def test_a_sheet_counts_as_submitted_at_received_at_else_the_end_of_its_postmark_day():
    contest = make_contest(tie_break=["score", "submitted_at"])
    paper(
        contest,
        f"P-1,Bưu điện,0905000009,,{ALL_RIGHT},1,2022-06-01,,",
        f"P-2,Nộp tay,0905000008,,{ALL_RIGHT},1,2022-06-01,01/06/2022 09:30,",
    )
    # Online, same day 23:59 and next day 00:01 (contest time): either side of the sheet's time.
    online(
        contest,
        "0905000001",
        prediction=1,
        seconds=30,
        start=datetime(2022, 6, 1, 23, 59, tzinfo=VN),
    )
    online(
        contest, "0905000002", prediction=1, seconds=30, start=datetime(2022, 6, 2, 0, 1, tzinfo=VN)
    )
    ranked = result_json(contest_rank(contest)[0])["entries"]
    assert [(e["person"], e["submitted_at"]) for e in ranked] == [
        ("0905000008", "2022-06-01T09:30:00+07:00"),
        ("0905000001", "2022-06-01T23:59:30+07:00"),
        ("0905000009", "2022-06-01T23:59:59.999999+07:00"),
        ("0905000002", "2022-06-02T00:01:30+07:00"),
    ]


def test_the_lot_is_sha256_of_seed_and_person_and_anyone_can_recompute_it():
    contest = make_contest(tie_break=["score", "lot"], lot_seed="xổ-số-2022")
    people = [f"09050000{n:02d}" for n in range(1, 9)]
    paper(contest, *[f"P-{p},Người {p},{p},,{ALL_RIGHT},1,2022-06-01,," for p in people])
    ranked = [e["person"] for e in result_json(contest_rank(contest)[0])["entries"]]
    expected = sorted(people, key=lambda p: hashlib.sha256(f"xổ-số-2022:{p}".encode()).hexdigest())
    assert (
        ranked == expected
        and lot_digest("xổ-số-2022", people[0])
        == hashlib.sha256(f"xổ-số-2022:{people[0]}".encode()).hexdigest()
    )


def test_predictions_a_hundred_billion_away_are_still_ranked_by_their_distance():
    # The sort's prefix caps the distance (ranking._sort_prefix): beyond it, the distance
    # itself still decides.
    contest = make_contest()
    paper(
        contest,
        f"P-1,An,0905000001,,{ALL_RIGHT},900000000000,2022-06-01,,",
        f"P-2,Bình,0905000002,,{ALL_RIGHT},100000000000,2022-06-01,,",
        f"P-3,Chi,0905000003,,{ALL_RIGHT},5,2022-06-01,,",
        f"P-4,Dũng,0905000004,,{ALL_RIGHT},,2022-06-01,,",
        "P-5,Én,0905000005,,B B B AB B,4,2022-06-01,,",
    )
    ranked = [
        (e["full_name"], e["decided_by"]) for e in result_json(contest_rank(contest)[0])["entries"]
    ]
    assert ranked == [
        ("Chi", "prediction_error"),  # 1 away from the 5 people
        ("Bình", "prediction_error"),
        ("An", "prediction_error"),
        ("Dũng", "score"),  # no prediction: after every prediction, before a lower score
        ("Én", None),
    ]


@pytest.mark.parametrize(("rule", "counted_score"), [("best", 5), ("first", 3), ("last", 4)])
def test_the_counted_attempt_rule_picks_one_entry_per_person(rule, counted_score):
    contest = make_contest(counted_attempt=rule)
    user_phone = "0905000001"
    user = ProfileFactory(user=UserFactory(phone=user_phone)).user
    day = datetime(2022, 6, 1, 8, tzinfo=VN)
    for n, wrong in enumerate([("Q-001", "Q-002"), (), ("Q-001",)]):
        attempt = attempt_start(contest=contest, user=user, now=day + timedelta(hours=n))[0]
        for item in attempt.items.select_related("version__question"):
            given = "A" if item.version.question.code in wrong else item.version.correct
            answer_save(
                attempt=attempt,
                user=user,
                position=item.position,
                answer=given,
                seq=1,
                now=day + timedelta(hours=n),
            )
        attempt_submit(
            attempt=attempt,
            user=user,
            submit_key=str(n),
            prediction=1,
            now=day + timedelta(hours=n, minutes=5),
        )
    out = result_json(contest_rank(contest)[0])
    assert [(e["person"], e["score"]) for e in out["entries"]] == [(user_phone, counted_score)]
    assert out["target"] == 1


def test_one_prize_per_person_and_prizes_go_down_the_ranking():
    contest = make_contest(
        prizes=[{"name": "Nhất", "count": 1}, {"name": "Khuyến khích", "count": 2}]
    )
    paper(
        contest,
        f"P-1,An,0905000001,,{ALL_RIGHT},1,2022-06-01,,",
        f"P-2,An lần hai,0905000001,,{ALL_RIGHT},1,2022-06-02,,",
        "P-3,Bình,0905000002,,A B B AC B,1,2022-06-01,,",
        "P-4,Cư,0905000003,,A A B AC B,1,2022-06-01,,",
        "P-5,Dung,0905000004,,A A A AC B,1,2022-06-01,,",
    )
    entries = result_json(contest_rank(contest)[0])["entries"]
    assert [(e["person"], e["prize"]) for e in entries] == [
        ("0905000001", "Nhất"),
        ("0905000002", "Khuyến khích"),
        ("0905000003", "Khuyến khích"),
        ("0905000004", None),
    ]


def test_target_all_correct_counts_valid_full_mark_entries():
    contest = make_contest(
        prediction={"question": "Bao nhiêu bài đúng hết?", "target": "all_correct"}
    )
    online(contest, "0905000001", prediction=2, seconds=60)
    online(contest, "0905000002", prediction=2, seconds=60, answers={"Q-001": "A"})
    paper(contest, f"P-1,Cư,0905000003,,{ALL_RIGHT},2,2022-06-01,,")
    assert contest_rank(contest)[0].target == 2


def test_rank_contest_json_final_and_frozen(scenario, tmp_path):
    contest, _a, _b = scenario
    out = io.StringIO()
    call_command("rank_contest", contest.slug, "--json", stdout=out)
    payload = json.loads(out.getvalue())
    assert payload["contest"] == contest.slug and payload["final"] is False
    assert set(payload) >= {"contest", "final", "target", "entries", "invalid"}
    assert set(payload["entries"][0]) >= {
        "rank",
        "person",
        "full_name",
        "channel",
        "score",
        "prediction",
        "prize",
        "decided_by",
    }
    call_command("rank_contest", contest.slug, "--final", stdout=io.StringIO())
    frozen = Result.objects.get(final=True)
    # A correction after the final result does not move it; ranking again shows the frozen one.
    PaperEntry.objects.filter(sheet_no="P-1").update(prediction=4)
    out = io.StringIO()
    call_command("rank_contest", contest.slug, "--json", stdout=out)
    again = json.loads(out.getvalue())
    assert again["final"] is True and again["inputs_hash"] == frozen.inputs_hash
    assert again["entries"] == payload["entries"]
    with pytest.raises(CommandError, match="đã chốt"):
        call_command("rank_contest", contest.slug, "--final", stdout=io.StringIO())
    assert Result.objects.count() == 1


def test_final_is_refused_before_the_close():
    from django.utils import timezone

    now = timezone.localtime(timezone.now(), VN)
    contest = make_contest(
        opens_at=(now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        closes_at=(now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
    )
    with pytest.raises(CommandError, match="chưa đóng"):
        call_command("rank_contest", contest.slug, "--final", stdout=io.StringIO())
    call_command("rank_contest", contest.slug, stdout=io.StringIO())
    assert not Result.objects.filter(final=True).exists()


def test_grading_uses_the_frozen_versions_not_a_later_edit(scenario):
    contest, a, _b = scenario
    version = QuestionVersion.objects.get(question__code="Q-001", number=1)
    from questions.services import question_save

    question_save(
        bank=version.question.bank,
        code="Q-001",
        topic_name="Thể chế",
        kind="single",
        text="Đã sửa",
        options=version.options,
        correct="D",
    )
    contest_rank(contest)
    a.refresh_from_db()
    assert a.score == 5 and Attempt.objects.get(pk=a.pk).items.filter(version=version).exists()


def test_export_results_writes_csv_xlsx_and_pdf(scenario, tmp_path):
    contest, _a, _b = scenario
    with pytest.raises(CommandError, match="chưa được xếp hạng"):
        call_command("export_results", contest.slug, str(tmp_path / "r.csv"), stdout=io.StringIO())
    call_command("rank_contest", contest.slug, stdout=io.StringIO())
    call_command("export_results", contest.slug, str(tmp_path / "r.csv"), stdout=io.StringIO())
    lines = (tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("round,rank,prize,full_name,person")
    assert lines[3].startswith("1,3,Giải Nhì,Trần Văn Cư,0905000003")
    assert (
        sum(
            1 for line in lines if line.endswith(("late_postmark", "photocopy", "missing_identity"))
        )
        == 3
    )
    call_command("export_results", contest.slug, str(tmp_path / "r.xlsx"), stdout=io.StringIO())
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "r.xlsx", read_only=True)
    rows = list(book["Kết quả"].iter_rows(values_only=True))
    assert rows[1][:4] == (1, 1, "Giải Nhất", "Người 002") and len(rows) == 1 + 4 + 3
    for name, extra in (("winners.pdf", []), ("certificates.pdf", ["--certificates"])):
        call_command(
            "export_results", contest.slug, str(tmp_path / name), *extra, stdout=io.StringIO()
        )
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"%PDF") and b"DejaVu" in data
    with pytest.raises(CommandError, match="đuôi"):
        call_command("export_results", contest.slug, str(tmp_path / "r.doc"), stdout=io.StringIO())


def test_ranking_again_gives_the_same_result_and_replaces_the_provisional_one(scenario):
    contest, _a, _b = scenario
    first = result_json(contest_rank(contest)[0])
    second = result_json(contest_rank(contest)[0])
    assert first == second and len(first["inputs_hash"]) == 64
    assert Result.objects.filter(contest=contest).count() == 1
    assert ResultRow.objects.filter(result__contest=contest).count() == 4 + 3


@pytest.mark.parametrize(
    ("model", "change"),
    [
        (PaperEntry, {"score": 1}),
        (PaperEntry, {"prediction": 11}),
        (PaperEntry, {"prediction": None}),
        (PaperEntry, {"full_name": "Tên Đã Sửa"}),  # found by review: the name was not hashed
        (Attempt, {"submitted_at": datetime(2026, 6, 1, 9, 30, tzinfo=ZoneInfo("UTC"))}),
        (User, {"date_joined": datetime(2022, 5, 1, 9, 30, tzinfo=ZoneInfo("UTC"))}),
    ],
    ids=[
        "paper-score",
        "paper-prediction",
        "paper-no-prediction",
        "paper-name",
        "online-submitted-at",
        "online-registered-at",
    ],
)
def test_the_inputs_hash_changes_with_any_entry_it_read(scenario, model, change):
    """The same rules, one entry different: another hash (what an auditor relies on).

    On PostgreSQL the rows are hashed in the database; a hash taken from the wrong
    statement (the setting put back after it, once) was the same whatever the entries.
    """
    contest, _a, _b = scenario
    before = contest_rank(contest)[0].inputs_hash
    # (the first sheet and attempt are counted entries; the first account took one)
    model.objects.filter(pk=model.objects.order_by("pk")[0].pk).update(**change)
    assert contest_rank(contest)[0].inputs_hash != before


def test_the_invalid_entries_are_listed_in_a_fixed_order():
    """Found by review: ranked twice, the same invalid entries came in another order (the
    entries are gathered in parallel); they are listed online first, by attempt, then the
    sheets, by sheet."""
    contest = make_contest()
    attempts = [online(contest, f"090500010{n}", prediction=4, seconds=100 + n) for n in range(6)]
    Profile.objects.filter(user__in=[a.user for a in attempts]).update(full_name="")
    paper(
        contest,
        f"P-9,,0905000201,,{ALL_RIGHT},4,2022-06-01,,",
        f"P-8,,0905000202,,{ALL_RIGHT},4,2022-06-01,,",
    )
    invalid = result_json(contest_rank(contest)[0])["invalid"]
    by_attempt = sorted(attempts, key=lambda a: a.pk)
    assert [i.get("receipt") for i in invalid[:6]] == [a.receipt_code for a in by_attempt]
    assert [i.get("sheet_no") for i in invalid[6:]] == ["P-9", "P-8"]  # (as keyed: by sheet id)
    assert {i["reason"] for i in invalid} == {"missing_identity"}
