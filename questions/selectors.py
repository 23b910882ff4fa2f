import difflib

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from questions.models import Bank, Question, QuestionVersion


def banks_for(*, user) -> QuerySet[Bank]:
    """The banks ``user`` may open (``accounts.roles.user_may_use_bank``): own, or all for admins."""
    if not user.is_authenticated or not user.is_active:
        return Bank.objects.none()
    return Bank.objects.all() if user.is_superuser else Bank.objects.filter(owners=user)


def banks_with_counts(*, user) -> QuerySet[Bank]:
    """The banks ``user`` may open, with their numbers of questions and topics."""
    return banks_for(user=user).annotate(
        # distinct: the join with topics repeats each question once per topic
        n_questions=Count("questions", filter=Q(questions__archived=False), distinct=True),
        n_topics=Count("topics", distinct=True),
    )


def questions_search(
    *, bank: Bank, query: str = "", topic_id: int | None = None, archived: bool = False
) -> QuerySet[Question]:
    """Questions of ``bank`` matching ``query`` in code or current text."""
    found = (
        Question.objects.filter(bank=bank, archived=archived)
        .select_related("topic", "current_version")
        .order_by("code")
    )
    if query:
        found = found.filter(Q(code__icontains=query) | Q(current_version__text__icontains=query))
    if topic_id:
        found = found.filter(topic_id=topic_id)
    return found


def spec_questions(*, bank_slug: str, archived_too: bool = False) -> QuerySet[Question]:
    """The questions of bank ``bank_slug`` a contest's question spec can use: those with a
    current version (its ``current_version`` is what an entry is given and graded on), not
    archived. ``archived_too``: archived ones as well, for a paper sheet already printed
    with a question archived since; its filled-in sheets must still be read."""
    found = Question.objects.filter(bank__slug=bank_slug, current_version__isnull=False)
    return found if archived_too else found.filter(archived=False)


FIELDS = [
    ("text", _("Nội dung")),
    ("options", _("Phương án")),
    ("correct", _("Đáp án đúng")),
    ("points", _("Điểm")),
    ("kind", _("Loại")),
    ("difficulty", _("Độ khó")),
    ("explanation", _("Giải thích")),
    ("source", _("Căn cứ pháp lý")),
    ("image", _("Hình ảnh")),
]


def _as_text(version: QuestionVersion, field: str) -> str:
    value = getattr(version, field)
    if field == "options":
        return "\n".join(f"{letter}. {option}" for letter, option in version.lettered_options)
    if field == "image":
        return value.name if value else ""
    if field in ("kind", "difficulty"):  # the label the form shows, not the code
        return str(getattr(version, f"get_{field}_display")()) if value else ""
    return str(value)


def version_history(*, question: Question) -> list[dict]:
    """Versions newest first, each with the changed fields as unified diffs against the previous."""
    versions = list(question.versions.select_related("created_by").order_by("number"))
    history, previous = [], None
    for version in versions:
        changes = []
        for field, label in FIELDS:
            new = _as_text(version, field)
            old = _as_text(previous, field) if previous else ""
            if previous is None or new != old:
                diff = list(difflib.ndiff(old.splitlines(), new.splitlines())) if previous else []
                changes.append(
                    {
                        "label": label,
                        "old": old,
                        "new": new,
                        "diff": [line for line in diff if line[:1] in "+-"],
                    }
                )
        history.append({"version": version, "changes": changes})
        previous = version
    return list(reversed(history))
