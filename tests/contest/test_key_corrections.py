"""Answer-key corrections after the close, and prizes: across rounds, for the closest prediction."""

from datetime import datetime
from decimal import Decimal

import pytest

from contest.models import KeyCorrection, PaperEntry
from contest.results.exports import result_json
from contest.results.key_corrections import KeyCorrectionRefused, key_correct
from contest.results.ranking import contest_rank
from tests.contest.test_ranking import ALL_RIGHT, VN, make_contest, online, paper
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer():
    return UserFactory()


@pytest.fixture
def contest():
    contest = make_contest()
    paper(
        contest,
        f"P-1,An,0905000001,,{ALL_RIGHT},3,2022-06-01,,",
        "P-2,Bình,0905000002,,C B B AC B,3,2022-06-01,,",  # C (key: B)
        "P-3,Cư,0905000003,,B A B AC B,3,2022-06-01,,",  # A (key: B)
    )
    return contest


def scores():
    return {
        sheet: (score, maximum)
        for sheet, score, maximum in PaperEntry.objects.values_list(
            "sheet_no", "score", "max_score"
        )
    }


def test_sheets_are_graded_when_they_are_written(contest):
    assert scores() == {"P-1": (5, 5), "P-2": (4, 5), "P-3": (4, 5)}


def test_accepting_a_second_answer_regrades_those_who_gave_it_and_is_recorded(contest, organizer):
    before = contest_rank(contest)[0].inputs_hash
    correction = key_correct(
        contest=contest,
        code="Q-001",
        action="accept",
        answers=["B", " c "],
        reason="Câu 1 có hai cách hiểu: B và C đều đúng theo Nghị định 61/2018/NĐ-CP.",
        user=organizer,
    )
    assert scores() == {"P-1": (5, 5), "P-2": (5, 5), "P-3": (4, 5)}
    record = KeyCorrection.objects.get()
    assert record == correction and record.answers == ["B", "C"] and record.created_by == organizer
    assert record.entries_regraded == 3  # every sheet had Q-001
    result = result_json(contest_rank(contest)[0])
    assert result["inputs_hash"] != before  # the key is part of what the ranking read
    assert [e["score"] for e in result["entries"]] == [5, 5, 4]


def test_voiding_a_question_takes_it_out_for_everyone_online_and_on_paper(contest, organizer):
    attempt = online(contest, "0905000009", prediction=3, seconds=60)
    assert (attempt.score, attempt.max_score) == (5, 5)
    key_correct(
        contest=contest,
        code="Q-002",
        action="void",
        answers=[],
        reason="Câu 2 sai căn cứ pháp lý.",
        user=organizer,
    )
    assert scores() == {"P-1": (4, 4), "P-2": (3, 4), "P-3": (4, 4)}
    attempt.refresh_from_db()
    assert (attempt.score, attempt.max_score) == (4, 4)
    # Cư missed only the voided question: full marks now, for the all_correct target too.
    entries = result_json(contest_rank(contest)[0])["entries"]
    assert {e["person"] for e in entries if e["score"] == 4} == {
        "0905000001",
        "0905000003",
        "0905000009",
    }


def test_the_latest_correction_is_in_force_and_every_one_is_kept(contest, organizer):
    for answers in (["B", "C"], ["B"]):
        key_correct(
            contest=contest,
            code="Q-001",
            action="accept",
            answers=answers,
            reason="sửa lại",
            user=organizer,
        )
    assert scores()["P-2"] == (4, 5)
    assert KeyCorrection.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "Q-999"}, "không có trong bài nào"),
        ({"answers": ["E"]}, "chỉ có phương án A, B, C, D"),
        ({"answers": ["BC"]}, "chỉ chọn một phương án"),
        ({"answers": [" "]}, "hãy ghi các đáp án"),
        ({"reason": "  "}, "hãy ghi lý do"),
        ({"action": "delete"}, "hãy chọn"),
        ({"now": datetime(2022, 6, 9, 15, 59, tzinfo=VN)}, "sau giờ đóng"),
    ],
)
def test_bad_corrections_are_refused_and_change_nothing(contest, organizer, change, message):
    request = {
        "contest": contest,
        "code": "Q-001",
        "action": "accept",
        "answers": ["B", "C"],
        "reason": "lý do",
        "user": organizer,
        **change,
    }
    with pytest.raises(KeyCorrectionRefused, match=message):
        key_correct(**request)
    assert not KeyCorrection.objects.exists()
    assert scores()["P-2"] == (4, 5)


