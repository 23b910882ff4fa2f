from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Profile, Unit, User
from contest.models import Contest, ContestMembership
from questions.models import Bank, Topic


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"xa-{n}")
    name = factory.Sequence(lambda n: f"Xã Số {n}")
    kind = Unit.Kind.COMMUNE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    phone = factory.Sequence(lambda n: f"09{n:08d}")
    phone_verified = True
    password = factory.PostGenerationMethodCall("set_password", "mat-khau-9x!")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    full_name = "Nguyễn Văn An"
    birth_year = 1985
    unit = factory.SubFactory(UnitFactory)


class ContestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contest

    slug = factory.Sequence(lambda n: f"cuoc-thi-{n}")
    title = "Cuộc thi tìm hiểu về công tác cải cách hành chính"
    organizer_name = "UBND huyện Đak Pơ"
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    channels = ["online", "paper"]


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContestMembership

    contest = factory.SubFactory(ContestFactory)
    user = factory.SubFactory(UserFactory)
    role = ContestMembership.Role.ORGANIZER


class BankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bank
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"bank-{n}")
    title = "Ngân hàng thử"


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    bank = factory.SubFactory(BankFactory)
    name = factory.Sequence(lambda n: f"Chủ đề {n}")


def make_bank_with_topics(slug="cchc", topics=(("Thể chế", 6), ("Thủ tục", 6)), multiple_every=0):
    """A bank with ``count`` questions per topic; every question's correct answer is B
    (or A,C for every ``multiple_every``-th question)."""
    from questions.services import question_save

    bank = Bank.objects.get_or_create(slug=slug, defaults={"title": slug})[0]
    n = 0
    for topic, count in topics:
        for _ in range(count):
            n += 1
            multiple = multiple_every and n % multiple_every == 0
            question_save(
                bank=bank,
                code=f"Q-{n:03d}",
                topic_name=topic,
                kind="multiple" if multiple else "single",
                text=f"Câu hỏi {n}?",
                options=["Một", "Hai", "Ba", "Bốn"],
                correct="AC" if multiple else "B",
                explanation=f"Giải thích {n}",
                source="Nghị quyết 76/NQ-CP",
            )
    return bank


def contest_json(**overrides):
    data = {
        "slug": "cchc-2022",
        "title": "Cuộc thi tìm hiểu về công tác cải cách hành chính năm 2022",
        "organizer": "UBND huyện Đak Pơ",
        "timezone": "Asia/Ho_Chi_Minh",
        "opens_at": "2022-05-24T16:00",
        "closes_at": "2022-06-09T16:00",
        "paper_postmark_deadline": "2022-06-09",
        "channels": ["online", "paper"],
        "attempt_time_limit_minutes": 30,
        "max_attempts": 3,
        "counted_attempt": "best",
        "questions": {
            "bank": "cchc",
            "draw": [{"topic": "Thể chế", "count": 3}, {"topic": "Thủ tục", "count": 2}],
            "shuffle_options": True,
        },
        "prediction": {
            "question": "Theo bạn, có bao nhiêu người tham gia cuộc thi?",
            "target": "participants",
        },
        "tie_break": ["score", "prediction_error", "duration", "submitted_at", "lot"],
        "lot_seed": "published-before-the-draw",
        "prizes": [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 2}],
    }
    data.update(overrides)
    if "channels" not in overrides and "draw" in data["questions"]:
        data["channels"] = ["online"]  # paper needs a fixed question list
    return data
