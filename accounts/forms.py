from allauth.core import context
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.captcha import captcha_check, captcha_count_signup_attempt, captcha_required
from accounts.identity import validate_id_number
from accounts.models import Profile, Unit
from accounts.services import profile_save


class _GroupedUnits(forms.models.ModelChoiceIterator):
    """Communes, wards and towns first, then agencies, each as an ``<optgroup>``."""

    GROUPS = (
        (_("Xã, phường, thị trấn"), (Unit.Kind.COMMUNE, Unit.Kind.WARD, Unit.Kind.TOWN)),
        (_("Cơ quan, đơn vị"), (Unit.Kind.AGENCY,)),
    )

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        units = list(self.queryset.order_by("name"))
        for label, kinds in self.GROUPS:
            members = [self.choice(u) for u in units if u.kind in kinds]
            if members:
                yield (label, members)

    def __len__(self):
        return self.queryset.count() + (1 if self.field.empty_label is not None else 0)


class GroupedUnitField(forms.ModelChoiceField):
    iterator = _GroupedUnits


class ProfileFieldsMixin(forms.Form):
    """The personal data contests require, with Vietnamese messages."""

    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "name", "placeholder": "Nguyễn Văn An"}),
    )
    birth_year = forms.IntegerField(
        label=_("Năm sinh"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "1985"}),
    )
    id_number = forms.CharField(
        label=_("Số CCCD (không bắt buộc)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=_("12 chữ số trên căn cước công dân, hoặc 9 chữ số CMND."),
    )
    gender = forms.ChoiceField(
        label=_("Giới tính"),
        required=False,
        choices=[("", _("Không muốn nói"))] + list(Profile.Gender.choices),
    )
    unit = GroupedUnitField(
        label=_("Xã, phường hoặc cơ quan"),
        required=False,
        queryset=Unit.objects.filter(is_active=True).exclude(kind=Unit.Kind.DISTRICT),
        empty_label=_("— Chọn đơn vị —"),
    )
    address = forms.CharField(label=_("Địa chỉ"), required=False, max_length=255)

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 2 or any(ch.isdigit() for ch in name):
            raise ValidationError(_("Hãy nhập họ và tên đầy đủ, không có chữ số."))
        return name

    def clean_birth_year(self) -> int | None:
        year = self.cleaned_data.get("birth_year")
        this_year = timezone.localdate().year
        if year is not None and not (this_year - 110 <= year <= this_year - 5):
            raise ValidationError(_("Năm sinh phải là bốn chữ số, ví dụ 1985."))
        return year

    def clean(self):
        cleaned = super().clean()
        raw = cleaned.get("id_number")
        if raw:
            try:
                cleaned["id_number"] = validate_id_number(raw, birth_year=cleaned.get("birth_year"))
            except ValidationError as error:
                self.add_error("id_number", error)
            else:
                taken = Profile.objects.filter(id_number=cleaned["id_number"])
                if getattr(self, "profile_pk", None):
                    taken = taken.exclude(pk=self.profile_pk)
                if taken.exists():
                    self.add_error(
                        "id_number", _("Số CCCD này đã được dùng cho một tài khoản khác.")
                    )
        else:
            cleaned["id_number"] = None
        return cleaned


class CaptchaInput(forms.TextInput):
    """A text input preceded by the CAPTCHA image."""

    template_name = "accounts/captcha_widget.html"


class ParticipantSignupForm(ProfileFieldsMixin):
    """Extra sign-up fields (allauth's ACCOUNT_SIGNUP_FORM_CLASS).

    The image CAPTCHA appears once the address passes the threshold.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = context.request
        if request is not None and captcha_required(request):
            self.fields["captcha"] = forms.CharField(
                label=_("Nhập các ký tự trong ảnh"),
                max_length=10,
                widget=CaptchaInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
            )

    def clean(self):
        cleaned = super().clean()
        request = context.request
        if request is not None:
            if "captcha" in self.fields and not captcha_check(
                request.session, cleaned.get("captcha", "")
            ):
                self.add_error("captcha", _("Mã trong ảnh chưa đúng. Hãy nhập lại mã mới."))
            captcha_count_signup_attempt(request)
        return cleaned

    def signup(self, request, user) -> None:
        profile_save(user=user, data=self.cleaned_data)


class ProfileForm(ProfileFieldsMixin):
    def __init__(self, *args, profile: Profile | None = None, **kwargs):
        self.profile_pk = profile.pk if profile else None
        super().__init__(*args, **kwargs)
