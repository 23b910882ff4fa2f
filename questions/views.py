from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import user_is_bank_editor, user_may_use_bank
from core.upload_flow import UploadFlow
from questions.exporters import ExportRefused, export_bank
from questions.forms import BankForm, ImportForm, QuestionForm
from questions.importers import FileRejected, importer_for
from questions.importers.spreadsheet import COLUMN_LABELS
from questions.models import Bank, Question
from questions.selectors import banks_with_counts, questions_search, version_history
from questions.services import (
    BankRefused,
    bank_create,
    bank_give,
    question_archive,
    question_save,
    questions_import,
)
from questions.tasks import questions_import_task


def _editor(request) -> None:
    if not user_is_bank_editor(request.user):
        raise PermissionDenied(_("Chỉ Ban Tổ chức được quản lý ngân hàng câu hỏi."))


def _bank_for(request, slug: str) -> Bank:
    """The bank, if this person owns it (or is a site admin); another's bank is a 404."""
    _editor(request)
    bank = get_object_or_404(Bank, slug=slug)
    if not user_may_use_bank(user=request.user, bank=bank):
        raise Http404(_("Không có ngân hàng câu hỏi này trong các ngân hàng của bạn."))
    return bank


@login_required
def bank_list(request):
    _editor(request)
    form = BankForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        bank = bank_create(
            slug=data["slug"], title=data["title"], owner_name=data["owner_name"], user=request.user
        )
        messages.success(request, _("Đã tạo ngân hàng câu hỏi."))
        return redirect("questions:question_list", bank.slug)
    return render(
        request,
        "questions/bank_list.html",
        {"banks": banks_with_counts(user=request.user), "form": form},
    )


@login_required
@require_POST
def bank_owners(request, slug: str):
    """Give the bank to another organizer too: they may then read, edit and use it."""
    bank = _bank_for(request, slug)
    try:
        user = bank_give(bank=bank, to=request.POST.get("to", ""))
    except BankRefused as refused:
        messages.error(request, _("Chưa chia sẻ ngân hàng: %(why)s") % {"why": refused})
    else:
        messages.success(
            request,
            _(
                "Đã chia sẻ ngân hàng cho %(who)s. Người này không được dự thi các cuộc thi dùng ngân hàng này."
            )
            % {"who": user},
        )
    return redirect("questions:question_list", slug)


@login_required
def question_list(request, slug: str):
    bank = _bank_for(request, slug)
    query = request.GET.get("q", "").strip()
    topic = request.GET.get("topic", "")
    archived = request.GET.get("archived") == "1"
    found = questions_search(
        bank=bank, query=query, topic_id=int(topic) if topic.isdigit() else None, archived=archived
    )
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "questions/question_list.html",
        {
            "bank": bank,
            "page": page,
            "query": query,
            "topic": topic,
            "archived": archived,
            "topics": bank.topics.all(),
        },
    )


def _initial(question: Question) -> dict:
    v = question.current_version
    initial = {
        "code": question.code,
        "topic": question.topic.name,
        "kind": v.kind,
        "text": v.text,
        "correct": list(v.correct),
        "points": v.points,
        "difficulty": v.difficulty,
        "explanation": v.explanation,
        "source": v.source,
    }
    for letter, option in zip("abcdef", v.options, strict=False):
        initial[f"option_{letter}"] = option
    return initial


@login_required
def question_edit(request, slug: str, code: str | None = None):
    bank = _bank_for(request, slug)
    question = get_object_or_404(Question, bank=bank, code=code) if code else None
    form = QuestionForm(
        request.POST or None,
        request.FILES or None,
        bank=bank,
        editing=question is not None,
        initial=_initial(question) if question else {"kind": "single", "points": 1},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved, changed = question_save(
            bank=bank,
            code=question.code if question else data["code"],
            topic_name=data["topic"].strip(),
            kind=data["kind"],
            text=data["text"].strip(),
            options=data["options"],
            correct=data["correct_letters"],
            points=data["points"],
            difficulty=data["difficulty"],
            explanation=data["explanation"].strip(),
            source=data["source"].strip(),
            image=data["image"],
            remove_image=data["remove_image"],
            user=request.user,
        )
        if changed:
            messages.success(
                request,
                _("Đã lưu phiên bản %(n)s của câu %(code)s.")
                % {"n": saved.current_version.number, "code": saved.code},
            )
        else:
            messages.info(request, _("Không có thay đổi nào, không tạo phiên bản mới."))
        return redirect("questions:question_list", bank.slug)
    return render(
        request,
        "questions/question_edit.html",
        {
            "bank": bank,
            "question": question,
            "form": form,
            "topics": bank.topics.values_list("name", flat=True),
        },
    )


@login_required
def question_history(request, slug: str, code: str):
    bank = _bank_for(request, slug)
    question = get_object_or_404(Question.objects.select_related("bank"), bank=bank, code=code)
    return render(
        request,
        "questions/question_history.html",
        {
            "bank": question.bank,
            "question": question,
            "history": version_history(question=question),
        },
    )


@login_required
@require_POST
def question_archive_toggle(request, slug: str, code: str):
    bank = _bank_for(request, slug)
    question = get_object_or_404(Question, bank=bank, code=code)
    question_archive(question=question, archived=not question.archived)
    messages.success(
        request,
        _("Đã lưu trữ câu %(code)s.") % {"code": code}
        if question.archived
        else _("Đã khôi phục câu %(code)s.") % {"code": code},
    )
    return redirect("questions:question_list", slug)


@login_required
def bank_export(request, slug: str, fmt: str):
    bank = _bank_for(request, slug)
    try:
        data = export_bank(bank, f"x.{fmt}")
    except ExportRefused as error:
        raise PermissionDenied(str(error)) from error
    types = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv": "text/csv; charset=utf-8",
        "gift": "text/plain; charset=utf-8",
    }
    response = HttpResponse(data, content_type=types.get(fmt, "application/octet-stream"))
    response["Content-Disposition"] = f'attachment; filename="{bank.slug}.{fmt}"'
    return response


def _bank_preview(*, bank: Bank, data: bytes, filename: str, format: str) -> dict:
    parsed = importer_for(format=format or None, filename=filename).parse(data)
    report = questions_import(bank=bank, parsed=parsed, dry_run=True)
    return {
        "report": report,
        "errors": [e.shown(COLUMN_LABELS) for e in report.row_errors],
        "valid_rows": len(report.rows),
    }


@login_required
def bank_import(request, slug: str):
    """Upload → preview (a dry run) → confirm, which runs the import in the background."""
    bank = _bank_for(request, slug)
    return UploadFlow(
        scope=f"bank:{bank.pk}",
        form_class=ImportForm,
        preview=partial(_bank_preview, bank=bank),
        refusals=(FileRejected,),
        task=questions_import_task,
        task_kwargs={"bank_id": bank.pk},
        job_kind="questions_import",
        next_url=reverse("questions:bank_list"),
        template="questions/bank_import.html",
        context={"bank": bank},
    ).respond(request)