def test_no_correction_once_the_results_are_final(contest, organizer):
    contest_rank(contest, final=True)
    with pytest.raises(KeyCorrectionRefused, match="đã chốt"):
        key_correct(
            contest=contest,
            code="Q-001",
            action="void",
            answers=[],
            reason="muộn",
            user=organizer,
        )
    assert scores()["P-1"] == (5, 5)


def test_a_correction_regrades_online_attempts_that_gave_the_new_answer(organizer):
    contest = make_contest()
    attempt = online(contest, "0905000001", prediction=3, seconds=60, answers={"Q-001": "C"})
    assert attempt.score == 4
    key_correct(
        contest=contest, code="Q-001", action="accept", answers=["C"], reason="x", user=organizer
    )
    attempt.refresh_from_db()
    assert attempt.score == Decimal(5)


# --- prizes ----------------------------------------------------------------------------------


def two_rounds(**overrides):
    return make_contest(
        rounds=[
            {
                "title": "Tuần 1",
                "opens_at": "2022-05-24 16:00",
                "closes_at": "2022-05-31 16:00",
                "prizes": [{"name": "Giải tuần 1", "count": 1}],
            },
            {
                "title": "Tuần 2",
                "opens_at": "2022-05-31 16:00",
                "closes_at": "2022-06-09 16:00",
                "prizes": [{"name": "Giải tuần 2", "count": 1}],
            },
        ],
        **overrides,
    )


def test_one_prize_per_person_across_rounds_the_next_person_moves_up():
    contest = two_rounds()
    paper(
        contest,
        f"P-1,An,0905000001,,{ALL_RIGHT},3,2022-05-26,,",
        "P-2,Bình,0905000002,,A B B AC B,3,2022-05-26,,",
        f"P-3,An,0905000001,,{ALL_RIGHT},3,2022-06-02,,",  # An tops week 2 as well
        "P-4,Bình,0905000002,,A B B AC B,3,2022-06-02,,",
    )
    first, second = contest_rank(contest)
    assert [(e["person"], e["prize"]) for e in result_json(first)["entries"]] == [
        ("0905000001", "Giải tuần 1"),
        ("0905000002", None),
    ]
    assert [(e["person"], e["prize"]) for e in result_json(second)["entries"]] == [
        ("0905000001", None),  # already holds a prize in this contest
        ("0905000002", "Giải tuần 2"),
    ]


def test_the_closest_prediction_prize_goes_to_the_closest_without_another_prize():
    contest = make_contest(
        prizes=[
            {"name": "Giải Nhất", "count": 1},
            {"name": "Giải dự đoán", "count": 1, "for": "prediction"},
        ]
    )
    paper(
        contest,
        f"P-1,An,0905000001,,{ALL_RIGHT},4,2022-06-01,,",  # exact, but wins Giải Nhất
        "P-2,Bình,0905000002,,A A A AC B,5,2022-06-01,,",  # 1 away, low score
        "P-3,Cư,0905000003,,A B B AC B,9,2022-06-01,,",
        "P-4,Dung,0905000004,,A B B AC B,3,2022-06-01,,",  # 1 away too, ranks above Bình
    )
    out = result_json(contest_rank(contest)[0])
    assert out["target"] == 4
    assert {e["person"]: e["prize"] for e in out["entries"] if e["prize"]} == {
        "0905000001": "Giải Nhất",
        "0905000004": "Giải dự đoán",
    }


