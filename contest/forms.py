"""The organizer's contest form: a friendlier face on the contest JSON of docs/contracts.md.

It builds the same JSON document (``contest.form_document``) and hands it to
``contest_import``, so the form, the command and the file format share one set of rules.
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from contest.criteria import CRITERIA, DEFAULT_TIE_BREAK
from contest.definition import SCORING_FIELDS
from contest.form_document import (
    PRIZE_ROWS,
    RATE_ROWS,
    ROUND_ROWS,
    UNIT_PRIZE_ROWS,
    form_document,
    form_field_for,
)
from contest.permissions import contest_bank_slugs
from questions.models import Bank
from questions.selectors import banks_for

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

    def as_contest_json(self) -> dict:
        """The contest JSON document this form describes."""
        return form_document(self.cleaned_data, self._row_of, self.existing_rounds)

    def add_service_errors(self, errors: list[str]) -> None:
        """Put the service's ``path: message`` lines on the fields they are about."""
        for line in errors:
            path, _sep, message = line.partition(": ")
            field = form_field_for(path, getattr(self, "_row_of", {}))
            if field and field in self.fields:
                self.add_error(field, message)
            else:
                self.add_error(None, message)


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
