"""The questions printed on a round's paper sheet and a sheet's written marks (docs/contracts.md,
"Paper entries": ``ABD-*``, or groups ``A AC - D`` when a question takes several answers).

``paper_versions`` is what the printed sheet asks; ``parse_marks`` reads what a sheet answers,
``marks_text`` writes it back in the contract's spelling. ``PaperSetupError``: the contest
is not set up for paper sheets.
"""

import re

from django.utils.translation import gettext as _

from contest.models import Round
from core.errors import Refusal
from questions.models import LETTERS, QuestionVersion
from questions.selectors import spec_questions


class PaperSetupError(Refusal):
    """The contest cannot take paper sheets as it is set up (message for the organizer)."""

    code = "paper_setup"


def marks_text(marks: list[str]) -> str:
    """Marks back to the contract's spelling: ``ABD-*`` or, with any group, ``A AC - D``."""
    shown = [m or "-" for m in marks]
    plain = "".join(shown)
    # Every mark shown is one character or more: as long as the marks, none is a group.
    return plain if len(plain) == len(shown) else " ".join(shown)


def paper_versions(round: Round) -> list[QuestionVersion]:
    """The question versions on the round's printed sheet, in sheet order.

    Paper needs a fixed question list: a blueprint drawn per attempt has no one
    sheet to print.
    """
    spec = round.questions_spec or round.contest.questions_spec
    if "codes" not in spec:
        raise PaperSetupError(
            _(
                "cuộc thi rút câu hỏi ngẫu nhiên cho từng lượt nên không có phiếu giấy cố định; "
                "hãy đặt danh sách mã câu hỏi cố định cho phiếu giấy."
            ),
            "questions_drawn",
        )
    rows = dict(
        spec_questions(bank_slug=spec["bank"], archived_too=True)
        .filter(code__in=spec["codes"])
        .values_list("code", "current_version_id")
    )
    missing = [c for c in spec["codes"] if not rows.get(c)]
    if missing:
        raise PaperSetupError(
            _("ngân hàng %(bank)s thiếu câu hỏi %(codes)s.")
            % {"bank": spec["bank"], "codes": ", ".join(missing)},
            "questions_missing",
        )
    versions = QuestionVersion.objects.in_bulk([rows[c] for c in spec["codes"]])
    return [versions[rows[c]] for c in spec["codes"]]


def mark_groups(text) -> list[str]:
    """The one reading of a sheet's answers as written: upper-cased, one group per question,
    split at whitespace when there is any (``A AC - D``), else one letter each (``ABD-*``)."""
    raw = str(text or "").strip().upper()
    return raw.split() if re.search(r"\s", raw) else list(raw)


def parse_marks(text: str, versions: list[QuestionVersion]) -> list[str]:
    """The marks of a sheet, one per question; ``ValueError`` with a clerk's message."""
    groups = mark_groups(text)
    if not groups:
        raise ValueError(_("thiếu đáp án (ghi - cho câu bỏ trống)"))
    if len(groups) != len(versions):
        raise ValueError(
            _("có %(n)s câu trả lời, phiếu có %(questions)s câu")
            % {"n": len(groups), "questions": len(versions)}
        )
    marks = []
    for number, (group, version) in enumerate(zip(groups, versions, strict=True), start=1):
        if group == "-":
            marks.append("")
            continue
        if group == "*":
            marks.append("*")
            continue
        allowed = LETTERS[: len(version.options)]
        if len(group) == 1 and group in allowed:  # the common case, without the checks below
            marks.append(group)
            continue
        wrong = [c for c in group if c not in allowed]
        if wrong:
            raise ValueError(
                _(
                    "câu %(n)s: không có phương án “%(letter)s” (câu này có %(first)s–%(last)s; "
                    "- là bỏ trống, * là đánh nhiều ô)"
                )
                % {"n": number, "letter": wrong[0], "first": allowed[0], "last": allowed[-1]}
            )
        if len(set(group)) != len(group):
            raise ValueError(
                _("câu %(n)s: “%(group)s” ghi một chữ cái hai lần") % {"n": number, "group": group}
            )
        if len(group) > 1 and version.kind != QuestionVersion.Kind.MULTIPLE:
            raise ValueError(
                _("câu %(n)s chỉ có một đáp án đúng: đánh nhiều ô thì ghi *, không ghi “%(group)s”")
                % {"n": number, "group": group}
            )
        marks.append("".join(sorted(group)))
    return marks


def plain_marks_of(versions: list[QuestionVersion]) -> frozenset[str]:
    """The characters an answers text of one character a question may hold on every question
    of ``versions`` (a letter each has, ``-``, ``*``): such a text needs no further check."""
    fewest = min((len(v.options) for v in versions), default=0)
    return frozenset(LETTERS[:fewest]) | {"-", "*"}
