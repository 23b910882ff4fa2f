"""The two keyings of a sheet side by side, as the reconciliation page shows them.

Keyings are stored in the canonical form of ``contest/paper/parsing.py`` (unit
codes, UTC ISO times); a person reading them wants unit names, local times and
the questions whose marks differ.
"""

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit
from contest.invalid_reasons import reason_label
from contest.models import Contest
from contest.paper.marks import mark_groups


def _shown(contest: Contest, key: str, value, units: dict[str, str]) -> str:
    if value in (None, ""):
        return ""
    if key == "unit":
        return units.get(value, value)
    if key == "received_at":
        moment = datetime.fromisoformat(value)
        return timezone.localtime(moment, contest.tz).strftime("%H:%M %d/%m/%Y")
    if key == "postmark_date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    if key == "invalid_reason":
        return reason_label(value)
    return str(value)


def keyings_compare(
    *, contest: Contest, first: dict, second: dict, labels: dict
) -> tuple[list[dict], list[dict]]:
    """(field rows, answer rows): each with both readings as shown and whether they differ.

    Answer rows are one per question: ``{"n", "first", "second", "differs"}``.
    """
    codes = {first.get("unit"), second.get("unit")} - {None, ""}
    units = dict(Unit.objects.filter(code__in=codes).values_list("code", "name"))
    rows = [
        {
            "key": key,
            "field": labels.get(key, key),
            "first": _shown(contest, key, first.get(key), units),
            "second": _shown(contest, key, second.get(key), units),
            "differs": first.get(key) != second.get(key),
        }
        for key in first
        if key not in ("round", "answers")
    ]
    a, b = mark_groups(first.get("answers", "")), mark_groups(second.get("answers", ""))
    answers = [
        {
            "n": n,
            "first": a[n - 1] if n <= len(a) else "",
            "second": b[n - 1] if n <= len(b) else "",
        }
        for n in range(1, max(len(a), len(b)) + 1)
    ]
    for row in answers:
        row["differs"] = row["first"] != row["second"]
    return rows, answers


def differing_questions(answers: list[dict]) -> str:
    """ "câu 3, 7" for the questions whose marks differ ("" when none)."""
    numbers = [str(row["n"]) for row in answers if row["differs"]]
    return _("câu %(list)s") % {"list": ", ".join(numbers)} if numbers else ""


def keying_initial(*, contest: Contest, data: dict, fields) -> dict:
    """A stored keying as the keying form takes it: local date-time, unit by name."""
    initial = {k: ("" if data.get(k) is None else data.get(k)) for k in fields}
    if initial.get("received_at"):
        moment = datetime.fromisoformat(initial["received_at"])
        initial["received_at"] = timezone.localtime(moment, contest.tz).strftime("%d/%m/%Y %H:%M")
    if initial.get("postmark_date"):
        initial["postmark_date"] = date.fromisoformat(initial["postmark_date"]).strftime("%d/%m/%Y")
    if initial.get("unit"):
        unit = Unit.objects.filter(code=initial["unit"]).first()
        initial["unit"] = unit.name if unit else initial["unit"]
    return initial


def correction_changes(*, contest: Contest, before: dict, after: dict, labels: dict) -> list[dict]:
    """The fields a correction changed, named and shown as the pages show them."""
    codes = {before.get("unit"), after.get("unit")} - {None, ""}
    units = dict(Unit.objects.filter(code__in=codes).values_list("code", "name"))
    return [
        {
            "field": labels.get(key, key),
            "before": _shown(contest, key, before.get(key), units),
            "after": _shown(contest, key, after.get(key), units),
        }
        for key in after
        if key != "round" and before.get(key) != after.get(key)
    ]
