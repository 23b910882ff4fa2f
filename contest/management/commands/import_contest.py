import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from contest.definition import ContestInvalid, contest_import


class Command(BaseCommand):
    help = "Tạo hoặc cập nhật cuộc thi từ tệp JSON (xem docs/contracts.md). Create or update a contest."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            data = json.loads(Path(path).read_bytes().decode("utf-8-sig"))
        except FileNotFoundError as error:
            raise CommandError(f"không tìm thấy tệp {path}") from error
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            raise CommandError(f"tệp không phải JSON UTF-8 hợp lệ: {error}") from error
        try:
            contest, created = contest_import(data=data)
        except ContestInvalid as error:
            for line in error.errors:
                self.stderr.write(line)
            raise CommandError(f"{len(error.errors)} lỗi; không ghi gì.") from error
        except ValidationError as error:  # a field the model refuses (e.g. a 100 KB title)
            lines = [f"{k}: {m}" for k, ms in error.message_dict.items() for m in ms]
            for line in lines:
                self.stderr.write(line)
            raise CommandError(f"{len(lines)} lỗi; không ghi gì.") from error
        self.stdout.write(f"{'created' if created else 'updated'}: {contest.slug}")
