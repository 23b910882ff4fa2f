import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Contest(models.Model):
    """A contest as defined by the contest JSON of CONTRACTS.md."""

    class CountedAttempt(models.TextChoices):
        BEST = "best", _("Lần tốt nhất")
        FIRST = "first", _("Lần đầu tiên")
        LAST = "last", _("Lần cuối cùng")

    class PredictionTarget(models.TextChoices):
        PARTICIPANTS = "participants", _("Số người tham gia")
        ALL_CORRECT = "all_correct", _("Số bài trả lời đúng tất cả")

    slug = models.SlugField(_("mã cuộc thi"), max_length=80, unique=True)
    title = models.CharField(_("tên cuộc thi"), max_length=300)
    organizer_name = models.CharField(_("cơ quan tổ chức"), max_length=200)
    rules_text = models.TextField(_("thể lệ"), blank=True)
    timezone = models.CharField(_("múi giờ"), max_length=64, default="Asia/Ho_Chi_Minh")
    opens_at = models.DateTimeField(_("mở lúc"))
    closes_at = models.DateTimeField(_("đóng lúc"))
    paper_postmark_deadline = models.DateField(_("hạn dấu bưu điện"), null=True, blank=True)
    channels = models.JSONField(_("hình thức dự thi"), default=list)
    attempt_time_limit_minutes = models.PositiveIntegerField(
        _("thời gian mỗi lượt (phút)"), default=30
    )
    max_attempts = models.PositiveIntegerField(_("số lượt tối đa"), default=1)
    counted_attempt = models.CharField(
        _("lượt được tính"),
        max_length=8,
        choices=CountedAttempt.choices,
        default=CountedAttempt.BEST,
    )
    questions_spec = models.JSONField(_("bộ câu hỏi"), default=dict)
    prediction_question = models.CharField(_("câu hỏi dự đoán"), max_length=300, blank=True)
    prediction_target = models.CharField(
        _("đại lượng dự đoán"), max_length=16, choices=PredictionTarget.choices, blank=True
    )
    tie_break = models.JSONField(
        _("tiêu chí phân định"),
        default=list,
    )
    lot_seed = models.CharField(_("chuỗi bốc thăm"), max_length=200, blank=True)
    prizes = models.JSONField(_("cơ cấu giải"), default=list)
    hide_participation = models.BooleanField(_("ẩn số người tham gia"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cuộc thi")
        verbose_name_plural = _("cuộc thi")
        ordering = ["-opens_at"]

    def __str__(self) -> str:
        return self.title

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at


class ContestMembership(models.Model):
    """Who may manage or key in entries for one contest.

    Personal data of a contest's participants is visible to its organizers only.
    """

    class Role(models.TextChoices):
        ORGANIZER = "organizer", _("Ban Tổ chức")
        CLERK = "clerk", _("Nhập phiếu")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contest_memberships"
    )
    role = models.CharField(_("vai trò"), max_length=10, choices=Role.choices)

    class Meta:
        verbose_name = _("thành viên cuộc thi")
        verbose_name_plural = _("thành viên cuộc thi")
        constraints = [
            models.UniqueConstraint(fields=["contest", "user", "role"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.contest.slug}"


class BackgroundJob(models.Model):
    """Progress of a long job run through django-tasks, for a page to watch."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang chạy")
        DONE = "done", _("Xong")
        FAILED = "failed", _("Lỗi")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=40)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
