"""Load the complete demo; running it again leaves the same state."""

from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Unit, User
from accounts.roles import role_groups_ensure
from accounts.services import profile_save, units_import_csv
from contest.definition import contest_import
from contest.management.demo_entries import TZ, demo_entries
from contest.models import Contest, ContestMembership
from questions.importers import importer_for
from questions.models import Bank
from questions.services import questions_import

ROOT = Path(settings.BASE_DIR)
DEMO_PASSWORD = "cuocthi-demo"
DEMO_USERS = [
    # phone, name, role, unit
    ("0900000001", "Quản trị hệ thống", "admin", None),
    ("0900000002", "Nguyễn Thị Ban Tổ Chức", "organizer", "phong-noi-vu"),
    ("0900000003", "Trần Văn Nhập Phiếu", "clerk", "vp-hdnd-ubnd"),
    ("0900000004", "Lê Thị Nhập Phiếu", "clerk", "vp-hdnd-ubnd"),
    ("0900000005", "Phạm Văn Dân", "participant", "xa-an-thanh"),
    ("0900000006", "Hoàng Thị Hoa", "participant", "tt-dak-po"),
]
PRIZES = [
    {"name": "Giải Nhất", "count": 1},
    {"name": "Giải Nhì", "count": 2},
    {"name": "Giải Ba", "count": 3},
    {"name": "Giải Khuyến khích", "count": 5},
]
TOPICS = [
    "Cải cách thể chế",
    "Cải cách thủ tục hành chính",
    "Cải cách tổ chức bộ máy hành chính nhà nước",
    "Cải cách chế độ công vụ",
    "Cải cách tài chính công",
    "Xây dựng và phát triển Chính phủ điện tử, Chính phủ số",
]
RULES = """Đối tượng: cán bộ, công chức, viên chức, người lao động và Nhân dân trên địa bàn huyện.
Hình thức: thi trực tuyến trên Cổng thông tin điện tử của huyện, hoặc điền phiếu trả lời in sẵn và gửi về Ban Tổ chức (Văn phòng HĐND và UBND huyện).
Mỗi lượt thi gồm 20 câu hỏi trắc nghiệm và 01 câu hỏi dự đoán số người tham gia; thời gian làm bài 30 phút; mỗi người được thi tối đa 3 lượt, Ban Tổ chức lấy kết quả cao nhất.
Xếp giải: số câu trả lời đúng nhiều nhất; nếu bằng nhau, xét dự đoán gần đúng nhất với số người tham gia; tiếp theo là thời gian làm bài ngắn hơn, rồi thời điểm nộp bài sớm hơn; cuối cùng bốc thăm công khai. Mỗi người chỉ nhận một giải."""


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu (đơn vị, tài khoản, ngân hàng câu hỏi, cuộc thi). Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        now = timezone.now()
        units_import_csv(text=(ROOT / "accounts/demo_units.csv").read_text(encoding="utf-8"))
        self._users()
        bank = self._bank()
        open_contest = self._open_contest(bank, now)
        finished = self._finished_contest(bank, now)
        entries = demo_entries(finished)
        organizer = User.objects.get(phone="0900000002")
        bank.owners.add(organizer)  # the demo bank belongs to the demo organizer
        for contest in (open_contest, finished):
            ContestMembership.objects.get_or_create(
                contest=contest, user=organizer, role="organizer"
            )
            for phone in ("0900000003", "0900000004"):
                ContestMembership.objects.get_or_create(
                    contest=contest, user=User.objects.get(phone=phone), role="clerk"
                )
        self.stdout.write(
            f"demo: {Unit.objects.count()} units, {bank.questions.count()} questions, "
            f"contests {open_contest.slug} (open) and {finished.slug} (finished, "
            f"{entries} entries, final results published); "
            f"demo password: {DEMO_PASSWORD}"
        )

    def _users(self) -> None:
        organizers, clerks = role_groups_ensure()
        for phone, name, role, unit_code in DEMO_USERS:
            user = User.objects.filter(phone=phone).first() or User(
                username=f"demo{phone[-2:]}", phone=phone, phone_verified=True
            )
            user.first_name = name
            user.is_staff = role in ("admin", "organizer")
            user.is_superuser = role == "admin"
            user.set_password(DEMO_PASSWORD)
            user.save()
            if role == "organizer":
                user.groups.add(organizers)
            elif role == "clerk":
                user.groups.add(clerks)
            unit = Unit.objects.filter(code=unit_code).first() if unit_code else None
            profile_save(user=user, data={"full_name": name, "unit": unit, "birth_year": 1980})

    def _bank(self) -> Bank:
        bank, _ = Bank.objects.get_or_create(
            slug="cchc",
            defaults={"title": "Cải cách hành chính nhà nước", "owner_name": "UBND huyện Đak Pơ"},
        )
        path = ROOT / "questions/demo/cchc-2022.csv"
        parsed = importer_for(filename=path.name).parse(path.read_bytes())
        report = questions_import(bank=bank, parsed=parsed)
        if report.errors:
            raise RuntimeError("\n".join(report.errors))
        return bank

    def _definition(
        self, slug: str, title: str, opens, closes, questions: dict, seed: str
    ) -> Contest:
        contest, _ = contest_import(
            data={
                "slug": slug,
                "title": title,
                "organizer": "UBND huyện Đak Pơ",
                "rules": RULES,
                "timezone": "Asia/Ho_Chi_Minh",
                "opens_at": opens.strftime("%Y-%m-%d %H:%M"),
                "closes_at": closes.strftime("%Y-%m-%d %H:%M"),
                "paper_postmark_deadline": closes.strftime("%Y-%m-%d"),
                "channels": ["online", "paper"],
                "attempt_time_limit_minutes": 30,
                "max_attempts": 3,
                "counted_attempt": "best",
                "questions": questions,
                "prediction": {
                    "question": "Theo bạn, có bao nhiêu người tham gia cuộc thi?",
                    "target": "participants",
                },
                "tie_break": ["score", "prediction_error", "duration", "submitted_at", "lot"],
                "lot_seed": seed,
                "prizes": PRIZES,
            }
        )
        return contest

    def _open_contest(self, bank: Bank, now) -> Contest:
        # Named after the year it runs in, so the demo never shows a "2022" contest open today.
        year = timezone.localdate(now, TZ).year
        slug = f"cchc-{year}"
        contest = Contest.objects.filter(slug=slug).first()
        if contest is not None and contest.is_open(now):
            return contest
        # Same shape as the district's 2022 contest (16:00 to 16:00, 16 days),
        # dated so that it is open now.
        start = datetime.combine(timezone.localdate(now, TZ) - timedelta(days=3), time(16), TZ)
        if contest is not None and contest.attempts.exists():
            # Entries exist: only the window may move.
            contest.opens_at, contest.closes_at = start, start + timedelta(days=16)
            contest.save()
            contest.rounds.update(opens_at=contest.opens_at, closes_at=contest.closes_at)
            return contest
        return self._definition(
            slug,
            f"Cuộc thi tìm hiểu về công tác cải cách hành chính năm {year}",
            start,
            start + timedelta(days=16),
            {
                # A fixed set of 20 (3-4 per reform area) so that the printed sheet and the
                # online attempts ask the same; online, questions and options are shuffled.
                "bank": bank.slug,
                "codes": _spread(bank, [3, 4, 3, 3, 3, 4]),
                "shuffle_questions": True,
                "shuffle_options": True,
            },
            f"{slug}-dak-po-seed",
        )

    def _finished_contest(self, bank: Bank, now) -> Contest:
        existing = Contest.objects.filter(slug="cchc-2021").first()
        if existing is not None and existing.has_entries():
            return existing
        return self._definition(
            "cchc-2021",
            "Cuộc thi tìm hiểu về cải cách hành chính năm 2021",
            datetime(2021, 9, 6, 16, tzinfo=TZ),
            datetime(2021, 9, 20, 16, tzinfo=TZ),
            {
                "bank": bank.slug,
                "codes": list(bank.questions.order_by("code").values_list("code", flat=True)[:20]),
            },
            "cchc-2021-dak-po-seed",
        )


def _spread(bank: Bank, counts: list[int]) -> list[str]:
    """The first questions of each reform area, ``counts`` per area in area order."""
    codes: list[str] = []
    for topic, count in zip(TOPICS, counts, strict=True):
        codes += list(
            bank.questions.filter(topic__name=topic, archived=False)
            .order_by("code")
            .values_list("code", flat=True)[:count]
        )
    return codes
