"""The organizer's contest form: a friendlier face on the contest JSON of CONTRACTS.md.

It builds the same JSON document and hands it to ``contest_import``, so the
form, the command and the file format share one set of rules.
"""

import json
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from contest.services.definition import CRITERIA, DEFAULT_TIE_BREAK
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
    tie_break = forms.CharField(
        label=_("Thứ tự tiêu chí phân định"),
        initial=", ".join(DEFAULT_TIE_BREAK),
        help_text=_("Trong số: %(c)s.") % {"c": ", ".join(CRITERIA)},
    )
    lot_seed = forms.CharField(
        label=_("Chuỗi bốc thăm (công bố trước)"), required=False, max_length=200
    )
    prizes = forms.CharField(
        label=_("Cơ cấu giải"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Mỗi dòng “Tên giải: số lượng”, từ giải cao xuống thấp. Giải cho người dự đoán "
            "gần đúng nhất: “Tên giải: số lượng: dự đoán”."
        ),
    )
    unit_prizes = forms.CharField(
        label=_("Giải tập thể (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_(
            'Ví dụ: {"prizes": [{"name": "Giải tập thể Nhất", "count": 1}], '
            '"min_rate": [{"up_to": 500, "rate": 0.3}, {"rate": 0.2}], '
            '"points": {"Giải Nhất": 5}}. Tỷ lệ tham gia = số người dự thi hợp lệ của đơn vị '
            "/ số người của đơn vị (nhập ở danh sách đơn vị)."
        ),
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
        self, *args, editing: bool = False, locked: bool = False, user=None, contest=None, **kwargs
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
        if editing:
            self.fields["slug"].disabled = True
        if locked:
            for name in (
                "draw",
                "codes",
                "shuffle_options",
                "bank",
                "prediction_target",
                "tie_break",
                "lot_seed",
                "attempt_time_limit_minutes",
                "max_attempts",
                "counted_attempt",
            ):
                self.fields[name].disabled = True

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

    def clean_prizes(self) -> list:
        prizes = []
        for n, line in enumerate(self.cleaned_data["prizes"].splitlines(), start=1):
            if not line.strip():
                continue
            match = re.match(
                r"^(.+?):\s*(\d+)\s*(?::\s*(dự đoán|prediction)\s*)?$", line.strip(), re.I
            )
            if not match:
                raise forms.ValidationError(_("Dòng %(n)s: viết “Tên giải: số lượng”.") % {"n": n})
            prize = {"name": match.group(1).strip(), "count": int(match.group(2))}
            if match.group(3):
                prize["for"] = "prediction"
            prizes.append(prize)
        return prizes

    def clean_unit_prizes(self) -> dict:
        raw = self.cleaned_data["unit_prizes"].strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError as error:
            raise forms.ValidationError(
                _("Giải tập thể: JSON chưa đúng (dòng %(line)s, cột %(col)s).")
                % {"line": error.lineno, "col": error.colno}
            ) from error
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Giải tập thể: cần một đối tượng {…}."))
        return value

    def as_contest_json(self) -> dict:
        """The contest JSON document this form describes."""
        data = self.cleaned_data
        codes = [c for c in re.split(r"[\s,;]+", data["codes"]) if c]
        questions = {"bank": data["bank"].slug, "shuffle_options": data["shuffle_options"]}
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
            "tie_break": [c.strip() for c in data["tie_break"].split(",") if c.strip()],
            "lot_seed": data["lot_seed"],
            "prizes": data["prizes"],
            "unit_prizes": data["unit_prizes"],
            "hide_participation": data["hide_participation"],
            "grace_seconds": data["grace_seconds"],
            "double_keying": data["double_keying"],
            "essay_question": data["essay_question"],
        }
        if data["paper_postmark_deadline"]:
            document["paper_postmark_deadline"] = data["paper_postmark_deadline"].isoformat()
        if data["prediction_question"] or data["prediction_target"]:
            document["prediction"] = {
                "question": data["prediction_question"],
                "target": data["prediction_target"],
            }
        return document


def contest_initial(contest) -> dict:
    """Form values for an existing contest, in its own time zone."""
    from django.utils import timezone

    spec = contest.questions_spec or {}
    return {
        "slug": contest.slug,
        "title": contest.title,
        "organizer": contest.organizer_name,
        "rules": contest.rules_text,
        "timezone": contest.timezone,
        "opens_at": timezone.localtime(contest.opens_at, contest.tz).replace(tzinfo=None),
        "closes_at": timezone.localtime(contest.closes_at, contest.tz).replace(tzinfo=None),
        "paper_postmark_deadline": contest.paper_postmark_deadline,
        "channels": contest.channels,
        "attempt_time_limit_minutes": contest.attempt_time_limit_minutes,
        "max_attempts": contest.max_attempts,
        "counted_attempt": contest.counted_attempt,
        "bank": spec.get("bank"),
        "draw": "\n".join(f"{d['topic']}: {d['count']}" for d in spec.get("draw", [])),
        "codes": ", ".join(spec.get("codes", [])),
        "shuffle_options": spec.get("shuffle_options", False),
        "prediction_question": contest.prediction_question,
        "prediction_target": contest.prediction_target,
        "tie_break": ", ".join(contest.tie_break),
        "lot_seed": contest.lot_seed,
        "prizes": "\n".join(
            f"{p['name']}: {p['count']}" + (": dự đoán" if p.get("for") == "prediction" else "")
            for p in contest.prizes
        ),
        "unit_prizes": json.dumps(contest.unit_prizes, ensure_ascii=False)
        if contest.unit_prizes
        else "",
        "hide_participation": contest.hide_participation,
        "grace_seconds": contest.grace_seconds,
        "double_keying": contest.double_keying,
        "essay_question": contest.essay_question,
    }
