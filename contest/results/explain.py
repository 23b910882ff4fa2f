"""Why an entry is ranked where it is, in plain words, from the stored result."""

from django.utils import timezone
from django.utils.translation import gettext as _

from contest.criteria import criteria_text  # noqa: F401  (re-exported for the pages)
from contest.invalid_reasons import reason_label
from contest.models import Result, ResultRow
from contest.results.lots import lot_digest
from core.timeparse import duration_text


def _score(value) -> str:
    return f"{value.normalize():f}" if value is not None else "0"


def _when(row: ResultRow, tz) -> str:
    return timezone.localtime(row.submitted_at, tz).strftime("%H:%M:%S %d/%m/%Y")


def _pair(result: Result, criterion: str, mine: ResultRow, theirs: ResultRow) -> str:
    """One sentence comparing ``mine`` with ``theirs`` on ``criterion``."""
    tz = result.contest.tz
    if criterion == "score":
        return _("bạn được %(mine)s điểm, họ được %(theirs)s điểm") % {
            "mine": _score(mine.score),
            "theirs": _score(theirs.score),
        }
    if criterion == "prediction_error":

        def away(row):
            if row.prediction is None or result.target is None:
                return _("không dự đoán")
            return _("lệch %(n)s") % {"n": abs(row.prediction - result.target)}

        return _(
            "bằng điểm; con số thực tế là %(target)s, dự đoán của bạn %(mine)s, của họ %(theirs)s"
        ) % {"target": result.target, "mine": away(mine), "theirs": away(theirs)}
    if criterion == "duration":

        def took(row):
            if row.duration_seconds is None:
                return _("làm trên giấy, không tính thời gian (xếp sau bài trực tuyến)")
            return duration_text(row.duration_seconds)

        return _(
            "bằng điểm và dự đoán; thời gian làm bài của bạn: %(mine)s, của họ: %(theirs)s"
        ) % {
            "mine": took(mine),
            "theirs": took(theirs),
        }
    if criterion == "submitted_at":
        return _("các tiêu chí trước bằng nhau; bạn nộp lúc %(mine)s, họ nộp lúc %(theirs)s") % {
            "mine": _when(mine, tz),
            "theirs": _when(theirs, tz),
        }
    if criterion == "lot":
        seed = result.contest.lot_seed
        return _(
            "mọi tiêu chí khác bằng nhau nên bốc thăm: mã của bạn %(mine)s…, của họ %(theirs)s… "
            "(mã nhỏ hơn xếp trên)"
        ) % {
            "mine": lot_digest(seed, mine.person)[:12],
            "theirs": lot_digest(seed, theirs.person)[:12],
        }
    if criterion == "attempts":
        return _("các tiêu chí trước bằng nhau; ai dự thi ít lượt hơn xếp trên")
    if criterion == "registered_at":
        return _("các tiêu chí trước bằng nhau; ai đăng ký sớm hơn xếp trên")
    return criterion


def explain(result: Result, row: ResultRow) -> list[str]:
    """Sentences saying why ``row`` is above the next entry and below the previous one."""
    if row.rank is None:
        return [_("Bài này không được xếp hạng: %(reason)s.") % {"reason": reason_text(row.reason)}]
    lines = []
    above = ResultRow.objects.filter(result=result, rank=row.rank - 1).first()
    below = ResultRow.objects.filter(result=result, rank=row.rank + 1).first()
    if above is None:
        lines.append(_("Bạn xếp thứ nhất."))
    elif above.decided_by:
        lines.append(
            _("Xếp sau hạng %(rank)s vì %(why)s.")
            % {"rank": above.rank, "why": _pair(result, above.decided_by, row, above)}
        )
    else:
        lines.append(
            _("Bằng hạng %(rank)s ở mọi tiêu chí của thể lệ; thứ tự giữ theo lần xếp.")
            % {"rank": above.rank}
        )
    if below is not None and row.decided_by:
        lines.append(
            _("Xếp trên hạng %(rank)s vì %(why)s.")
            % {"rank": below.rank, "why": _pair(result, row.decided_by, row, below)}
        )
    return lines


def reason_text(reason: str) -> str:
    return reason_label(reason)
