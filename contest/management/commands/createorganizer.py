from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.identity import normalize_phone
from accounts.models import User
from accounts.roles import role_groups_ensure
from contest.models import Contest, ContestMembership


class Command(BaseCommand):
    help = (
        "Tạo (hoặc cập nhật) tài khoản Ban Tổ chức. Create or update an organizer account; "
        "with --contest it also manages that contest."
    )

    def add_arguments(self, parser):
        parser.add_argument("phone", help="số điện thoại, ví dụ 0905123456")
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--contest", action="append", default=[], help="slug cuộc thi")
        parser.add_argument("--clerk", action="store_true", help="tạo tài khoản nhập phiếu")

    @transaction.atomic
    def handle(self, *args, phone, password, name, email, contest, clerk, **options):
        try:
            phone = normalize_phone(phone)
        except ValidationError as error:
            raise CommandError(f"phone: {error.messages[0]}") from error
        contests = []
        for slug in contest:
            found = Contest.objects.filter(slug=slug).first()
            if found is None:
                raise CommandError(f"contest: không có cuộc thi mã {slug}")
            contests.append(found)
        user = User.objects.filter(phone=phone).first()
        if user is None:
            user = User(username=f"u{phone}", phone=phone, phone_verified=True)
        user.first_name = name or user.first_name
        user.email = email or user.email
        user.is_staff = not clerk
        user.set_password(password)
        user.save()
        organizers, clerks = role_groups_ensure()
        user.groups.add(clerks if clerk else organizers)
        role = ContestMembership.Role.CLERK if clerk else ContestMembership.Role.ORGANIZER
        for found in contests:
            ContestMembership.objects.get_or_create(contest=found, user=user, role=role)
        self.stdout.write(f"ok: {phone} ({'clerk' if clerk else 'organizer'})")
