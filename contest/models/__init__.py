"""The contest app's models, one module per flow; imported from here as ``contest.models``.

``contests`` (contests, rounds, memberships), ``online`` (attempts), ``paper`` (sheets and
their keying), ``results`` (rankings, key corrections, checks, the results log).
"""

from contest.models.contests import Contest, ContestMembership, Round
from contest.models.online import Attempt, AttemptQuestion, _receipt_code
from contest.models.paper import (
    PaperAnswer,
    PaperCorrection,
    PaperEntry,
    PaperKeying,
    PaperReceipt,
    SheetScan,
    _scan_path,
)
from contest.models.results import KeyCorrection, Result, ResultEvent, ResultRow, WinnerCheck

__all__ = [
    "Attempt",
    "AttemptQuestion",
    "Contest",
    "ContestMembership",
    "KeyCorrection",
    "PaperAnswer",
    "PaperCorrection",
    "PaperEntry",
    "PaperKeying",
    "PaperReceipt",
    "Result",
    "ResultEvent",
    "ResultRow",
    "Round",
    "SheetScan",
    "WinnerCheck",
    "_receipt_code",  # the migrations name these two callables as contest.models.<name>
    "_scan_path",
]
