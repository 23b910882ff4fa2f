"""Paper sheets: received, keyed (twice), corrected, scanned, and the entries they make."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.identity import person_key
from contest.models.contests import Contest, Round
from core.models import random_name as _random_name
from core.storage import private_storage


class PaperEntry(models.Model):
    """One paper answer sheet as transcribed: never dropped, valid or not."""

    # No index of its own: sheet_no_unique (contest, sheet_no) leads with the contest.
    contest = models.ForeignKey(
        Contest, on_delete=models.PROTECT, related_name="paper_entries", db_index=False
    )
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
        # Half of each page is left free (fillfactor 50, migration 0019): grading a sheet
        # after it is written, and regrading every sheet, are HOT updates on the same page.
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

    # An import writes twenty of these a sheet (a million for 50,000 sheets), from the
    # entries it has just written and the versions of the round's sheet (INSERT … SELECT
    # or COPY): the database does not check the two foreign keys again row by row (on
    # PostgreSQL those deferred checks were most of an import's time, run at COMMIT), as
    # for ``ResultRow``. Django still cascades and protects on delete. The entry needs no
    # index of its own: ``paper_position_unique`` (entry, position) starts with it. Nor does the
    # version: its index was a quarter to a third of the rows' write cost, and what looks
    # answers up by version (a key correction, the question statistics) does so within one
    # contest or round, through its entries and that index.
    entry = models.ForeignKey(
        PaperEntry,
        on_delete=models.CASCADE,
        related_name="items",
        db_index=False,
        db_constraint=False,
    )
    position = models.PositiveSmallIntegerField()
    version = models.ForeignKey(
        "questions.QuestionVersion",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
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
