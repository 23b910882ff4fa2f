from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contest.models import Contest
from contest.results.exports import (
    certificates_pdf,
    results_csv,
    results_xlsx,
    winners_pdf,
)
from contest.results.workflow import latest_results


class Command(BaseCommand):
    help = (
        "Xuất kết quả (xlsx, csv, hoặc pdf danh sách đạt giải) theo đuôi tệp. "
        "Export results by PATH's extension."
    )

    def add_arguments(self, parser):
        parser.add_argument("contest", help="mã cuộc thi (slug)")
        parser.add_argument("path", help="tệp .xlsx, .csv hoặc .pdf")
        parser.add_argument(
            "--certificates",
            action="store_true",
            help="với .pdf: giấy chứng nhận, mỗi người đạt giải một trang",
        )

    def handle(self, *args, contest, path, certificates, **options):
        found = Contest.objects.filter(slug=contest).first()
        if found is None:
            raise CommandError(f"không có cuộc thi mã {contest}")
        kind = Path(path).suffix.lower().lstrip(".")
        if kind not in ("xlsx", "csv", "pdf"):
            raise CommandError("PATH phải có đuôi .xlsx, .csv hoặc .pdf")
        results = latest_results(found)
        if not results:
            raise CommandError(f"cuộc thi {contest} chưa được xếp hạng: chạy rank_contest trước.")
        if kind == "csv":
            data = results_csv(results)
        elif kind == "xlsx":
            data = results_xlsx(results)
        elif certificates:
            data = certificates_pdf(found, results)
        else:
            data = winners_pdf(found, results)
        Path(path).write_bytes(data)
        state = "final" if all(r.final for r in results) else "provisional"
        self.stdout.write(f"wrote {path} ({state}, {len(data)} bytes)")
