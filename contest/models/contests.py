"""Contests and their rounds, and who runs a contest (organizers, clerks)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Contest(models.Model):
    """A contest as defined by the contest JSON of docs/contracts.md."""

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
    prizes = models.JSONField(_("cơ cấu giải"), default=list, blank=True)
    # Collective prizes for units: {"prizes": [...], "min_rate": [{"up_to": N, "rate": r}, ...],
    # "points": {"<individual prize>": points}} (see docs/contracts.md).
    unit_prizes = models.JSONField(_("giải tập thể"), default=dict, blank=True)
    hide_participation = models.BooleanField(_("ẩn số người tham gia"), default=False)
    eligible_units = models.ManyToManyField(
        "accounts.Unit",
        verbose_name=_("chỉ dành cho đơn vị"),
        blank=True,
        related_name="+",
        help_text=_(
            "Để trống: mọi người được dự thi. Chọn đơn vị: chỉ người thuộc các đơn vị này."
        ),
    )
    essay_question = models.TextField(_("câu hỏi tự luận (không bắt buộc)"), blank=True)
    grace_seconds = models.PositiveIntegerField(
        _("thời gian ân hạn cho câu trả lời đang gửi (giây)"),
        default=30,
    )
    double_keying = models.BooleanField(
        _("nhập phiếu giấy hai lần"),
        default=True,
        help_text=_("Mỗi phiếu do hai người khác nhau nhập; khớp mới thành bài dự thi."),
    )
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

    # --- when answers stop being accepted: the one rule (keys are shown only after it) ---

    @property
    def grace(self) -> timedelta:
        """How long after a deadline an answer or submit in flight is still accepted."""
        return timedelta(seconds=self.grace_seconds)

    def answers_accepted_until(self, round: "Round | None" = None) -> datetime:
        """The last instant an answer of this contest (or of ``round``) can still be saved.

        Answers are saved only by attempts in progress, each until its deadline plus
        the grace (``Attempt.accepts_until``), and no attempt starts after the close.
        So: the close, or later while an attempt in progress can still save (a natural
        close leaves running attempts their grace; ``contest_close`` finishes them at once,
        and a close moved earlier by an edit leaves running attempts their time).
        """
        closes = round.closes_at if round is not None else self.closes_at
        running = self.attempts.filter(status=self.attempts.model.Status.IN_PROGRESS)
        if round is not None:
            running = running.filter(round=round)
        latest = running.aggregate(latest=models.Max("deadline"))["latest"]
        return closes if latest is None else max(closes, latest + self.grace)

    def answers_closed(self, now: datetime, round: "Round | None" = None) -> bool:
        """True once no answer can be accepted any more (see ``answers_accepted_until``).

        Keys, explanations, per-question correctness and scores are shown to
        participants only after this; final results and key corrections wait for it.
        """
        return now >= self.answers_accepted_until(round)

    def has_entries(self) -> bool:
        """True once anyone has taken part: an online attempt (even unfinished) or a paper
        sheet. From then on the fields that decide scores and ranks are locked
        (``contest.definition.SCORING_FIELDS``)."""
        return self.attempts.exists() or self.paper_entries.exists()

    # --- who may take part: the one rule for eligible units ---

    def eligible_units_among(self, units: models.QuerySet) -> models.QuerySet:
        """The ``units`` whose people may take part: every unit when the contest names none,
        else the named units and the units directly under them (the communes of a named
        district, the departments of a named agency)."""
        named = list(self.eligible_units.values_list("pk", flat=True))
        if not named:
            return units
        return units.filter(models.Q(pk__in=named) | models.Q(parent_id__in=named))

    @classmethod
    def admits_unit_sql(cls, unit: str) -> str:
        """SQL, true when a person of the unit ``unit`` (an SQL expression; NULL: no unit
        given) may take part in the contest whose id is its two ``%s`` parameters: the rule
        of ``eligible_units_among``, for a query that asks it of one person (starting an
        attempt)."""
        q = connection.ops.quote_name
        eligible = q(cls.eligible_units.through._meta.db_table)
        units = q(cls.eligible_units.field.related_model._meta.db_table)
        return (
            f"(NOT EXISTS (SELECT 1 FROM {eligible} eu WHERE eu.contest_id = %s) OR EXISTS ("
            f"SELECT 1 FROM {eligible} eu LEFT JOIN {units} un ON un.id = {unit} "
            f"WHERE eu.contest_id = %s AND (eu.unit_id = {unit} OR eu.unit_id = un.parent_id)))"
        )

    def admits_unit(self, unit_id: int | None) -> bool:
        """True when a person of the unit ``unit_id`` (``None``: no unit given) may take part
        (see ``eligible_units_among``; ``admits_unit_sql`` is the rule asked)."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {self.admits_unit_sql('%s')}", [self.pk, unit_id, self.pk, unit_id]
            )
            return bool(cursor.fetchone()[0])

    @property
    def tz(self):
        return ZoneInfo(self.timezone)


class Round(models.Model):
    """A window of a contest with its own attempts and prizes; a contest has at least one."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("vòng"))
    title = models.CharField(_("tên vòng"), max_length=200, blank=True)
    opens_at = models.DateTimeField(_("mở lúc"))
    closes_at = models.DateTimeField(_("đóng lúc"))
    questions_spec = models.JSONField(_("bộ câu hỏi riêng của vòng"), default=dict, blank=True)
    prizes = models.JSONField(_("cơ cấu giải của vòng"), default=list, blank=True)

    class Meta:
        verbose_name = _("vòng thi")
        verbose_name_plural = _("vòng thi")
        ordering = ["contest", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "number"], name="round_number_unique")
        ]

    def __str__(self) -> str:
        return self.title or str(_("Vòng %(n)s") % {"n": self.number})


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
