"""Who may do what: participant (everyone), clerk and organizer (per contest), site admin.

Site-wide groups give the right to open the organizer and clerk tools at all;
the per-contest ``ContestMembership`` decides which contests, and a bank's
``owners`` decide who may open that bank. An organizer of one contest never
sees another contest's personal data nor another organizer's bank. Who may not
take part in a contest (whoever can see its key) is ``contest.permissions``.
"""

from django.contrib.auth.models import Group

ORGANIZERS_GROUP = "Ban Tổ chức"
CLERKS_GROUP = "Nhập phiếu"


def role_groups_ensure() -> tuple[Group, Group]:
    """Create the two site-wide groups if missing; return (organizers, clerks)."""
    organizers, _ = Group.objects.get_or_create(name=ORGANIZERS_GROUP)
    clerks, _ = Group.objects.get_or_create(name=CLERKS_GROUP)
    return organizers, clerks


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


def user_is_bank_editor(user) -> bool:
    """Organizers (the site-wide group) and site admins may create banks and contests.

    Which banks they may then open is ``user_may_use_bank``: their own only.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=ORGANIZERS_GROUP).exists()


def user_may_use_bank(*, user, bank) -> bool:
    """Read, edit, export, give away and use in a contest: the bank's owners and site admins."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bank.owners.filter(pk=user.pk).exists()
