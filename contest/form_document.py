"""The organizer's contest form and the contest JSON of docs/contracts.md, both ways.

``form_document`` builds the JSON document a filled form describes (handed to
``contest_import``, so the form, the command and the file share one set of rules);
``contest_initial`` fills the form from an existing contest; ``form_field_for`` puts a
service's error on the field it is about.
"""

import re

from django.utils import timezone

PRIZE_ROWS, UNIT_PRIZE_ROWS, RATE_ROWS, ROUND_ROWS = 6, 4, 3, 3


def form_document(data: dict, rows: dict, existing_rounds: list) -> dict:
    """The contest JSON document (docs/contracts.md) that the cleaned form ``data`` describes;
    ``rows`` are the filled rows of each repeated group (``ContestForm.clean``), and
    ``existing_rounds`` the contest's rounds, whose own questions and prizes are kept."""
    codes = [c for c in re.split(r"[\s,;]+", data["codes"]) if c]
    questions = {
        "bank": data["bank"].slug,
        "shuffle_options": data["shuffle_options"],
        "shuffle_questions": data["shuffle_questions"],
    }
    questions.update({"codes": codes} if codes and not data["draw"] else {"draw": data["draw"]})
    document = {
        "slug": data["slug"],
        "title": data["title"],
        "organizer": data["organizer"],
        "rules": data["rules"],
        "timezone": data["timezone"],
        "opens_at": data["opens_at"].strftime("%Y-%m-%d %H:%M"),
        "closes_at": data["closes_at"].strftime("%Y-%m-%d %H:%M"),
        "channels": data["channels"],
        "attempt_time_limit_minutes": data["attempt_time_limit_minutes"],
        "max_attempts": data["max_attempts"],
        "counted_attempt": data["counted_attempt"],
        "questions": questions,
        "tie_break": data["tie_break"],
        "lot_seed": data["lot_seed"],
        "prizes": _prizes(data, rows),
        "unit_prizes": _unit_prizes(data, rows),
        "hide_participation": data["hide_participation"],
        "grace_seconds": data["grace_seconds"],
        "double_keying": data["double_keying"],
        "essay_question": data["essay_question"],
    }
    rounds = _rounds(data, rows, existing_rounds)
    if rounds:
        document["rounds"] = rounds
    if data["paper_postmark_deadline"]:
        document["paper_postmark_deadline"] = data["paper_postmark_deadline"].isoformat()
    if data["prediction_question"] or data["prediction_target"]:
        document["prediction"] = {
            "question": data["prediction_question"],
            "target": data["prediction_target"],
        }
    return document


def _prizes(data: dict, rows: dict) -> list[dict]:
    prizes = []
    for i in rows["prize"]:
        prize = {"name": data[f"prize_{i}_name"].strip(), "count": data[f"prize_{i}_count"]}
        if data[f"prize_{i}_prediction"]:
            prize["for"] = "prediction"
        prizes.append(prize)
    return prizes


def _unit_prizes(data: dict, rows: dict) -> dict:
    prizes = [
        {"name": data[f"unit_prize_{i}_name"].strip(), "count": data[f"unit_prize_{i}_count"]}
        for i in rows["unit_prize"]
    ]
    if not prizes:
        return {}
    bands = []
    for i in range(RATE_ROWS):
        percent = data.get(f"rate_{i}_percent")
        if percent is None:
            continue
        band = {"rate": float(percent) / 100}
        if data.get(f"rate_{i}_up_to"):
            band["up_to"] = data[f"rate_{i}_up_to"]
        bands.append(band)
    bands.sort(key=lambda b: b.get("up_to", float("inf")))
    points = {}
    for i in rows["prize"]:
        value = data.get(f"prize_{i}_points")
        if value is not None:
            points[data[f"prize_{i}_name"].strip()] = (
                int(value) if value == int(value) else float(value)
            )
    return {"prizes": prizes, "min_rate": bands, "points": points}


def _rounds(data: dict, rows: dict, existing_rounds: list) -> list[dict]:
    rounds = []
    for n, i in enumerate(rows["round"]):
        kept = existing_rounds[n] if n < len(existing_rounds) else None
        entry = {
            "title": data[f"round_{i}_title"],
            "opens_at": data[f"round_{i}_opens_at"].strftime("%Y-%m-%d %H:%M"),
            "closes_at": data[f"round_{i}_closes_at"].strftime("%Y-%m-%d %H:%M"),
        }
        # a round's own questions and prizes (set by import_contest) are kept as they are
        if kept is not None and kept.questions_spec:
            entry["questions"] = kept.questions_spec
        if kept is not None and kept.prizes:
            entry["prizes"] = kept.prizes
        rounds.append(entry)
    return rounds


