"""Results: a ranking of a round and its rows, answer-key corrections, winner checks, the results log."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from contest.models.contests import Contest, Round
from contest.models.online import Attempt
from contest.models.paper import PaperEntry


class Result(models.Model):
    """One ranking of a round: provisional (replaced by the next run) or final (frozen)."""

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="results")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="results")
    final = models.BooleanField(default=False)
    target = models.PositiveBigIntegerField(null=True, blank=True)
    tie_break = models.JSONField(default=list)
    inputs_hash = models.CharField(max_length=64)
    entries_count = models.PositiveIntegerField(default=0)
    invalid_count = models.PositiveIntegerField(default=0)
    # Every finished entry of the round the ranking read: the ranked, the invalid and the
    # valid ones not counted (a person's other attempts and sheets). None: made before it
    # was kept (contest.results.workflow.outdated then counts ranked and invalid only).
    entries_read = models.PositiveIntegerField(null=True, blank=True)
    published_at = models.DateTimeField(_("công bố lúc"), null=True, blank=True)
    # A provisional result may be published for objections until this time; it can
    # be made final only after it.
    objections_until = models.DateTimeField(_("nhận khiếu nại đến"), null=True, blank=True)
    # Collective standings of units over the whole contest, kept on its last round's result.
    unit_standings = models.JSONField(default=list, blank=True)
    # Ceremony: None = no ceremony (every winner shown once published); N = the N
    # lowest prizes have been revealed so far.
    revealed = models.PositiveIntegerField(null=True, blank=True)
    ceremony_ended_at = models.DateTimeField(_("kết thúc lễ trao giải lúc"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["round"], condition=models.Q(final=True), name="one_final_result"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contest.slug} · vòng {self.round.number} · {'final' if self.final else 'provisional'}"


class ResultRow(models.Model):
    """A ranked counted entry (``rank`` set) or an invalid entry (``reason`` set)."""

    # A ranking writes a row per entry (a million in a national contest), from rows
    # that exist by construction (INSERT … SELECT): only the indexes the pages use are
    # kept, and the foreign keys are not checked again by the database (on PostgreSQL
    # the deferred checks alone took 15 s at commit for 1,000,000 rows). On PostgreSQL the
    # table is partitioned by result, one partition per result, written in bulk and
    # attached (migration 0021, contest.results.rows); its primary key is (id, result_id).
    # There ``person`` compares byte by byte (collation "C", migration 0023): its index is
    # built for every ranking.
    result = models.ForeignKey(
        Result, on_delete=models.CASCADE, related_name="rows", db_index=False, db_constraint=False
    )
    rank = models.PositiveIntegerField(null=True)
    person = models.CharField(max_length=12, blank=True)
    full_name = models.CharField(max_length=120, blank=True)
    unit = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    channel = models.CharField(max_length=6)
    attempt = models.ForeignKey(
        Attempt,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    paper = models.ForeignKey(
        PaperEntry,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    prediction = models.PositiveBigIntegerField(null=True)
    duration_seconds = models.PositiveIntegerField(null=True)
    submitted_at = models.DateTimeField(null=True)
    full_marks = models.BooleanField(default=False)
    prize = models.CharField(max_length=100, blank=True)
    decided_by = models.CharField(max_length=30, blank=True)
    reason = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["result", "rank"]
        indexes = [
            models.Index(fields=["result", "rank"], name="resultrow_rank_idx"),
            models.Index(fields=["result", "person"], name="resultrow_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rank or self.reason} · {self.full_name}"


class KeyCorrection(models.Model):
    """An answer-key decision taken after the close, and its audit record.

    ``accept``: ``answers`` lists every answer that scores from now on; ``void``:
    the question scores for nobody and leaves the maximum. The latest correction
    of a version is in force; none is ever deleted.
    """

    class Action(models.TextChoices):
        ACCEPT = "accept", _("Chấp nhận các đáp án")
        VOID = "void", _("Hủy câu hỏi (không tính điểm cho ai)")

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="key_corrections")
    version = models.ForeignKey(
        "questions.QuestionVersion", on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("quyết định"), max_length=6, choices=Action.choices)
    answers = models.JSONField(_("đáp án được chấp nhận"), default=list, blank=True)
    reason = models.TextField(_("lý do"))
    entries_regraded = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("sửa đáp án")
        verbose_name_plural = _("sửa đáp án")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.contest.slug} · {self.version} · {self.action}"


class WinnerCheck(models.Model):
    """The committee's check of a prize winner's identity, by person: it survives re-ranking."""

    ITEMS = (
        ("identity", _("Đã đối chiếu họ tên với CCCD/giấy tờ tùy thân")),
        ("contact", _("Đã liên lạc được qua số điện thoại")),
        ("eligible", _("Đúng đối tượng dự thi, không thuộc Ban Tổ chức")),
        ("single", _("Không dùng nhiều tài khoản, không có phiếu trùng")),
    )

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="winner_checks")
    person = models.CharField(max_length=12)
    checks = models.JSONField(default=dict)
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("xác minh người đạt giải")
        verbose_name_plural = _("xác minh người đạt giải")
        constraints = [
            models.UniqueConstraint(fields=["contest", "person"], name="one_check_per_winner")
        ]

    def __str__(self) -> str:
        return f"{self.contest.slug} · {self.person}"

    @property
    def complete(self) -> bool:
        return all(self.checks.get(key) for key, _label in self.ITEMS)


class ResultEvent(models.Model):
    """One step of the results workflow: ranked, winner checked, published, finalized…"""

    class Action(models.TextChoices):
        RANKED = "ranked", _("Xếp hạng tạm:")
        FINALIZED = "finalized", _("Chốt kết quả chính thức:")
        KEY_CORRECTED = "key_corrected", _("Sửa đáp án:")
        WINNER_CHECKED = "winner_checked", _("Xác minh người đạt giải:")
        PUBLISHED = "published", _("Công bố:")
        UNPUBLISHED = "unpublished", _("Thôi công bố")
        NOT_PUBLISHED = "not_published", _("Không tự công bố lại:")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="result_events")
    action = models.CharField(max_length=20, choices=Action.choices)
    detail = models.CharField(max_length=255, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.contest.slug} · {self.action}"
