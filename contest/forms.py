"""The organizer's contest form: a friendlier face on the contest JSON of docs/contracts.md.

It builds the same JSON document and hands it to ``contest_import``, so the
form, the command and the file format share one set of rules.
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from contest.criteria import CRITERIA, DEFAULT_TIE_BREAK
from contest.definition import SCORING_FIELDS
from questions.models import Bank

LOCAL = "%Y-%m-%dT%H:%M"


class ContestForm(forms.Form):
    slug = forms.SlugField(
        label=_("Mã cuộc thi"), help_text=_("Dùng trong địa chỉ trang, ví dụ cchc-2023.")
    )
    title = forms.CharField(label=_("Tên cuộc thi"), max_length=300)
    organizer = forms.CharField(label=_("Cơ quan tổ chức"), max_length=200)
    rules = forms.CharField(
        label=_("Thể lệ"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    timezone = forms.ChoiceField(
        label=_("Múi giờ"), choices=[("Asia/Ho_Chi_Minh", "Asia/Ho_Chi_Minh (UTC+07:00)")]
    )
    opens_at = forms.DateTimeField(
        label=_("Mở lúc"),
        input_formats=[LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL),
    )
    closes_at = forms.DateTimeField(
        label=_("Đóng lúc"),
        input_formats=[LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL),
    )
    paper_postmark_deadline = forms.DateField(
        label=_("Hạn dấu bưu điện (phiếu giấy)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    channels = forms.MultipleChoiceField(
        label=_("Hình thức dự thi"),
        widget=forms.CheckboxSelectMultiple,
        choices=[("online", _("Trực tuyến")), ("paper", _("Phiếu giấy"))],
    )
    attempt_time_limit_minutes = forms.IntegerField(
        label=_("Thời gian mỗi lượt (phút)"), min_value=1, max_value=600
    )
    max_attempts = forms.IntegerField(label=_("Số lượt tối đa"), min_value=1, max_value=100)
    counted_attempt = forms.ChoiceField(
        label=_("Lượt được tính"),
        choices=[
            ("best", _("Lần tốt nhất")),
            ("first", _("Lần đầu tiên")),
            ("last", _("Lần cuối cùng")),
        ],
    )
    bank = forms.ModelChoiceField(
        label=_("Ngân hàng câu hỏi"), queryset=Bank.objects.all(), to_field_name="slug"
    )
    draw = forms.CharField(
        label=_("Rút câu hỏi theo chủ đề"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Mỗi dòng “Chủ đề: số câu”. Để trống nếu dùng danh sách mã câu hỏi cố định."),
    )
    codes = forms.CharField(
        label=_("Hoặc: mã câu hỏi cố định"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Cách nhau bởi dấu phẩy hoặc xuống dòng."),
    )
    shuffle_options = forms.BooleanField(label=_("Đảo thứ tự phương án"), required=False)
    shuffle_questions = forms.BooleanField(
        label=_("Đảo thứ tự câu hỏi"), required=False, initial=True
    )
    prediction_question = forms.CharField(
        label=_("Câu hỏi dự đoán"), required=False, max_length=300
    )
    prediction_target = forms.ChoiceField(
        label=_("Đại lượng dự đoán"),
        required=False,
        choices=[
            ("", "—"),
            ("participants", _("Số người tham gia")),
            ("all_correct", _("Số bài trả lời đúng tất cả")),
        ],
    )
    lot_seed = forms.CharField(
        label=_("Chuỗi bốc thăm (công bố trước)"), required=False, max_length=200
    )
    hide_participation = forms.BooleanField(
        label=_("Ẩn số người tham gia trên trang công khai"), required=False
    )
    grace_seconds = forms.IntegerField(
        label=_("Ân hạn cho câu trả lời đang gửi (giây)"), min_value=0, max_value=300, initial=30
    )
    double_keying = forms.BooleanField(
        label=_("Mỗi phiếu giấy do hai người nhập độc lập"), required=False, initial=True
    )
    essay_question = forms.CharField(
        label=_("Câu hỏi tự luận (không bắt buộc)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args,
        editing: bool = False,
        locked: bool = False,
        rounds=None,
        user=None,
        contest=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if user is not None:
            # Only the banks this person may use, and the ones the contest already uses.
            from contest.permissions import contest_bank_slugs
            from questions.selectors import banks_for

            already = contest_bank_slugs(contest) if contest is not None else set()
            self.fields["bank"].queryset = (
                banks_for(user=user) | Bank.objects.filter(slug__in=already)
            ).distinct()
        self.existing_rounds = list(rounds or [])
        criteria = [("", "—"), *((c.name, c.label) for c in CRITERIA.values())]
        for i in range(len(CRITERIA)):
            self.fields[f"tie_break_{i}"] = forms.ChoiceField(
                label=_("Tiêu chí %(n)s") % {"n": i + 1},
                choices=criteria,
                required=i == 0,
                initial=DEFAULT_TIE_BREAK[i] if i < len(DEFAULT_TIE_BREAK) else "",
            )
        for i in range(PRIZE_ROWS):
            self.fields[f"prize_{i}_name"] = forms.CharField(
                label=_("Tên giải"), required=False, max_length=100
            )
            self.fields[f"prize_{i}_count"] = forms.IntegerField(
                label=_("Số lượng"), required=False, min_value=1, max_value=10000
            )
            self.fields[f"prize_{i}_prediction"] = forms.BooleanField(
                label=_("Cho người dự đoán gần đúng nhất"), required=False
            )
            self.fields[f"prize_{i}_points"] = forms.DecimalField(
                label=_("Điểm thưởng cho đơn vị"), required=False, min_value=0, max_digits=6
            )
        for i in range(UNIT_PRIZE_ROWS):
            self.fields[f"unit_prize_{i}_name"] = forms.CharField(
                label=_("Tên giải tập thể"), required=False, max_length=100
            )
            self.fields[f"unit_prize_{i}_count"] = forms.IntegerField(
                label=_("Số lượng"), required=False, min_value=1, max_value=1000
            )
        for i in range(RATE_ROWS):
            self.fields[f"rate_{i}_up_to"] = forms.IntegerField(
                label=_("Đơn vị có đến (người)"),
                required=False,
                min_value=1,
                help_text=_("Để trống: mọi đơn vị lớn hơn."),
            )
            self.fields[f"rate_{i}_percent"] = forms.DecimalField(
                label=_("Tỷ lệ tham gia tối thiểu (%)"),
                required=False,
                min_value=0,
                max_value=100,
                max_digits=5,
                decimal_places=2,
            )
        for i in range(max(ROUND_ROWS, len(self.existing_rounds))):
            self.fields[f"round_{i}_title"] = forms.CharField(
                label=_("Tên vòng"), required=False, max_length=200
            )
            for name, label in (("opens_at", _("Mở lúc")), ("closes_at", _("Đóng lúc"))):
                self.fields[f"round_{i}_{name}"] = forms.DateTimeField(
                    label=label,
                    required=False,
                    input_formats=[LOCAL],
                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL),
                )
        if editing:
            self.fields["slug"].disabled = True
        if locked:
            for name in locked_form_fields():
                self.fields[name].disabled = True

    # --- groups of fields, for the template ----------------------------------------------------

    def general_fields(self):
        return [self[name] for name in self.fields if not ROW_FIELD.match(name)]

    def tie_break_fields(self):
        return [self[f"tie_break_{i}"] for i in range(len(CRITERIA))]

    def _rows(self, prefix: str, count: int, cells: tuple[str, ...]):
        return [[self[f"{prefix}_{i}_{cell}"] for cell in cells] for i in range(count)]

    def prize_rows(self):
        return self._rows("prize", PRIZE_ROWS, ("name", "count", "prediction", "points"))

    def unit_prize_rows(self):
        return self._rows("unit_prize", UNIT_PRIZE_ROWS, ("name", "count"))

    def rate_rows(self):
        return self._rows("rate", RATE_ROWS, ("up_to", "percent"))

    def round_rows(self):
        count = max(ROUND_ROWS, len(self.existing_rounds))
        return self._rows("round", count, ("title", "opens_at", "closes_at"))

    # --- cleaning ------------------------------------------------------------------------------

    def clean_draw(self) -> list:
        rows = []
        for n, line in enumerate(self.cleaned_data["draw"].splitlines(), start=1):
            if not line.strip():
                continue
            match = re.match(r"^(.+):\s*(\d+)\s*$", line.strip())
            if not match:
                raise forms.ValidationError(_("Dòng %(n)s: viết “Chủ đề: số câu”.") % {"n": n})
            rows.append({"topic": match.group(1).strip(), "count": int(match.group(2))})
        return rows

    def clean(self):
        data = super().clean()
        chain = [data.get(f"tie_break_{i}") for i in range(len(CRITERIA))]
        chain = [name for name in chain if name]
        if len(set(chain)) != len(chain):
            self.add_error("tie_break_0", _("Mỗi tiêu chí chỉ chọn một lần."))
        data["tie_break"] = chain
        self._row_of: dict[str, list[int]] = {"prize": [], "unit_prize": [], "round": []}
        for prefix, count, needed in (
            ("prize", PRIZE_ROWS, "count"),
            ("unit_prize", UNIT_PRIZE_ROWS, "count"),
        ):
            for i in range(count):
                name, number = data.get(f"{prefix}_{i}_name"), data.get(f"{prefix}_{i}_{needed}")
                if name and not number:
                    self.add_error(f"{prefix}_{i}_count", _("Nhập số lượng giải."))
                elif number and not name:
                    self.add_error(f"{prefix}_{i}_name", _("Nhập tên giải."))
                elif name:
                    self._row_of[prefix].append(i)
        for i in range(RATE_ROWS):
            if data.get(f"rate_{i}_up_to") and data.get(f"rate_{i}_percent") is None:
                self.add_error(f"rate_{i}_percent", _("Nhập tỷ lệ tối thiểu."))
        for i in range(max(ROUND_ROWS, len(self.existing_rounds))):
            values = [data.get(f"round_{i}_{cell}") for cell in ("title", "opens_at", "closes_at")]
            if any(values):
                for cell in ("opens_at", "closes_at"):
                    if not data.get(f"round_{i}_{cell}"):
                        self.add_error(f"round_{i}_{cell}", _("Nhập giờ của vòng."))
                self._row_of["round"].append(i)
        return data

    def _prizes(self, data) -> list[dict]:
        prizes = []
        for i in self._row_of["prize"]:
            prize = {"name": data[f"prize_{i}_name"].strip(), "count": data[f"prize_{i}_count"]}
            if data[f"prize_{i}_prediction"]:
                prize["for"] = "prediction"
            prizes.append(prize)
        return prizes

    def _unit_prizes(self, data) -> dict:
        prizes = [
            {"name": data[f"unit_prize_{i}_name"].strip(), "count": data[f"unit_prize_{i}_count"]}
            for i in self._row_of["unit_prize"]
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
        for i in self._row_of["prize"]:
            value = data.get(f"prize_{i}_points")
            if value is not None:
                points[data[f"prize_{i}_name"].strip()] = (
                    int(value) if value == int(value) else float(value)
                )
        return {"prizes": prizes, "min_rate": bands, "points": points}

    def _rounds(self, data) -> list[dict]:
        rounds = []
        for n, i in enumerate(self._row_of["round"]):
            kept = self.existing_rounds[n] if n < len(self.existing_rounds) else None
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

    def as_contest_json(self) -> dict:
        """The contest JSON document this form describes."""
        data = self.cleaned_data
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
            "prizes": self._prizes(data),
            "unit_prizes": self._unit_prizes(data),
            "hide_participation": data["hide_participation"],
            "grace_seconds": data["grace_seconds"],
            "double_keying": data["double_keying"],
            "essay_question": data["essay_question"],
        }
        rounds = self._rounds(data)
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

    def add_service_errors(self, errors: list[str]) -> None:
        """Put the service's ``path: message`` lines on the fields they are about."""
        for line in errors:
            path, _sep, message = line.partition(": ")
            field = self._field_for(path)
            if field and field in self.fields:
                self.add_error(field, message)
            else:
                self.add_error(None, message)

    def _field_for(self, path: str) -> str | None:
        match = re.match(r"^(\w+)(?:\[(\d+)\])?(?:\.(\w+))?(?:\[(\d+)\])?(?:\.(\w+))?", path)
        if not match:
            return None
        head, index, sub, sub_index, _tail = match.groups()
        rows = getattr(self, "_row_of", {})
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
            return (
                f"round_{row}_{sub}" if sub in ("opens_at", "closes_at") else f"round_{row}_title"
            )
        if head in ("questions", "questions_spec"):
            return {"bank": "bank", "codes": "codes"}.get(sub or "", "draw")
        if head == "prediction":
            return "prediction_target" if sub == "target" else "prediction_question"
        if head == "prediction_target":
            return "prediction_target"
        if head == "tie_break":
            return "tie_break_0"
        return head


PRIZE_ROWS, UNIT_PRIZE_ROWS, RATE_ROWS, ROUND_ROWS = 6, 4, 3, 3
ROW_FIELD = re.compile(
    r"^(tie_break_\d+|prize_\d+_\w+|unit_prize_\d+_\w+|rate_\d+_\w+|round_\d+_\w+)$"
)
# The form fields that feed each locked contest field, where the names differ.
_FORM_FIELDS_OF = {
    "questions_spec": ("draw", "codes", "shuffle_options", "shuffle_questions", "bank"),
    "tie_break": tuple(f"tie_break_{i}" for i in range(len(CRITERIA))),
}


def locked_form_fields() -> list[str]:
    """The form fields disabled once the contest has entries: those that feed
    ``SCORING_FIELDS``, the one list of fields locked by entries."""
    return [form for name in SCORING_FIELDS for form in _FORM_FIELDS_OF.get(name, (name,))]


def contest_initial(contest) -> dict:
    """Form values for an existing contest, in its own time zone."""
    from django.utils import timezone

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
