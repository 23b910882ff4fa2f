from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from contest.models import Contest
from contest.online.finishing import contest_close


class Command(BaseCommand):
    help = "Đóng cuộc thi ngay nếu còn mở và nộp tự động các lượt thi quá hạn. Close a contest now."

    def add_arguments(self, parser):
        parser.add_argument("contest", help="mã cuộc thi (slug)")

    def handle(self, *args, contest, **options):
        found = Contest.objects.filter(slug=contest).first()
        if found is None:
            raise CommandError(f"không có cuộc thi mã {contest}")
        now = timezone.now()
        was_open = found.closes_at > now
        finished = contest_close(contest=found, now=now)
        self.stdout.write(
            f"{'closed' if was_open else 'already closed'}: {found.slug}; "
            f"attempts finished: {finished}"
        )
