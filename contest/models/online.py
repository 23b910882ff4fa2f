"""Online attempts: one try at a round, its questions frozen at start, and the answers saved."""

import secrets
import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from contest.models.contests import Contest, Round


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
    # No index of its own: attempt_number_unique (round, user, number) leads with the round.
    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="attempts", db_index=False
    )
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
    # The essay is autosaved as it is typed, under the prediction's rules.
    essay_seq = models.BigIntegerField(default=0)
    essay_key = models.BigIntegerField(default=0)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    # Points possible (the drawn questions, less any voided by a key correction).
    max_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    receipt_code = models.CharField(max_length=10, default=_receipt_code)  # unique: Meta
    submit_key = models.CharField(max_length=64, blank=True)
    # The server's order of answer writes: every autosave takes the next number (and,
    # with it, the row lock that orders it against a submit). Never the phone's clock.
    answers_written = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("lượt thi")
        verbose_name_plural = _("lượt thi")
        # Every index here is written again each time a row is (start, every autosave,
        # submit, grading) unless the update is HOT: only what a query needs. The table
        # also leaves half of each page free (fillfactor 50, migration 0019) so that the
        # updates, which never touch an indexed column but the submit's status, stay on
        # their page as HOT updates, a regrade of every entry included.
        constraints = [
            # As a constraint rather than unique=True, which on PostgreSQL adds a second
            # index (varchar_pattern_ops, for LIKE) that no query uses.
            models.UniqueConstraint(fields=["receipt_code"], name="attempt_receipt_unique"),
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
        indexes = [
            # The sweep and the counts of attempts in progress: only those rows are in it.
            models.Index(
                fields=["deadline"],
                condition=models.Q(status="in_progress"),
                name="attempt_sweep_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.contest.slug} · lượt {self.number}"

    @property
    def status_label(self) -> str:
        """The status as a resident reads it: an attempt ended by the round's close (on time or
        closed early by the organizer) was not out of its own time."""
        if self.status == self.Status.EXPIRED and self.deadline >= self.round.closes_at:
            return _("Vòng thi đã đóng, bài được nộp tự động")
        return self.get_status_display()

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
