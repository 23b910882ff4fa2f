from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.services import RowErrors, units_import_csv
from core.errors import RowError


class Command(BaseCommand):
    help = "Nhập danh sách đơn vị từ CSV (code, name, kind, parent, headcount). Import units."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            text = Path(path).read_bytes().decode("utf-8-sig")
        except FileNotFoundError as error:
            raise CommandError(f"không tìm thấy tệp {path}") from error
        except UnicodeDecodeError as error:
            raise CommandError(
                RowError(1, "file", "tệp không phải UTF-8; hãy lưu lại dạng CSV UTF-8").line()
            ) from error
        try:
            created, updated = units_import_csv(text=text)
        except RowErrors as error:
            for line in error.errors:
                self.stderr.write(line)
            raise CommandError(f"{len(error.errors)} lỗi; không nhập gì.") from error
        self.stdout.write(f"created: {created}, updated: {updated}")
