"""``manage.py scan_sheets CONTEST PATH… [--dry-run] [--json]``: read photographed answer forms."""

import json

from django.core.management.base import BaseCommand, CommandError

from contest.models import Contest
from contest.paper.scanning import PaperSetupError, scan_batch, scan_inputs
from core.timeparse import BadDate, parse_date


class Command(BaseCommand):
    help = (
        "Reads photos or scans of filled answer forms (jpg, png, pdf pages; a folder or a zip "
        "means every image in it). Without --dry-run every readable sheet gets its arrival "
        "record and waits on the review screen."
    )

    def add_arguments(self, parser):
        parser.add_argument("contest")
        parser.add_argument("paths", nargs="+")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--round", type=int, help="refuse forms of any other round")
        parser.add_argument(
            "--postmark-date", help="postmark or hand-in date of the batch (default: today)"
        )

    def handle(self, *args, **options):
        contest = Contest.objects.filter(slug=options["contest"]).first()
        if contest is None:
            raise CommandError(f"không có cuộc thi “{options['contest']}”")
        postmark = None
        if options["postmark_date"]:
            try:
                postmark = parse_date(options["postmark_date"])
            except BadDate as error:
                raise CommandError(f"--postmark-date: {error}") from error
        try:
            results = scan_batch(
                contest=contest,
                items=scan_inputs(options["paths"]),
                dry_run=options["dry_run"],
                postmark_date=postmark,
                round_only=options["round"],
            )
        except PaperSetupError as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            out = [r.reading.contract(r.file) for r in results]
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
        else:
            for r in results:
                reading = r.reading
                where = f" → {r.sheet_no}" if r.sheet_no else ""
                if reading.status == "rejected":
                    self.stdout.write(f"{r.file}: bị loại: {reading.reason}")
                elif reading.review:
                    self.stdout.write(f"{r.file}{where}: cần xem {', '.join(reading.review)}")
                else:
                    self.stdout.write(f"{r.file}{where}: đọc xong")
        rejected = sum(r.reading.status == "rejected" for r in results)
        if rejected:
            self.stderr.write(f"{rejected} ảnh bị loại (xem lý do ở trên)")
            raise SystemExit(1)
