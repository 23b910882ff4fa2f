"""``manage.py answer_forms CONTEST OUT.pdf [--round N] [--first-serial S] [--copies K] [--geometry OUT.json]``."""

import json

from django.core.management.base import BaseCommand, CommandError

from contest.models import Contest
from contest.paper.marks import PaperSetupError
from contest.paper.printing import answer_form_pdf, form_geometry


class Command(BaseCommand):
    help = "Prints K answer forms with serials S… (default 1, 1); --geometry also writes the form geometry."

    def add_arguments(self, parser):
        parser.add_argument("contest")
        parser.add_argument("out")
        parser.add_argument("--round", type=int, default=1)
        parser.add_argument("--first-serial", type=int, default=1)
        parser.add_argument("--copies", type=int, default=1)
        parser.add_argument("--geometry")

    def handle(self, *args, **options):
        contest = Contest.objects.filter(slug=options["contest"]).first()
        if contest is None:
            raise CommandError(f"không có cuộc thi “{options['contest']}”")
        round_ = contest.rounds.filter(number=options["round"]).first()
        if round_ is None:
            raise CommandError(f"cuộc thi {contest.slug} không có vòng {options['round']}")
        first, copies = options["first_serial"], options["copies"]
        if not 0 <= first <= 999_999 or not 1 <= copies <= 10_000 or first + copies > 1_000_000:
            raise CommandError("số mẫu phải từ 0 đến 999999 và số bản từ 1 đến 10000")
        try:
            data = answer_form_pdf(contest, round_, first_serial=first, copies=copies)
            geometry = form_geometry(contest, round_, first_serial=first)
        except PaperSetupError as error:
            raise CommandError(str(error)) from error
        with open(options["out"], "wb") as handle:
            handle.write(data)
        if options["geometry"]:
            with open(options["geometry"], "w", encoding="utf-8") as handle:
                json.dump(geometry, handle, ensure_ascii=False, indent=1)
        self.stdout.write(f"{copies} phiếu (mẫu số {first:06d}–{first + copies - 1:06d})")
