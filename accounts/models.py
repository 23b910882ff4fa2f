from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.compiled import rows_by


class AccountManager(UserManager):
    """``UserManager``, with ``get(pk=…)`` read by SQL compiled once (``core.compiled``).

    Django's ``ModelBackend.get_user`` asks ``User._default_manager.get(pk=…)`` for the
    signed-in account on every request; building that query through the ORM cost more than
    running it (0.55 ms against 0.2 ms on PostgreSQL, a tenth of an autosave). The same SQL,
    the same routing, the same instance and the same ``DoesNotExist``. Only ``User.objects``
    itself: any other ``get``, a manager bound to a database (``db_manager``) and the related
    managers Django derives from this class (``group.user_set``: they filter) go the ORM's way.
    """

    def get(self, *args, **kwargs):
        if args or kwargs.keys() != {"pk"} or type(self) is not AccountManager or self._db:
            return super().get(*args, **kwargs)
        found = rows_by(self.model, "id", kwargs["pk"])
        if not found:
            raise self.model.DoesNotExist(
                f"{self.model._meta.object_name} matching query does not exist."
            )
        return found[0]


class User(AbstractUser):
    """A login. Residents sign in by phone (normalized ``0`` + 9 digits) or e-mail."""

    objects = AccountManager()

    phone = models.CharField(_("số điện thoại"), max_length=10, null=True, blank=True, unique=True)
    phone_verified = models.BooleanField(_("đã xác minh số điện thoại"), default=False)

    def __str__(self) -> str:
        return self.phone or self.email or self.username


class Unit(models.Model):
    """An administrative unit (district, commune, ward, town) or an agency.

    Organizers manage the list; participants choose their unit from it. The
    headcount feeds participation rates for collective prizes.
    """

    class Kind(models.TextChoices):
        DISTRICT = "district", _("Huyện")
        COMMUNE = "commune", _("Xã")
        WARD = "ward", _("Phường")
        TOWN = "town", _("Thị trấn")
        AGENCY = "agency", _("Cơ quan, đơn vị")

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("trực thuộc"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    headcount = models.PositiveIntegerField(
        _("số người (để tính tỷ lệ tham gia)"), null=True, blank=True
    )
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    """What contests require of a participant, one per account."""

    class Gender(models.TextChoices):
        FEMALE = "F", _("Nữ")
        MALE = "M", _("Nam")
        OTHER = "O", _("Khác")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    full_name = models.CharField(_("họ và tên"), max_length=120)
    birth_year = models.PositiveSmallIntegerField(
        _("năm sinh"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    id_number = models.CharField(_("số CCCD/CMND"), max_length=12, null=True, blank=True)
    gender = models.CharField(_("giới tính"), max_length=1, choices=Gender.choices, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị / xã, phường"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="profiles",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hồ sơ thí sinh")
        verbose_name_plural = _("hồ sơ thí sinh")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=Q(id_number__isnull=False),
                name="profile_id_number_unique",
            )
        ]

    def __str__(self) -> str:
        return self.full_name


class SmsSent(models.Model):
    """One SMS the platform paid for: the daily caps per phone and per account count these."""

    phone = models.CharField(max_length=10)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["phone", "sent_at"], name="sms_phone_idx"),
            models.Index(fields=["user", "sent_at"], name="sms_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} {self.sent_at:%Y-%m-%d %H:%M}"
