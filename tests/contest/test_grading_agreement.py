"""Online grading (Python, one attempt at submit) and set-based grading (SQL: a round, a paper
sheet, a regrade after a key correction) give the same score and maximum for every entry."""

import pytest
from django.db.models import F

from contest.definition import contest_import
from contest.grading import grade_items, grade_round, key_rules
from contest.models import Attempt, AttemptQuestion, KeyCorrection, PaperEntry
from contest.results.key_corrections import key_correct
from questions.models import QuestionVersion
from tests.contest.test_ranking import make_contest, online, paper
from tests.factories import UserFactory, contest_json, make_bank_with_topics

pytestmark = pytest.mark.django_db

# Q-001..Q-005; key B B B AC B (Q-004 has two correct options).
ANSWER_SETS = {
    "0905000001": {},  # all right
    "0905000002": {"Q-001": "C", "Q-004": "A"},  # a wrong single answer, half of a multiple
    "0905000003": {"Q-001": "", "Q-002": "", "Q-004": ""},  # blanks
    "0905000004": {"Q-001": "A", "Q-002": "C", "Q-003": "D", "Q-004": "ACD", "Q-005": "A"},
    "0905000005": {"Q-002": "A", "Q-004": "C"},
}
SHEETS = (
    "P-1,An,0905000011,,B B B AC B,3,2022-06-01,,",
    "P-2,Bình,0905000012,,C A B A B,3,2022-06-01,,",  # wrong singles, half a multiple
    "P-3,Cư,0905000013,,- - B AC *,3,2022-06-01,,",  # blanks and a question marked twice
    "P-4,Dung,0905000014,,A C D ACD A,3,2022-06-01,,",  # all wrong
)


def python_grades(contest) -> dict:
    rules = key_rules(contest.pk)
    grades = {}
    for attempt in Attempt.objects.filter(contest=contest).prefetch_related("items__version"):
        grades[("online", str(attempt.pk))] = grade_items(attempt.items.all(), rules)
    for entry in PaperEntry.objects.filter(contest=contest).prefetch_related("items__version"):
        grades[("paper", entry.sheet_no)] = grade_items(entry.items.all(), rules)
    return grades


def stored_grades(contest) -> dict:
    return {
        **{
            ("online", str(pk)): (score, maximum)
            for pk, score, maximum in Attempt.objects.filter(contest=contest).values_list(
                "pk", "score", "max_score"
            )
        },
        **{
            ("paper", sheet): (score, maximum)
            for sheet, score, maximum in PaperEntry.objects.filter(contest=contest).values_list(
                "sheet_no", "score", "max_score"
            )
        },
    }


def assert_both_agree(contest):
    """The stored grades (written by SQL, or at submit) equal the Python grades, and a full
    SQL regrade of every round writes them again unchanged."""
    expected = python_grades(contest)
    assert stored_grades(contest) == expected
    for round in contest.rounds.all():
        grade_round(round)
    assert stored_grades(contest) == expected
    return expected


def correct(contest, code, action, answers=()):
    key_correct(
        contest=contest,
        code=code,
        action=action,
        answers=list(answers),
        reason="Quyết định của Ban Tổ chức.",
        user=UserFactory(),
    )


@pytest.fixture
def contest():
    contest = make_contest()
    for phone, answers in ANSWER_SETS.items():
        online(contest, phone, answers=answers, prediction=3, seconds=60)
    paper(contest, *SHEETS)
    return contest


def test_python_and_sql_grading_agree_on_every_kind_of_answer_before_any_correction(contest):
    grades = assert_both_agree(contest)
    # the grades differ between entries: the comparison is not between zeros
    assert len({score for score, _maximum in grades.values()}) >= 4
    assert {maximum for _score, maximum in grades.values()} == {5}


def test_python_and_sql_grading_agree_after_more_answers_are_accepted(contest):
    correct(contest, "Q-001", "accept", ["B", "C"])  # a single-answer question
    correct(contest, "Q-004", "accept", ["AC", "A"])  # a several-correct question
    grades = assert_both_agree(contest)
    assert grades[("paper", "P-2")] == (4, 5)  # C for Q-001 and A for Q-004 now score


