import hashlib
import json

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

LETTERS = "ABCDEF"


class Bank(models.Model):
    """A question bank owned by an organizing body."""

    slug = models.SlugField(_("mã ngân hàng"), max_length=80, unique=True)
    title = models.CharField(_("tên"), max_length=200)
    owner_name = models.CharField(_("đơn vị sở hữu"), max_length=200, blank=True)
    # Who may read, edit, export and use the bank in a contest (``accounts.roles``):
    # whoever created it or was given it. Site admins see every bank.
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người quản lý"),
        blank=True,
        related_name="banks",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ngân hàng câu hỏi")
        verbose_name_plural = _("ngân hàng câu hỏi")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Topic(models.Model):
    """A topic of a bank; nested Moodle categories keep their path (``A/B/C``)."""

    bank = models.ForeignKey(Bank, on_delete=models.CASCADE, related_name="topics")
    name = models.CharField(_("chủ đề"), max_length=255)

    class Meta:
        verbose_name = _("chủ đề")
        verbose_name_plural = _("chủ đề")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "name"], name="topic_unique_in_bank")
        ]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """A question's identity in its bank; its content lives in immutable versions."""

    bank = models.ForeignKey(Bank, on_delete=models.CASCADE, related_name="questions")
    code = models.CharField(_("mã câu hỏi"), max_length=64)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="questions")
    current_version = models.ForeignKey(
        "QuestionVersion", null=True, on_delete=models.PROTECT, related_name="+"
    )
    archived = models.BooleanField(_("đã lưu trữ"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("câu hỏi")
        verbose_name_plural = _("câu hỏi")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "code"], name="question_code_unique_in_bank")
        ]

    def __str__(self) -> str:
        return self.code


class QuestionVersion(models.Model):
    """One immutable state of a question. Attempts and entries point at the version shown.

    Never updated after creation: editing a question creates the next version.
    """

    class Kind(models.TextChoices):
        SINGLE = "single", _("Một đáp án đúng")
        MULTIPLE = "multiple", _("Nhiều đáp án đúng")
        TRUE_FALSE = "true_false", _("Đúng/Sai")

    class Difficulty(models.TextChoices):
        EASY = "easy", _("Dễ")
        MEDIUM = "medium", _("Trung bình")
        HARD = "hard", _("Khó")

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("nội dung câu hỏi"))
    options = models.JSONField(_("các phương án"))
    correct = models.CharField(
        _("đáp án đúng"), max_length=6, help_text=_("chữ cái, ví dụ B hoặc AC")
    )
    points = models.DecimalField(
        _("điểm"), max_digits=6, decimal_places=2, default=1, validators=[MinValueValidator(0)]
    )
    difficulty = models.CharField(_("độ khó"), max_length=6, choices=Difficulty.choices, blank=True)
    explanation = models.TextField(_("giải thích"), blank=True)
    source = models.CharField(_("căn cứ pháp lý"), max_length=255, blank=True)
    image = models.ImageField(_("hình ảnh"), upload_to="questions/", blank=True)
    image_phone = models.ImageField(upload_to="questions/", blank=True)
    image_thumb = models.ImageField(upload_to="questions/", blank=True)
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("phiên bản câu hỏi")
        verbose_name_plural = _("phiên bản câu hỏi")
        ordering = ["question", "number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.question.code} v{self.number}"

    @property
    def lettered_options(self) -> list[tuple[str, str]]:
        return list(zip(LETTERS, self.options, strict=False))


def content_hash(
    *,
    kind: str,
    text: str,
    options: list[str],
    correct: str,
    points,
    difficulty: str,
    explanation: str,
    source: str,
    image_digest: str = "",
) -> str:
    """SHA-256 over everything that makes a version; equal hash means nothing changed."""
    payload = json.dumps(
        [
            kind,
            text,
            options,
            correct,
            f"{float(points):.2f}",
            difficulty,
            explanation,
            source,
            image_digest,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()
