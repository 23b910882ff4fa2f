"""Banks now have owners: give each existing bank to the organizers of the contests using it.

Before this, every organizer could open every bank. Banks no contest uses stay
with site admins, who give them to their owners in the admin.
"""

from django.db import migrations


def _bank_slugs(contest) -> set[str]:
    slugs = {(contest.questions_spec or {}).get("bank")}
    for round_ in contest.rounds.all():
        slugs.add((round_.questions_spec or {}).get("bank"))
    return {slug for slug in slugs if slug}


def owners_from_contests(apps, schema_editor):
    Bank = apps.get_model("questions", "Bank")
    Contest = apps.get_model("contest", "Contest")
    ContestMembership = apps.get_model("contest", "ContestMembership")
    for contest in Contest.objects.all():
        organizers = list(
            ContestMembership.objects.filter(contest=contest, role="organizer").values_list(
                "user_id", flat=True
            )
        )
        for bank in Bank.objects.filter(slug__in=_bank_slugs(contest)):
            bank.owners.add(*organizers)


class Migration(migrations.Migration):
    dependencies = [
        ("contest", "0013_resident_prediction_and_ceremony"),
        ("questions", "0002_bank_owners"),
    ]

    operations = [migrations.RunPython(owners_from_contests, migrations.RunPython.noop)]