def test_python_and_sql_grading_agree_after_a_question_is_voided(contest):
    correct(contest, "Q-002", "void")
    correct(contest, "Q-004", "void")
    grades = assert_both_agree(contest)
    assert {maximum for _score, maximum in grades.values()} == {3}


def test_python_and_sql_grading_agree_after_a_correction_of_a_correction(contest):
    correct(contest, "Q-001", "accept", ["B", "C"])
    correct(contest, "Q-001", "void")  # the accept is overruled
    correct(contest, "Q-002", "void")
    correct(contest, "Q-002", "accept", ["A"])  # the void is overruled: only A scores now
    assert KeyCorrection.objects.filter(contest=contest).count() == 4
    grades = assert_both_agree(contest)
    assert grades[("paper", "P-1")] == (3, 4)  # B for Q-002 no longer scores
    assert grades[("paper", "P-2")] == (3, 4)  # A for Q-004 alone is half of AC: 0


def test_sheets_imported_after_corrections_are_written_with_the_grades_in_force(contest):
    correct(contest, "Q-001", "accept", ["B", "C"])
    correct(contest, "Q-002", "void")
    paper(contest, "P-5,Em,0905000015,,C A B AC B,3,2022-06-01,,")  # C now scores, Q-002 is out
    grades = assert_both_agree(contest)
    assert grades[("paper", "P-5")] == (4, 4)


def test_a_submit_grades_with_the_corrections_in_force_as_python_does():
    """A submit grades the attempt itself (on PostgreSQL in the statement that writes it).

    Corrections come only after the close; they are written here directly, so that the
    submit's own grading meets every kind: an accept, a void, and a correction of a
    correction (the latest wins), against the Python rule."""
    contest = make_contest()
    author = UserFactory()

    def write(code, action, answers=()):
        version = QuestionVersion.objects.get(
            question__code=code, pk=F("question__current_version_id")
        )
        KeyCorrection.objects.create(
            contest=contest,
            version=version,
            action=action,
            answers=list(answers),
            reason="r",
            created_by=author,
        )

    write("Q-001", "accept", ["B", "C"])
    write("Q-002", "void")
    write("Q-003", "accept", ["D"])
    write("Q-003", "accept", ["B", "D"])  # the latest wins: B and D
    write("Q-004", "void")
    write("Q-004", "accept", ["AC", "A"])  # no longer void
    for phone, answers in ANSWER_SETS.items():
        online(contest, phone, answers=answers, prediction=3, seconds=60)
    grades = python_grades(contest)
    assert stored_grades(contest) == grades
    assert {maximum for _score, maximum in grades.values()} == {4}  # Q-002 is void
    assert len({score for score, _maximum in grades.values()}) >= 3


def test_a_correction_regrades_exactly_the_attempts_that_drew_the_question():
    """Questions drawn per attempt: a correction touches the attempts given the question,
    and only them (a fixed list of questions, as above, gives it to every entry)."""
    make_bank_with_topics()  # 6 + 6 questions; each attempt draws 3 + 2 of them
    contest = contest_import(data=contest_json())[0]
    attempts = []
    for n in range(40):
        attempts.append(
            online(contest, f"09060000{n:02d}", answers={"Q-001": "C"}, prediction=3, seconds=60)
        )
        holders = AttemptQuestion.objects.filter(
            attempt__in=attempts, version__question__code="Q-001"
        ).count()
        if len(attempts) >= 8 and 0 < holders < len(attempts):
            break
    assert 0 < holders < len(attempts)
    before = stored_grades(contest)
    correction = key_correct(
        contest=contest,
        code="Q-001",
        action="accept",
        answers=["B", "C"],
        reason="Quyết định của Ban Tổ chức.",
        user=UserFactory(),
    )
    assert correction.entries_regraded == holders
    after = assert_both_agree(contest)
    changed = {key for key in after if after[key] != before[key]}
    assert len(changed) == holders  # each holder answered C, which now scores
