from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from questions.exporters import ExportRefused, export_bank
from questions.models import Bank


class Command(BaseCommand):
    help = "Xuất ngân hàng câu hỏi ra xlsx, csv hoặc gift theo đuôi tệp. Export a question bank."

    def add_arguments(self, parser):
        parser.add_argument("--bank", required=True)
        parser.add_argument("path")

    def handle(self, *args, bank, path, **options):
        target = Bank.objects.filter(slug=bank).first()
        if target is None:
            raise CommandError(f"--bank: không có ngân hàng mã {bank}")
        try:
            data = export_bank(target, path)
        except ExportRefused as error:
            raise CommandError(str(error)) from error
        Path(path).write_bytes(data)
        self.stdout.write(f"wrote {path} ({target.questions.count()} questions)")
