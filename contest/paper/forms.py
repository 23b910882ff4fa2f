"""The forms a clerk fills in: registering a sheet on arrival, keying a sheet, a file of sheets."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contest.invalid_reasons import clerk_reason_choices
from contest.paper.scans import SCAN_MAX_BYTES, scan_verify
from core.timeparse import BadDate, parse_date
from core.upload_flow import UploadForm, file_extension

FIELD_LABELS = {
    "sheet_no": gettext_lazy("Số phiếu"),
    "full_name": gettext_lazy("Họ và tên"),
    "phone": gettext_lazy("Điện thoại"),
    "id_number": gettext_lazy("Số CCCD/CMND"),
    "birth_year": gettext_lazy("Năm sinh"),
    "unit": gettext_lazy("Đơn vị"),
    "address": gettext_lazy("Địa chỉ"),
    "answers": gettext_lazy("Đáp án"),
    "prediction": gettext_lazy("Dự đoán"),
    "postmark_date": gettext_lazy("Ngày dấu bưu điện"),
    "received_at": gettext_lazy("Nhận lúc"),
    "invalid_reason": gettext_lazy("Lý do không hợp lệ"),
}


class ReceiveForm(forms.Form):
    postmark_date = forms.DateField(
        label=gettext_lazy("Ngày dấu bưu điện hoặc ngày nộp"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    received_at = forms.DateTimeField(
        label=gettext_lazy("Nhận lúc"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean_postmark_date(self):
        day = self.cleaned_data["postmark_date"]
        try:
            return parse_date(day)
        except BadDate as error:
            raise ValidationError(str(error)) from error

    def clean_received_at(self):
        moment = self.cleaned_data["received_at"]
        try:
            parse_date(moment)
        except BadDate as error:
            raise ValidationError(str(error)) from error
        return moment

    scan = forms.FileField(
        label=gettext_lazy("Ảnh chụp hoặc bản quét phiếu (không bắt buộc)"),
        required=False,
        help_text=gettext_lazy("Ảnh JPG/PNG hoặc tệp PDF, tối đa 10 MB."),
    )

    def clean_scan(self):
        scan = self.cleaned_data.get("scan")
        if not scan:
            return None
        if scan.size > SCAN_MAX_BYTES:
            raise ValidationError(_("Tệp quá lớn: tối đa 10 MB."))
        return scan_verify(scan)


SHEET_FILE_KINDS = ("csv", "xlsx")


class SheetFileForm(UploadForm):
    """A file of transcribed sheets: .csv or .xlsx; its ``format`` is the extension."""

    file = forms.FileField(
        error_messages={"required": gettext_lazy("Hãy chọn tệp .csv hoặc .xlsx.")}
    )

    def clean_file(self):
        upload = super().clean_file()
        if file_extension(upload.name) not in SHEET_FILE_KINDS:
            raise ValidationError(_("Hãy chọn tệp .csv hoặc .xlsx."))
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("file"):
            cleaned["format"] = file_extension(cleaned["file"].name)
        return cleaned


class KeyForm(forms.Form):
    sheet_no = forms.CharField(label=FIELD_LABELS["sheet_no"], max_length=40)
    full_name = forms.CharField(label=FIELD_LABELS["full_name"], max_length=120, required=False)
    birth_year = forms.CharField(
        label=FIELD_LABELS["birth_year"],
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    phone = forms.CharField(
        label=FIELD_LABELS["phone"],
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    id_number = forms.CharField(
        label=FIELD_LABELS["id_number"],
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    unit = forms.CharField(
        label=FIELD_LABELS["unit"],
        required=False,
        widget=forms.TextInput(attrs={"list": "units", "autocomplete": "off"}),
    )
    address = forms.CharField(label=FIELD_LABELS["address"], required=False)
    answers = forms.CharField(
        label=FIELD_LABELS["answers"],
        help_text=gettext_lazy(
            "Mỗi câu một chữ cái: ABDC…; - bỏ trống; * đánh nhiều ô. "
            "Câu nhiều đáp án: các nhóm cách nhau dấu cách, ví dụ A AC - D."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    prediction = forms.CharField(
        label=FIELD_LABELS["prediction"],
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    postmark_date = forms.CharField(
        label=FIELD_LABELS["postmark_date"],
        required=False,
        help_text=gettext_lazy("dd/mm/yyyy; để trống nếu đã vào sổ nhận phiếu"),
    )
    received_at = forms.CharField(label=FIELD_LABELS["received_at"], required=False)
    invalid_reason = forms.ChoiceField(
        label=FIELD_LABELS["invalid_reason"], choices=clerk_reason_choices, required=False
    )
