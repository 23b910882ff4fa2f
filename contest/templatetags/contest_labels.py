"""Template filters that show registry codes by their Vietnamese labels."""

from django import template

from contest.criteria import criterion_label
from contest.invalid_reasons import reason_label

register = template.Library()


@register.filter
def criterion(name: str) -> str:
    """``prediction_error`` → "Dự đoán gần đúng"."""
    return criterion_label(name)


@register.filter
def criteria_chain(names: list[str]) -> str:
    """A tie-break chain by labels: "Điểm → Dự đoán gần đúng → …"."""
    return " → ".join(criterion_label(name) for name in names or [])


@register.filter
def invalid_reason(code: str) -> str:
    """``late_postmark`` → "dấu bưu điện sau hạn"."""
    return reason_label(code)
