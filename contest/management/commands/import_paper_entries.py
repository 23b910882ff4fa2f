from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from contest.models import Contest
from contest.paper.importing import paper_import
from core.errors import Refusal, RowError
from core.tabular import read_capped


class Command(BaseCommand):
    help = (
        "Nhập phiếu trả lời giấy đã đánh máy (csv hoặc xlsx). "
        "Import transcribed paper answer sheets."
    )

    def add_arguments(self, parser):
        parser.add_argument("contest", help="mã cuộc thi (slug)")
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="chỉ báo sẽ thay đổi gì")
        parser.add_argument(
            "--partial", action="store_true", help="nhập các dòng hợp lệ, báo các dòng lỗi"
        )

    def handle(self, *args, contest, path, dry_run, partial, **options):
        found = Contest.objects.filter(slug=contest).first()
        if found is None:
            raise CommandError(f"không có cuộc thi mã {contest}")
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"không tìm thấy tệp {path}")
        kind = file.suffix.lower().lstrip(".")
        if kind not in ("csv", "xlsx"):
            self.stderr.write(RowError(1, "file", "chỉ nhận tệp .csv hoặc .xlsx").line())
            raise CommandError("tệp bị từ chối; không nhập gì.")
        try:
            report = paper_import(
                contest=found,
                data=read_capped(file),
                kind=kind,
                dry_run=dry_run,
                partial=partial,
                correction_url=reverse("contest:paper_sheet", args=[found.slug, "SHEET"]),
            )
        except Refusal as refused:  # the file (FileRejected) or the contest (PaperSetupError)
            self.stderr.write(RowError(1, "file", refused.message).line())
            raise CommandError("tệp bị từ chối; không nhập gì.") from refused
        for line in report.errors:
            self.stderr.write(line)
        summary = (
            f"created: {report.created}, unchanged: {report.unchanged}, "
            f"errors: {len(report.errors)}"
        )
        if report.rejected:
            raise CommandError(
                f"{len(report.errors)} lỗi; không nhập gì (dùng --partial để nhập các dòng hợp lệ)."
            )
        self.stdout.write(f"dry run: {summary}" if dry_run else summary)
        if report.errors:
            raise CommandError(
                f"{len(report.errors)} dòng lỗi (đã nhập các dòng hợp lệ)."
                if report.written
                else f"{len(report.errors)} dòng lỗi."
            )
