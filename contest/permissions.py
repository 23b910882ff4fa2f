"""Per-contest roles, and who can see a contest's answer key (so may not take part in it).

Organizer and clerk are per contest (``ContestMembership``; a site admin is an
organizer of every contest). An organizer of one contest never sees another
contest's personal data.

Key viewers are one rule, used by Python (starting an attempt) and by SQL (ranking leaves their
entries out, as ``staff``): the contest's organizers and clerks, the owners of
every bank the contest draws from, and site admins (who can open every bank).
"""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from contest.models import Contest, ContestMembership
from questions.models import Bank


def contest_bank_slugs(contest: Contest) -> set[str]:
    """The banks the contest (and each of its rounds) draws its questions from."""
    slugs = {(contest.questions_spec or {}).get("bank")}
    # .all(): the rounds a caller prefetched, if it did (round_current reads the same)
    slugs |= {(r.questions_spec or {}).get("bank") for r in contest.rounds.all()}
    return {slug for slug in slugs if slug}


def key_viewers(contest: Contest, *, bank_slugs: frozenset[str] | None = None) -> QuerySet:
    """Every account that can see the contest's key (a queryset usable as a SQL subquery).

    ``bank_slugs``: the contest's banks when the caller has them (``contest_bank_slugs``).
    """
    User = get_user_model()
    if bank_slugs is None:
        bank_slugs = contest_bank_slugs(contest)
    owners = Bank.owners.through.objects.filter(bank__slug__in=bank_slugs)
    return User.objects.filter(
        Q(pk__in=ContestMembership.objects.filter(contest=contest).values("user_id"))
        | Q(pk__in=owners.values("user_id"))
        | Q(is_superuser=True)
    )


def user_sees_key(*, user, contest: Contest) -> bool:
    """Whether ``user`` can see the contest's key (and so may not take part in it)."""
    if not user.is_authenticated:
        return False
    return key_viewers(contest).filter(pk=user.pk).exists()


def _has_role(user, contest, role: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return contest.memberships.filter(user=user, role=role).exists()


def user_is_organizer(*, user, contest) -> bool:
    """Organizer of this contest, or a site admin."""
    return bool(user.is_authenticated and user.is_superuser) or _has_role(
        user, contest, "organizer"
    )


def user_is_clerk(*, user, contest) -> bool:
    """May key in paper sheets for this contest (organizers may too)."""
    return user_is_organizer(user=user, contest=contest) or _has_role(user, contest, "clerk")


def user_can_view_personal_data(*, user, contest) -> bool:
    """Phone, CCCD and address of this contest's participants: its organizers only."""
    return user_is_organizer(user=user, contest=contest)