def form_field_for(path: str, rows: dict) -> str | None:
    """The form field a service error at ``path`` (``prizes[1].name``) is about, if any."""
    match = re.match(r"^(\w+)(?:\[(\d+)\])?(?:\.(\w+))?(?:\[(\d+)\])?(?:\.(\w+))?", path)
    if not match:
        return None
    head, index, sub, sub_index, _tail = match.groups()
    if head == "prizes":
        picked = rows.get("prize") or [0]
        return f"prize_{picked[int(index or 0)] if int(index or 0) < len(picked) else 0}_name"
    if head == "unit_prizes":
        if sub == "prizes":
            picked = rows.get("unit_prize") or [0]
            i = int(sub_index or 0)
            return f"unit_prize_{picked[i] if i < len(picked) else 0}_name"
        if sub == "min_rate":
            return f"rate_{int(sub_index or 0)}_percent"
        if sub == "points":
            return "prize_0_points"
        return "unit_prize_0_name"
    if head == "rounds":
        picked = rows.get("round") or [0]
        i = int(index or 0)
        row = picked[i] if i < len(picked) else 0
        return f"round_{row}_{sub}" if sub in ("opens_at", "closes_at") else f"round_{row}_title"
    if head in ("questions", "questions_spec"):
        return {"bank": "bank", "codes": "codes"}.get(sub or "", "draw")
    if head == "prediction":
        return "prediction_target" if sub == "target" else "prediction_question"
    if head == "prediction_target":
        return "prediction_target"
    if head == "tie_break":
        return "tie_break_0"
    return head


def contest_initial(contest) -> dict:
    """Form values for an existing contest, in its own time zone."""

    def local(moment):
        return timezone.localtime(moment, contest.tz).replace(tzinfo=None)

    spec = contest.questions_spec or {}
    initial = {
        "slug": contest.slug,
        "title": contest.title,
        "organizer": contest.organizer_name,
        "rules": contest.rules_text,
        "timezone": contest.timezone,
        "opens_at": local(contest.opens_at),
        "closes_at": local(contest.closes_at),
        "paper_postmark_deadline": contest.paper_postmark_deadline,
        "channels": contest.channels,
        "attempt_time_limit_minutes": contest.attempt_time_limit_minutes,
        "max_attempts": contest.max_attempts,
        "counted_attempt": contest.counted_attempt,
        "bank": spec.get("bank"),
        "draw": "\n".join(f"{d['topic']}: {d['count']}" for d in spec.get("draw", [])),
        "codes": ", ".join(spec.get("codes", [])),
        "shuffle_options": spec.get("shuffle_options", False),
        "shuffle_questions": spec.get("shuffle_questions", False),
        "prediction_question": contest.prediction_question,
        "prediction_target": contest.prediction_target,
        "lot_seed": contest.lot_seed,
        "hide_participation": contest.hide_participation,
        "grace_seconds": contest.grace_seconds,
        "double_keying": contest.double_keying,
        "essay_question": contest.essay_question,
    }
    for i, name in enumerate(contest.tie_break):
        initial[f"tie_break_{i}"] = name
    points = (contest.unit_prizes or {}).get("points", {})
    for i, prize in enumerate(contest.prizes):
        initial[f"prize_{i}_name"] = prize["name"]
        initial[f"prize_{i}_count"] = prize["count"]
        initial[f"prize_{i}_prediction"] = prize.get("for") == "prediction"
        initial[f"prize_{i}_points"] = points.get(prize["name"])
    for i, prize in enumerate((contest.unit_prizes or {}).get("prizes", [])):
        initial[f"unit_prize_{i}_name"] = prize["name"]
        initial[f"unit_prize_{i}_count"] = prize["count"]
    for i, band in enumerate((contest.unit_prizes or {}).get("min_rate", [])):
        initial[f"rate_{i}_up_to"] = band.get("up_to")
        initial[f"rate_{i}_percent"] = round(band["rate"] * 100, 2)
    rounds = list(contest.rounds.all())
    if len(rounds) > 1 or any(r.title or r.questions_spec or r.prizes for r in rounds):
        for i, round_ in enumerate(rounds):
            initial[f"round_{i}_title"] = round_.title
            initial[f"round_{i}_opens_at"] = local(round_.opens_at)
            initial[f"round_{i}_closes_at"] = local(round_.closes_at)
    return initial
