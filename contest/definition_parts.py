"""Checks of the contest JSON's parts (docs/contracts.md, "Contest definition"): its questions,
its prizes and its collective prizes. ``contest.definition.contest_check`` calls them; each
adds ``path: message`` lines (``problem``) to the errors it is given and returns what it read.
"""

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from questions.models import Bank
from questions.selectors import spec_questions


def problem(path: str, message: str) -> str:
    """One line of ``ContestInvalid``: the path into the JSON, then the translated message."""
    return f"{path}: {message}"


def questions_check(
    spec: Any, errors: list[str], path: str, may_use: Callable[[Bank], bool] | None = None
) -> dict:
    if not isinstance(spec, dict) or not spec.get("bank"):
        errors.append(problem(path, _("cần “bank” và “codes” hoặc “draw”")))
        return {}
    bank = Bank.objects.filter(slug=spec["bank"]).first()
    if bank is None or (may_use is not None and not may_use(bank)):
        # Another organizer's bank is reported as missing: its existence is not ours to tell.
        errors.append(
            problem(
                f"{path}.bank",
                _(
                    "không có ngân hàng câu hỏi “%(bank)s” trong các ngân hàng của bạn; "
                    "hãy nhờ người quản lý ngân hàng đó chia sẻ cho bạn"
                )
                % {"bank": spec["bank"]},
            )
        )
        return {}
    active = spec_questions(bank_slug=bank.slug)
    if "codes" in spec:
        codes = spec["codes"]
        if not isinstance(codes, list) or not codes:
            errors.append(problem(f"{path}.codes", _("cần danh sách mã câu hỏi")))
            return {}
        known = set(active.filter(code__in=codes).values_list("code", flat=True))
        for code in codes:
            if code not in known:
                errors.append(
                    problem(
                        f"{path}.codes",
                        _("không có câu hỏi “%(code)s” (hoặc đã lưu trữ) trong ngân hàng %(bank)s")
                        % {"code": code, "bank": bank.slug},
                    )
                )
        if len(set(codes)) != len(codes):
            errors.append(problem(f"{path}.codes", _("có mã câu hỏi lặp lại")))
        return {
            "bank": bank.slug,
            "codes": list(codes),
            "shuffle_options": bool(spec.get("shuffle_options", False)),
            "shuffle_questions": bool(spec.get("shuffle_questions", False)),
        }
    draw = spec.get("draw")
    if not isinstance(draw, list) or not draw:
        errors.append(problem(path, _("cần “codes” hoặc “draw”")))
        return {}
    clean = []
    for i, part in enumerate(draw):
        topic, count = (part or {}).get("topic"), (part or {}).get("count")
        if not isinstance(count, int) or count < 1:
            errors.append(problem(f"{path}.draw[{i}].count", _("số câu phải là số nguyên dương")))
            continue
        available = active.filter(topic__name=topic).count()
        if available < count:
            errors.append(
                problem(
                    f"{path}.draw[{i}]",
                    _("chủ đề “%(topic)s” chỉ có %(available)s câu, cần %(count)s")
                    % {"topic": topic, "available": available, "count": count},
                )
            )
        clean.append({"topic": topic, "count": count})
    return {
        "bank": bank.slug,
        "draw": clean,
        "shuffle_options": bool(spec.get("shuffle_options", True)),
        "shuffle_questions": bool(spec.get("shuffle_questions", True)),
    }


def prizes_check(prizes: Any, errors: list[str], path: str) -> list:
    if not isinstance(prizes, list):
        errors.append(problem(path, _("cần danh sách giải")))
        return []
    for i, prize in enumerate(prizes):
        if (
            not isinstance(prize, dict)
            or not prize.get("name")
            or not isinstance(prize.get("count"), int)
            or prize["count"] < 1
        ):
            errors.append(
                problem(f"{path}[{i}]", _("mỗi giải cần “name” và “count” (số nguyên dương)"))
            )
        elif prize.get("for", "rank") not in ("rank", "prediction"):
            errors.append(
                problem(
                    f"{path}[{i}]",
                    _(
                        "“for” là “rank” (theo thứ hạng, mặc định) hoặc “prediction” "
                        "(giải cho người dự đoán gần đúng nhất)"
                    ),
                )
            )
    return prizes


def unit_prizes_check(spec: Any, errors: list[str]) -> dict:
    """Collective prizes: prize tiers, minimum participation rates by unit size, prize points."""
    if not isinstance(spec, dict):
        errors.append(problem("unit_prizes", _("cần một đối tượng {prizes, min_rate, points}")))
        return {}
    if not spec:
        return {}
    prizes = prizes_check(spec.get("prizes", []), errors, "unit_prizes.prizes")
    bands = spec.get("min_rate", [])
    if not isinstance(bands, list):
        errors.append(problem("unit_prizes.min_rate", _("cần danh sách mức tỷ lệ tối thiểu")))
        bands = []
    for i, band in enumerate(bands):
        rate = band.get("rate") if isinstance(band, dict) else None
        up_to = band.get("up_to") if isinstance(band, dict) else None
        if not isinstance(rate, int | float) or not 0 <= rate <= 1:
            errors.append(
                problem(
                    f"unit_prizes.min_rate[{i}].rate",
                    _("tỷ lệ từ 0 đến 1 (ví dụ 0.3 = 30%)"),
                )
            )
        if up_to is not None and (not isinstance(up_to, int) or up_to < 1):
            errors.append(
                problem(f"unit_prizes.min_rate[{i}].up_to", _("số người là số nguyên dương"))
            )
    points = spec.get("points", {})
    if not isinstance(points, dict) or not all(
        isinstance(v, int | float) and v >= 0 for v in points.values()
    ):
        errors.append(problem("unit_prizes.points", _("mỗi giải cá nhân một số điểm không âm")))
        points = {}
    return {"prizes": prizes, "min_rate": bands, "points": points}
