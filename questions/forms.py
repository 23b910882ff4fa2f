from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.upload_flow import UploadForm
from questions.images import image_normalize
from questions.importers import REGISTRY
from questions.models import LETTERS, Bank, QuestionVersion


class BankForm(forms.ModelForm):
    class Meta:
        model = Bank
        fields = ["slug", "title", "owner_name"]
        help_texts = {"slug": _("Chữ thường không dấu, số và gạch ngang, ví dụ cchc-2023.")}


class QuestionForm(forms.Form):
    code = forms.CharField(
        label=_("Mã câu hỏi"),
        max_length=64,
        help_text=_("Mã ổn định trong ngân hàng, ví dụ CCHC-001."),
    )
    topic = forms.CharField(label=_("Chủ đề"), max_length=255)
    kind = forms.ChoiceField(label=_("Loại câu hỏi"), choices=QuestionVersion.Kind.choices)
    text = forms.CharField(label=_("Nội dung câu hỏi"), widget=forms.Textarea(attrs={"rows": 3}))
    option_a = forms.CharField(label=_("Phương án A"), required=False, max_length=500)
    option_b = forms.CharField(label=_("Phương án B"), required=False, max_length=500)
    option_c = forms.CharField(label=_("Phương án C"), required=False, max_length=500)
    option_d = forms.CharField(label=_("Phương án D"), required=False, max_length=500)
    option_e = forms.CharField(label=_("Phương án E"), required=False, max_length=500)
    option_f = forms.CharField(label=_("Phương án F"), required=False, max_length=500)
    correct = forms.MultipleChoiceField(
        label=_("Đáp án đúng"),
        choices=[(c, c) for c in LETTERS],
        widget=forms.CheckboxSelectMultiple,
    )
    points = forms.DecimalField(
        label=_("Điểm"), initial=1, min_value=Decimal(0), max_value=Decimal(1000), decimal_places=2
    )
    difficulty = forms.ChoiceField(
        label=_("Độ khó"),
        required=False,
        choices=[("", "—")] + list(QuestionVersion.Difficulty.choices),
    )
    explanation = forms.CharField(
        label=_("Giải thích (hiện sau khi cuộc thi kết thúc)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    source = forms.CharField(label=_("Căn cứ pháp lý"), required=False, max_length=255)
    image = forms.FileField(label=_("Hình ảnh (JPG, PNG; tối đa 5 MB)"), required=False)
    remove_image = forms.BooleanField(label=_("Bỏ hình ảnh hiện có"), required=False)

    def __init__(self, *args, bank: Bank, editing: bool = False, **kwargs):
        self.bank, self.editing = bank, editing
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not self.editing and self.bank.questions.filter(code=code).exists():
            raise ValidationError(
                _("Mã %(code)s đã có trong ngân hàng này."), params={"code": code}
            )
        return code

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        return image_normalize(upload) if upload else None

    def clean(self):
        cleaned = super().clean()
        options = [cleaned.get(f"option_{c}", "").strip() for c in "abcdef"]
        while options and not options[-1]:
            options.pop()
        if "" in options:
            self.add_error(
                f"option_{'abcdef'[options.index('')]}",
                _("Phương án bị bỏ trống giữa các phương án khác."),
            )
        elif len(options) < 2:
            self.add_error("option_b", _("Cần ít nhất hai phương án."))
        correct = "".join(sorted(cleaned.get("correct") or []))
        if correct and any(letter not in LETTERS[: len(options)] for letter in correct):
            self.add_error("correct", _("Đáp án đúng phải là một trong các phương án đã nhập."))
        kind = cleaned.get("kind")
        if kind in ("single", "true_false") and len(correct) > 1:
            self.add_error("correct", _("Câu một đáp án chỉ được chọn một đáp án đúng."))
        if kind == "true_false" and len(options) != 2:
            self.add_error("option_c", _("Câu Đúng/Sai có đúng hai phương án."))
        cleaned["options"], cleaned["correct_letters"] = options, correct
        return cleaned


class ImportForm(UploadForm):
    """A bank file; ``format`` is an importer's name, or "" to go by the file's extension."""

    file = forms.FileField(
        label=_("Tệp câu hỏi"),
        help_text=_("Excel (.xlsx), CSV UTF-8, GIFT (.gift, .txt), Moodle XML (.xml) hoặc Aiken."),
    )
    format = forms.ChoiceField(
        label=_("Định dạng"),
        required=False,
        choices=[("", _("Tự nhận theo đuôi tệp"))] + [(n, n) for n in sorted(REGISTRY)],
    )
