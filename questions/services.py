"""Writes to question banks: imports, edits (new versions), archiving."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils.translation import gettext as _

from accounts.identity import normalize_phone
from accounts.roles import user_is_bank_editor
from core.errors import Refusal, RowError, error_lines
from questions.importers import ParsedQuestion, ParseResult
from questions.importers.base import question_problems
from questions.models import Bank, Question, QuestionVersion, Topic, content_hash

_CHUNK = 2000


class BankRefused(Refusal):
    """A bank cannot be given (message for the organizer)."""

    code = "bank_refused"
    field = "to"


@transaction.atomic
def bank_create(*, slug: str, title: str, owner_name: str, user) -> Bank:
    """Create a bank owned by ``user``."""
    bank = Bank(slug=slug, title=title, owner_name=owner_name)
    bank.full_clean()
    bank.save()
    bank.owners.add(user)
    return bank


def bank_give(*, bank: Bank, to: str):
    """Give ``bank`` to another organizer too (by phone or user name); returns that account.

    Only accounts in the site-wide organizers group (or site admins) may own banks.
    The caller has checked that the giver owns the bank.
    """
    who = (to or "").strip()
    if not who:
        raise BankRefused(
            _("hãy nhập số điện thoại hoặc tên đăng nhập của người nhận."), "recipient_missing"
        )
    User = get_user_model()
    try:
        phone = normalize_phone(who)
    except ValidationError:  # not a phone number: a user name
        phone = None
    user = (User.objects.filter(phone=phone).first() if phone else None) or User.objects.filter(
        username=who
    ).first()
    if user is None or not user_is_bank_editor(user):
        raise BankRefused(
            _("không có thành viên Ban Tổ chức nào có số điện thoại hoặc tên đăng nhập “%(who)s”.")
            % {"who": who},
            "recipient_unknown",
        )
    bank.owners.add(user)
    return user


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    row_errors: list[RowError] = field(default_factory=list)  # in row order
    skipped: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # preview: line, code, action, text
    written: bool = False

    @property
    def errors(self) -> list[str]:
        """The errors as commands print them: ``row N: column: message`` lines."""
        return error_lines(self.row_errors)

    @property
    def rejected(self) -> bool:
        return bool(self.row_errors) and not self.written


def _hash(q: ParsedQuestion, image_digest: str = "") -> str:
    return content_hash(
        kind=q.kind,
        text=q.text,
        options=q.options,
        correct=q.correct,
        points=q.points,
        difficulty=q.difficulty,
        explanation=q.explanation,
        source=q.source,
        image_digest=image_digest,
    )


def questions_import(
    *, bank: Bank, parsed: ParseResult, dry_run: bool = False, partial: bool = False, user=None
) -> ImportReport:
    """Write the parsed questions into ``bank``.

    All-or-nothing: with any error nothing is written unless ``partial``, which
    writes the valid questions. A code already in the bank with identical
    content is left alone; with changed content it gets a new version. With
    ``dry_run`` the report says what would happen and nothing is written.
    """
    errors = list(parsed.row_errors)
    storable = []
    for q in parsed.questions:
        problems = question_problems(q, parsed.line_word)
        errors += problems
        if not problems:
            storable.append(q)
    errors.sort(key=lambda e: e.row)  # stable: a row's errors stay in the order found
    report = ImportReport(row_errors=errors, skipped=list(parsed.skipped))
    plan = _plan(bank, storable, report)
    if dry_run or (report.row_errors and not partial):
        return report
    with transaction.atomic():
        _write(bank, plan, user)
    report.written = True
    return report


def _existing(bank: Bank, codes: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    if bank.pk is None:
        return found
    for start in range(0, len(codes), _CHUNK):
        rows = Question.objects.filter(bank=bank, code__in=codes[start : start + _CHUNK]).values(
            "id",
            "code",
            "topic__name",
            "current_version__content_hash",
            "current_version__number",
            "current_version__image",
            "current_version__image_phone",
            "current_version__image_thumb",
        )
        for row in rows:
            found[row["code"]] = row
    return found


def _plan(bank: Bank, questions: list[ParsedQuestion], report: ImportReport) -> list[tuple]:
    existing = _existing(bank, [q.code for q in questions])
    plan = []
    for q in questions:
        old = existing.get(q.code)
        image_digest = ""
        if old and old["current_version__image"]:
            # An import carries no picture: a question keeps the one it has.
            image_digest = old["current_version__image"].rsplit("/", 1)[-1][:16]
        digest = _hash(q, image_digest)
        if old is None:
            action = "create"
            report.created += 1
        elif old["current_version__content_hash"] != digest:
            action = "update"
            report.updated += 1
        elif old["topic__name"] != q.topic:
            action = "retopic"
            report.updated += 1
        else:
            action = "unchanged"
            report.unchanged += 1
        report.rows.append(
            {
                "line": q.line,
                "code": q.code,
                "action": action,
                "text": q.text[:120],
                "topic": q.topic,
                "correct": q.correct,
            }
        )
        plan.append((q, action, old, digest))
    return plan


def _write(bank: Bank, plan: list[tuple], user) -> None:
    names = {q.topic for q, action, _old, _d in plan if action != "unchanged"}
    Topic.objects.bulk_create([Topic(bank=bank, name=n) for n in names], ignore_conflicts=True)
    topics = dict(Topic.objects.filter(bank=bank, name__in=names).values_list("name", "id"))
    new_questions = [
        Question(bank=bank, code=q.code, topic_id=topics[q.topic])
        for q, action, _old, _d in plan
        if action == "create"
    ]
    Question.objects.bulk_create(new_questions, batch_size=1000)
    question_ids = {question.code: question.id for question in new_questions}
    versions, retopic = [], []
    for q, action, old, digest in plan:
        if action == "unchanged":
            continue
        if action == "retopic":
            retopic.append(Question(id=old["id"], topic_id=topics[q.topic]))
            continue
        question_id = question_ids[q.code] if action == "create" else old["id"]
        number = 1 if action == "create" else old["current_version__number"] + 1
        version = QuestionVersion(
            question_id=question_id,
            number=number,
            kind=q.kind,
            text=q.text,
            options=q.options,
            correct=q.correct,
            points=q.points,
            difficulty=q.difficulty,
            explanation=q.explanation,
            source=q.source,
            content_hash=digest,
            created_by=user,
        )
        if old and old["current_version__image"]:
            version.image = old["current_version__image"]
            version.image_phone = old["current_version__image_phone"]
            version.image_thumb = old["current_version__image_thumb"]
        versions.append((version, q.topic))
    QuestionVersion.objects.bulk_create([v for v, _t in versions], batch_size=1000)
    # Point each touched question at its newest version and its topic: one
    # UPDATE per chunk and per topic, not one per row.
    touched = [v.question_id for v, _t in versions]
    newest = Subquery(
        QuestionVersion.objects.filter(question=OuterRef("pk")).order_by("-number").values("id")[:1]
    )
    for start in range(0, len(touched), _CHUNK):
        Question.objects.filter(id__in=touched[start : start + _CHUNK]).update(
            current_version=newest
        )
    by_topic: dict[int, list[int]] = {}
    for v, topic_name in versions:
        by_topic.setdefault(topics[topic_name], []).append(v.question_id)
    for question in retopic:
        by_topic.setdefault(question.topic_id, []).append(question.id)
    for topic_id, ids in by_topic.items():
        for start in range(0, len(ids), _CHUNK):
            Question.objects.filter(id__in=ids[start : start + _CHUNK]).exclude(
                topic_id=topic_id
            ).update(topic_id=topic_id)


@transaction.atomic
def question_save(
    *,
    bank: Bank,
    code: str,
    topic_name: str,
    kind: str,
    text: str,
    options: list[str],
    correct: str,
    points: Decimal = Decimal(1),
    difficulty: str = "",
    explanation: str = "",
    source: str = "",
    image=None,
    remove_image: bool = False,
    user=None,
) -> tuple[Question, bool]:
    """Create a question or give it a new version; returns (question, changed).

    ``image`` is a ``questions.images.NormalizedImage``. An edit that changes
    nothing creates no version. Earlier versions stay as they were: entries that
    showed them are graded against them.
    """
    topic, _created = Topic.objects.get_or_create(bank=bank, name=topic_name)
    question = Question.objects.select_for_update().filter(bank=bank, code=code).first()
    current = question.current_version if question else None
    if image is not None:
        digest = image.digest[:16]
    elif current and current.image and not remove_image:
        digest = current.image.name.rsplit("/", 1)[-1][:16]
    else:
        digest = ""
    digest_all = content_hash(
        kind=kind,
        text=text,
        options=options,
        correct=correct,
        points=points,
        difficulty=difficulty,
        explanation=explanation,
        source=source,
        image_digest=digest,
    )
    if question is None:
        question = Question.objects.create(bank=bank, code=code, topic=topic)
    elif current and current.content_hash == digest_all:
        if question.topic_id != topic.id:
            question.topic = topic
            question.save(update_fields=["topic", "updated_at"])
            return question, True
        return question, False
    number = (question.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = QuestionVersion(
        question=question,
        number=number,
        kind=kind,
        text=text,
        options=options,
        correct=correct,
        points=points,
        difficulty=difficulty,
        explanation=explanation,
        source=source,
        content_hash=digest_all,
        created_by=user,
    )
    if image is not None:
        version.image.save(image.full.name, image.full, save=False)
        version.image_phone.save(image.phone.name, image.phone, save=False)
        version.image_thumb.save(image.thumb.name, image.thumb, save=False)
    elif current and current.image and not remove_image:
        version.image, version.image_phone, version.image_thumb = (
            current.image,
            current.image_phone,
            current.image_thumb,
        )
    version.full_clean(exclude=["question"])
    version.save()
    question.current_version = version
    question.topic = topic
    question.save(update_fields=["current_version", "topic", "updated_at"])
    return question, True


def question_archive(*, question: Question, archived: bool = True) -> None:
    """Archive (hide from new draws) or restore. Questions are never hard-deleted."""
    question.archived = archived
    question.save(update_fields=["archived", "updated_at"])
