import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.identity import person_key
from core.models import random_name as _random_name
from core.storage import private_storage


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
        running = Attempt.objects.filter(contest=self, status=Attempt.Status.IN_PROGRESS)
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

    def admits_unit(self, unit_id: int | None) -> bool:
        """True when a person of the unit ``unit_id`` (``None``: no unit given) may take part
        (see ``eligible_units_among``). No query beyond the named units' ids when the contest
        names none or names the person's own unit."""
        named = set(self.eligible_units.values_list("pk", flat=True))
        if not named:
            return True
        if unit_id is None:
            return False
        if unit_id in named:
            return True
        return self.eligible_units.model.objects.filter(pk=unit_id, parent_id__in=named).exists()

    @property
    def tz(self):
        from zoneinfo import ZoneInfo

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
        return self.title or f"Vòng {self.number}"


def _receipt_code() -> str:

    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class Attempt(models.Model):
    """One online try at a round: its questions are drawn and frozen at start."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("Đang làm")
        SUBMITTED = "submitted", _("Đã nộp")
        EXPIRED = "expired", _("Hết giờ, tự động nộp")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="attempts")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempts"
    )
    number = models.PositiveSmallIntegerField(_("lượt"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(
        help_text=_("giờ hết hạn: thời gian làm bài hoặc giờ đóng vòng")
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    prediction = models.PositiveBigIntegerField(null=True, blank=True)
    # The server's order of the stored prediction (from answers_written, as for answers).
    prediction_seq = models.BigIntegerField(default=0)
    # The phone's id of the prediction stored (a retried request is recognized by it).
    prediction_key = models.BigIntegerField(default=0)
    essay = models.TextField(blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    # Points possible (the drawn questions, less any voided by a key correction).
    max_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    receipt_code = models.CharField(max_length=10, unique=True, default=_receipt_code)
    submit_key = models.CharField(max_length=64, blank=True)
    # The server's order of answer writes: every autosave takes the next number (and,
    # with it, the row lock that orders it against a submit). Never the phone's clock.
    answers_written = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("lượt thi")
        verbose_name_plural = _("lượt thi")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "user", "number"], name="attempt_number_unique"
            ),
            # At most one attempt in progress per person and round: a second tab or a
            # double tap on "Start" resumes it instead of opening another.
            models.UniqueConstraint(
                fields=["round", "user"],
                condition=models.Q(status="in_progress"),
                name="one_attempt_in_progress",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="attempt_sweep_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.contest.slug} · lượt {self.number}"

    @property
    def accepts_until(self) -> datetime:
        """The last instant this attempt still saves an answer or accepts its submit."""
        return self.deadline + self.contest.grace


class AttemptQuestion(models.Model):
    """A question as drawn for an attempt: the version shown, the option order, the answer."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    version = models.ForeignKey(
        "questions.QuestionVersion", on_delete=models.PROTECT, related_name="+"
    )
    option_order = models.CharField(max_length=6, help_text=_("chữ cái gốc theo thứ tự hiển thị"))
    answer = models.CharField(max_length=6, blank=True, help_text=_("chữ cái gốc đã chọn"))
    # The attempt's ``answers_written`` when this answer was stored (server order).
    answer_seq = models.BigIntegerField(default=0)
    # The phone's id of the change stored here: a retried request is recognized by it.
    answer_key = models.BigIntegerField(default=0)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attempt_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} #{self.position}"


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