def test_collective_prizes_go_by_participation_rate_with_a_minimum_by_unit_size():
    from tests.factories import UnitFactory

    UnitFactory(code="a", name="Xã A", headcount=10)  # small: needs 50%
    UnitFactory(code="b", name="Xã B", headcount=1000)  # large: needs 0.1%
    UnitFactory(code="c", name="Xã C", headcount=4)  # small, but only 1 of 4 took part
    UnitFactory(code="d", name="Xã D", headcount=None)  # no headcount entered
    contest = make_contest(
        prizes=[{"name": "Giải Nhất", "count": 1}],
        unit_prizes={
            "prizes": [
                {"name": "Tập thể Nhất", "count": 1},
                {"name": "Tập thể Nhì", "count": 5},
            ],
            "min_rate": [{"up_to": 100, "rate": 0.5}, {"rate": 0.001}],
            "points": {"Giải Nhất": 3},
        },
    )
    rows = [
        f"P-{n},Người {n},09050000{n:02d},,A B B AC B,3,2022-06-01,,,{u}"
        for n, u in (
            (1, "a"),
            (2, "a"),
            (3, "a"),
            (4, "a"),
            (5, "a"),  # 5 of 10: 50%
            (6, "b"),
            (7, "b"),  # 2 of 1000
            (8, "c"),  # 1 of 4: 25% < 50%
            (9, "d"),
        )
    ]
    rows.append(f"P-10,Người 10,0905000010,,{ALL_RIGHT},3,2022-06-01,,,b")  # Giải Nhất: 3 points
    from contest.paper.importing import paper_import

    data = (
        "sheet_no,full_name,phone,id_number,answers,prediction,postmark_date,received_at,"
        "invalid_reason,unit\n" + "\n".join(rows) + "\n"
    ).encode()
    assert paper_import(contest=contest, data=data, kind="csv").errors == []
    standings = contest_rank(contest)[-1].unit_standings
    table = [
        (u["unit"], u["participants"], u["rate"], u["points"], u["eligible"], u["prize"])
        for u in standings
    ]
    assert table == [
        ("Xã A", 5, 0.5, 0, True, "Tập thể Nhất"),
        ("Xã B", 3, 0.003, 3.0, True, "Tập thể Nhì"),
        ("Xã C", 1, 0.25, 0, False, ""),
        ("Xã D", 1, None, 0, False, ""),
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("giải", "unit_prizes: cần một đối tượng"),
        ({"prizes": [{"name": "X"}]}, "unit_prizes.prizes[0]"),
        ({"prizes": [], "min_rate": [{"rate": 30}]}, "tỷ lệ từ 0 đến 1"),
        ({"prizes": [], "points": {"Nhất": -1}}, "điểm không âm"),
    ],
)
def test_bad_collective_prize_rules_are_refused(spec, message):
    from contest.definition import contest_check
    from tests.factories import contest_json

    _fields, _rounds, errors = contest_check(contest_json(unit_prizes=spec))
    assert any(message in e for e in errors), errors


def test_hardest_questions_follow_the_answer_key_corrections(contest, organizer):
    from contest.results.selectors import question_stats

    round_ = contest.rounds.get()
    share = {s["version"].question.code: (s["correct"], s["total"]) for s in question_stats(round_)}
    assert share["Q-001"] == (2, 3) and share["Q-002"] == (2, 3)
    key_correct(
        contest=contest,
        code="Q-001",
        action="accept",
        answers=["B", "C"],
        reason="Hai cách hiểu.",
        user=organizer,
    )
    key_correct(
        contest=contest,
        code="Q-002",
        action="void",
        answers=[],
        reason="Sai căn cứ.",
        user=organizer,
    )
    share = {s["version"].question.code: (s["correct"], s["total"]) for s in question_stats(round_)}
    assert share["Q-001"] == (3, 3)  # C is accepted now
    assert "Q-002" not in share  # a voided question is no longer listed


def test_the_ceremony_reveals_the_round_with_winners_not_an_empty_later_round(organizer):
    from contest.results.ceremony import ceremony_result

    contest = make_contest(
        slug="hai-vong",
        rounds=[
            {"title": "Tuần 1", "opens_at": "2022-05-24 16:00", "closes_at": "2022-06-03 16:00"},
            {"title": "Tuần 2", "opens_at": "2022-06-03 16:00", "closes_at": "2022-06-09 16:00"},
        ],
    )
    online(contest, "0905000009", prediction=3, seconds=60)  # 1 June: week 1
    contest_rank(contest, final=True)
    result = ceremony_result(contest)
    assert result.round.number == 1 and result.rows.exclude(prize="").count() == 1
