"""Site-wide roles: the organizers' and clerks' groups, and who may open a bank.

Site-wide groups give the right to open the organizer and clerk tools at all;
a bank's ``owners`` decide who may open that bank. Which contests a person
organizes or keys in (``ContestMembership``), and who may not take part in a
contest, is ``contest.permissions``: accounts knows nothing of contests.
"""

from django.contrib.auth.models import Group

ORGANIZERS_GROUP = "Ban Tổ chức"
CLERKS_GROUP = "Nhập phiếu"


def role_groups_ensure() -> tuple[Group, Group]:
    """Create the two site-wide groups if missing; return (organizers, clerks)."""
    organizers, _ = Group.objects.get_or_create(name=ORGANIZERS_GROUP)
    clerks, _ = Group.objects.get_or_create(name=CLERKS_GROUP)
    return organizers, clerks


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
