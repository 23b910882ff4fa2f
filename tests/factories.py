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
