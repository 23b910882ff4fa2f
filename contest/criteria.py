"""Tie-break criteria: the one registry every part of the platform reads.

Each criterion has its name (the code of the contest JSON and of ``decided_by``
in docs/contracts.md), its SQL key over the ranking's ``valid`` table (never NULL;
``{target}`` is filled in), its direction, the short Vietnamese label the pages
show (form choices, "decided by" columns) and the phrase the rules text uses
("điểm cao hơn → dự đoán gần … → bốc thăm").
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_BIGINT = 9223372036854775807  # "no prediction" / "no duration": after every real value


@dataclass(frozen=True)
class Criterion:
    """``integral``: where the key is a number, a whole number ``>= 0`` in SQL over the key's
    value ``{k}`` that never decreases as the key grows (equal keys, equal numbers), for the
    sort's one-word prefix (``contest.results.ranking._sort_prefix``); ``bound``: a number
    it always stays under (0: none)."""

    name: str
    key: str
    label: Promise
    explanation: Promise
    descending: bool = False
    integral: str = ""
    bound: int = 0


_ALL = [
    # higher score first
    # (in hundredths: a score is numeric(8, 2), under 10**6, so under 10**8 hundredths;
    # CAST truncates a float from SQLite, which only makes more ties for the keys to decide)
    Criterion(
        "score",
        "score",
        _("Điểm"),
        _("điểm cao hơn"),
        descending=True,
        integral="CASE WHEN {k} < 1000000 THEN CAST({k} * 100 AS BIGINT) ELSE 99999999 END",
        bound=10**8,
    ),
    # closest prediction first; no prediction sorts last; over and under at the same distance tie
    Criterion(
        "prediction_error",
        f"CASE WHEN prediction IS NULL OR {{target}} IS NULL THEN {_BIGINT} "
        "ELSE ABS(prediction - {target}) END",
        _("Dự đoán gần đúng"),
        _("dự đoán gần con số thực tế hơn"),
        integral="{k}",
    ),
    # shorter first; paper has none and sorts after online entries
    Criterion(
        "duration",
        f"COALESCE(duration, {_BIGINT})",
        _("Thời gian làm bài"),
        _("thời gian làm bài ngắn hơn (bài giấy xếp sau)"),
        integral="{k}",
    ),
    Criterion("submitted_at", "submitted_at", _("Thời điểm nộp"), _("nộp sớm hơn")),
    # fewer valid entries (attempts and sheets) of the person first
    Criterion("attempts", "n_entries", _("Số lượt thi"), _("ít lượt thi hơn"), integral="{k}"),
    # earlier registration first: the account's creation, else the person's first sheet
    Criterion("registered_at", "first_registered", _("Thời điểm đăng ký"), _("đăng ký sớm hơn")),
    # SHA-256 of lot_seed:person, smaller first (see contest.results.lots.lot_digest)
    Criterion("lot", "lot", _("Bốc thăm"), _("bốc thăm")),
]
CRITERIA: dict[str, Criterion] = {c.name: c for c in _ALL}
DEFAULT_TIE_BREAK = ["score", "prediction_error", "duration", "submitted_at", "lot"]


def criterion_label(name: str) -> str:
    """The Vietnamese label of a criterion ("" for none; the name itself if unknown)."""
    if not name:
        return ""
    found = CRITERIA.get(name)
    return str(found.label) if found else name


def criteria_text(chain: list[str]) -> str:
    """The tie-break chain in words: "điểm cao hơn → dự đoán gần … → bốc thăm"."""
    return " → ".join(
        str(CRITERIA[name].explanation) if name in CRITERIA else name for name in chain
    )
