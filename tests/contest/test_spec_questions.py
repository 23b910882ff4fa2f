"""The questions a contest's question spec uses come from one selector
(``questions.selectors.spec_questions``): the check of a contest, the online draw and the paper
sheet read the same current versions."""

import pytest

from contest.definition import ContestInvalid, contest_import
from contest.models import AttemptQuestion
from contest.paper.marks import paper_versions
from questions.models import Question
from questions.selectors import spec_questions
from tests.contest.test_attempts import start
from tests.contest.test_ranking import CODES, make_contest
from tests.factories import ProfileFactory, TopicFactory, contest_json

pytestmark = pytest.mark.django_db


def archive(code):
    Question.objects.filter(code=code).update(archived=True)


def test_the_selector_gives_questions_with_a_current_version_and_not_archived():
    make_contest()
    bank = Question.objects.get(code="Q-001").bank
    Question.objects.create(bank=bank, code="Q-NEW", topic=TopicFactory(bank=bank))  # no version
    archive("Q-002")
    codes = set(spec_questions(bank_slug="cchc").values_list("code", flat=True))
    assert "Q-001" in codes and "Q-002" not in codes and "Q-NEW" not in codes
    with_archived = set(
        spec_questions(bank_slug="cchc", archived_too=True).values_list("code", flat=True)
    )
    assert with_archived == codes | {"Q-002"}
    assert not spec_questions(bank_slug="another-bank").exists()


def test_an_archived_question_is_refused_by_the_check_and_left_out_of_the_online_draw():
    contest = make_contest()
    archive("Q-002")
    with pytest.raises(ContestInvalid) as refused:
        contest_import(data=contest_json(slug="moi", questions={"bank": "cchc", "codes": CODES}))
    assert any("Q-002" in error for error in refused.value.errors)
    attempt = start(contest, ProfileFactory().user)
    drawn = AttemptQuestion.objects.filter(attempt=attempt).values_list(
        "version__question__code", flat=True
    )
    assert sorted(drawn) == ["Q-001", "Q-003", "Q-004", "Q-005"]


def test_a_printed_paper_sheet_keeps_a_question_archived_since():
    contest = make_contest()
    archive("Q-002")
    versions = paper_versions(contest.rounds.get())
    assert [v.question.code for v in versions] == CODES
    assert [v.pk for v in versions] == list(
        Question.objects.filter(code__in=CODES)
        .order_by("code")
        .values_list("current_version_id", flat=True)
    )
