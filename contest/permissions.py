"""Who can see a contest's answer key, and therefore may not take part in it.

One rule, used by Python (starting an attempt) and by SQL (ranking leaves their
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
    slugs |= {
        (spec or {}).get("bank") for spec in contest.rounds.values_list("questions_spec", flat=True)
    }
    return {slug for slug in slugs if slug}


def key_viewers(contest: Contest) -> QuerySet:
    """Every account that can see the contest's key (a queryset usable as a SQL subquery)."""
    User = get_user_model()
    owners = Bank.owners.through.objects.filter(bank__slug__in=contest_bank_slugs(contest))
    return User.objects.filter(
        Q(pk__in=ContestMembership.objects.filter(contest=contest).values("user_id"))
        | Q(pk__in=owners.values("user_id"))
        | Q(is_superuser=True)
    )


def key_viewer_sql(contest: Contest) -> dict[str, tuple[str, tuple]]:
    """The rule as SQL subqueries for ranking: key viewers' user ids, phones and citizen ids."""
    from accounts.models import Profile

    viewers = key_viewers(contest)
    return {
        "user_id": viewers.values("pk").query.sql_with_params(),
        "phone": viewers.exclude(phone="").values("phone").query.sql_with_params(),
        "id_number": Profile.objects.filter(user__in=viewers.values("pk"))
        .exclude(id_number="")
        .values("id_number")
        .query.sql_with_params(),
    }


def user_sees_key(*, user, contest: Contest) -> bool:
    """Whether ``user`` can see the contest's key (and so may not take part in it)."""
    if not user.is_authenticated:
        return False
    return key_viewers(contest).filter(pk=user.pk).exists()
