from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from core.errors import RowError
from core.tabular import read_capped
from questions.importers import REGISTRY, FileRejected, importer_for
from questions.models import Bank
from questions.services import questions_import


class Command(BaseCommand):
    help = "Nhập ngân hàng câu hỏi (xlsx, csv, gift, moodlexml, aiken). Import a question bank."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--bank", required=True, help="mã ngân hàng (slug); tạo mới nếu chưa có"
        )
        parser.add_argument("--format", choices=sorted(REGISTRY))
        parser.add_argument("--dry-run", action="store_true", help="chỉ báo sẽ thay đổi gì")
        parser.add_argument(
            "--partial", action="store_true", help="nhập các dòng hợp lệ, báo các dòng lỗi"
        )
        parser.add_argument("--title", default="", help="tên ngân hàng khi tạo mới")

    def handle(self, *args, path, bank, format, dry_run, partial, title, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"không tìm thấy tệp {path}")
        if slugify(bank) != bank:
            raise CommandError(
                f"--bank: mã ngân hàng chỉ gồm chữ thường không dấu, số và gạch ngang (ví dụ {slugify(bank) or 'cchc'})"
            )
        try:
            parsed = importer_for(format=format, filename=file.name).parse(read_capped(file))
        except FileRejected as rejected:
            self.stderr.write(RowError(1, "file", rejected.message).line())
            raise CommandError("tệp bị từ chối; không nhập gì.") from rejected
        target = Bank.objects.filter(slug=bank).first()
        if target is None:
            target = Bank(slug=bank, title=title or bank)
            if not dry_run and (not parsed.row_errors or partial):
                target.save()
        report = questions_import(
            bank=target, parsed=parsed, dry_run=dry_run or target.pk is None, partial=partial
        )
        for line in report.errors:
            self.stderr.write(line)
        for line in report.skipped:
            self.stdout.write(f"skipped: {line}")
        summary = (
            f"created: {report.created}, updated: {report.updated}, "
            f"unchanged: {report.unchanged}, skipped: {len(report.skipped)}, "
            f"errors: {len(report.errors)}"
        )
        if dry_run:
            self.stdout.write(f"dry run: {summary}")
        elif report.rejected:
            raise CommandError(
                f"{len(report.errors)} lỗi; không nhập gì (dùng --partial để nhập các dòng hợp lệ)."
            )
        else:
            self.stdout.write(summary)
        if report.errors:
            raise CommandError(
                f"{len(report.errors)} dòng lỗi (đã nhập các dòng hợp lệ)."
                if report.written
                else f"{len(report.errors)} dòng lỗi."
            )