class PaperEntry(models.Model):
    """One paper answer sheet as transcribed: never dropped, valid or not."""

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="paper_entries")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="paper_entries")
    sheet_no = models.CharField(_("số phiếu"), max_length=40)
    full_name = models.CharField(_("họ và tên"), max_length=120, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=10, blank=True)
    id_number = models.CharField(_("số CCCD/CMND"), max_length=12, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("năm sinh"), null=True, blank=True)
    unit = models.ForeignKey(
        "accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    answers = models.CharField(_("đáp án đã đánh"), max_length=400)
    prediction = models.PositiveBigIntegerField(_("dự đoán"), null=True, blank=True)
    postmark_date = models.DateField(_("ngày dấu bưu điện / ngày nộp"))
    received_at = models.DateTimeField(_("nhận lúc"), null=True, blank=True)
    invalid_reason = models.CharField(_("lý do không hợp lệ"), max_length=60, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("phiếu giấy")
        verbose_name_plural = _("phiếu giấy")
        ordering = ["contest", "sheet_no"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "sheet_no"], name="sheet_no_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contest.slug} · {self.sheet_no}"

    @property
    def person(self) -> str:
        return person_key(self.phone, self.id_number)


class PaperAnswer(models.Model):
    """One question of a paper sheet: the version printed and the marks read."""

    entry = models.ForeignKey(PaperEntry, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    version = models.ForeignKey(
        "questions.QuestionVersion", on_delete=models.PROTECT, related_name="+"
    )
    # Original letters marked, "" for blank, "*" for more than one mark on a
    # single-answer question.
    answer = models.CharField(max_length=6, blank=True)

    class Meta:
        ordering = ["entry", "position"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "position"], name="paper_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} #{self.position}"


class PaperCorrection(models.Model):
    """A change to a keyed sheet: who, when, why, and the fields before and after."""

    entry = models.ForeignKey(PaperEntry, on_delete=models.CASCADE, related_name="corrections")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(_("lý do sửa"))
    before = models.JSONField()
    after = models.JSONField()

    class Meta:
        ordering = ["entry", "at"]

    def __str__(self) -> str:
        return f"{self.entry_id} · {self.at:%Y-%m-%d %H:%M}"


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
    # the deferred checks alone took 15 s at commit for 1,000,000 rows).
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


def _scan_path(instance, filename: str) -> str:
    return _random_name(f"scans/{instance.contest_id}", filename)


class PaperReceipt(models.Model):
    """A sheet registered on arrival: its number in arrival order, dates, an optional scan."""

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="paper_receipts")
    sheet_no = models.CharField(_("số phiếu"), max_length=40)
    postmark_date = models.DateField(_("ngày dấu bưu điện / ngày nộp"))
    received_at = models.DateTimeField(_("nhận lúc"))
    scan = models.FileField(
        _("ảnh chụp / bản quét"), upload_to=_scan_path, storage=private_storage, blank=True
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contest", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "sheet_no"], name="receipt_sheet_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contest_id} · {self.sheet_no}"


class PaperKeying(models.Model):
    """One clerk's typing of one sheet, kept until two keyings agree (or a third person decides)."""

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="paper_keyings")
    sheet_no = models.CharField(max_length=40)
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField()  # the normalized fields, as ``SheetRow.canonical()``
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contest", "sheet_no", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "sheet_no", "clerk"], name="one_keying_per_clerk"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sheet_no} · {self.clerk_id}"


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


class SheetScan(models.Model):
    """The machine's reading of one photographed answer form, kept with the sheet.

    ``reading`` holds the contract's reading (answers, phone, prediction,
    review places, serial) plus every bubble's darkness and state and the
    markers' positions in the stored photo, so the review screen can show the
    places in doubt and an organizer can show a participant their own marks.
    """

    class Status(models.TextChoices):
        READ = "read", _("Đọc chắc chắn, chờ gõ họ tên")
        REVIEW = "review", _("Cần người xem")
        CONFIRMED = "confirmed", _("Đã xác nhận")

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="sheet_scans")
    receipt = models.OneToOneField(PaperReceipt, on_delete=models.PROTECT, related_name="reading")
    serial = models.CharField(_("mẫu số"), max_length=12, blank=True)
    round_number = models.PositiveSmallIntegerField(default=1)
    file_name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices)
    reading = models.JSONField()
    job = models.ForeignKey("core.BackgroundJob", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["contest", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "serial"],
                condition=~models.Q(serial=""),
                name="one_scan_per_serial",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contest_id} · {self.serial or self.file_name}"
