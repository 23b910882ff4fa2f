"""Who may work on a contest's paper sheets: its clerks, or only its organizers."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from contest.models import Contest
from contest.permissions import user_is_clerk, user_is_organizer


def paper_contest_for(request, slug: str, *, organizer: bool = False) -> Contest:
    """The contest ``slug`` if this person is one of its clerks (or, with ``organizer``, one of
    its organizers); else ``PermissionDenied`` with the reason."""
    contest = get_object_or_404(Contest, slug=slug)
    allowed = (
        user_is_organizer(user=request.user, contest=contest)
        if organizer
        else user_is_clerk(user=request.user, contest=contest)
    )
    if not allowed:
        raise PermissionDenied(
            _("Chỉ Ban Tổ chức của cuộc thi này được làm việc này.")
            if organizer
            else _("Chỉ người nhập phiếu và Ban Tổ chức của cuộc thi này được làm việc này.")
        )
    return contest
