import pytest
from django.urls import reverse

from accounts import sms
from accounts.captcha import SESSION_KEY
from accounts.models import Profile, User
from tests.factories import ProfileFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "phone": "0912 345 678",
        "password1": "Cải-cách-2022!",
        "password2": "Cải-cách-2022!",
        "full_name": "Trần Thị Bình",
        "birth_year": "1990",
        "id_number": "",
        "gender": "F",
        "address": "Thôn 3",
        "unit": str(UnitFactory(code="xa-an-thanh").pk),
    }
    data.update(overrides)
    return data


def test_signup_by_phone_creates_account_profile_and_sends_code(client):
    response = client.post(reverse("account_signup"), signup_data())
    assert response.status_code == 302
    user = User.objects.get(phone="0912345678")
    assert user.profile.full_name == "Trần Thị Bình"
    assert user.profile.unit.code == "xa-an-thanh"
    assert not user.phone_verified
    assert len(sms.outbox) == 1 and sms.outbox[0]["phone"] == "0912345678"
    code = sms.outbox[0]["text"].rsplit(" ", 1)[-1]
    assert code.isalnum() and len(code) >= 6, sms.outbox[0]["text"]
    verify = client.get(response["Location"])
    assert verify.status_code == 200
    response = client.post(response["Location"], {"code": code})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone_verified


def test_second_account_for_the_same_phone_in_another_spelling_is_refused(client):
    UserFactory(phone="0912345678")
    response = client.post(reverse("account_signup"), signup_data(phone="+84 912 345 678"))
    assert response.status_code == 200
    assert User.objects.filter(phone="0912345678").count() == 1
    assert "phone" in response.context["form"].errors


def test_signup_with_bad_phone_shows_a_vietnamese_message(client):
    response = client.post(reverse("account_signup"), signup_data(phone="12345"))
    assert response.status_code == 200
    assert "Số điện thoại không hợp lệ" in response.content.decode()
    assert not User.objects.exists()


def test_signup_with_cccd_not_matching_birth_year_is_refused(client):
    response = client.post(
        reverse("account_signup"), signup_data(id_number="079085012345", birth_year="1990")
    )
    assert response.status_code == 200
    assert "không khớp với năm sinh 1990" in response.content.decode()
    assert not User.objects.exists()


def test_a_cccd_already_used_by_another_account_is_refused(client):
    ProfileFactory(id_number="079090012345", birth_year=1990)
    response = client.post(
        reverse("account_signup"), signup_data(id_number="079090012345", birth_year="1990")
    )
    assert response.status_code == 200
    assert "đã được dùng" in response.content.decode()
    assert Profile.objects.count() == 1


def test_signup_requires_a_real_name(client):
    response = client.post(reverse("account_signup"), signup_data(full_name="A1"))
    assert response.status_code == 200
    assert not User.objects.exists()


def test_captcha_is_demanded_once_the_threshold_is_passed(client, settings):
    settings.CAPTCHA_SIGNUP_THRESHOLD = 2
    page = client.get(reverse("account_signup"))
    assert 'name="captcha"' not in page.content.decode()
    client.post(reverse("account_signup"), signup_data(phone="12"))
    client.post(reverse("account_signup"), signup_data(phone="34"))
    page = client.get(reverse("account_signup"))
    assert 'name="captcha"' in page.content.decode()
    assert reverse("accounts:captcha") in page.content.decode()


def test_wrong_captcha_is_refused_and_right_one_accepted(client, settings):
    settings.CAPTCHA_SIGNUP_THRESHOLD = 0
    image = client.get(reverse("accounts:captcha"))
    assert image["Content-Type"] == "image/png" and image.content[:8] == b"\x89PNG\r\n\x1a\n"
    response = client.post(reverse("account_signup"), signup_data(captcha="WRONG"))
    assert response.status_code == 200
    assert "Mã trong ảnh chưa đúng" in response.content.decode()
    assert not User.objects.exists()
    client.get(reverse("accounts:captcha"))
    answer = client.session[SESSION_KEY]
    response = client.post(reverse("account_signup"), signup_data(captcha=answer.lower()))
    assert response.status_code == 302
    assert User.objects.filter(phone="0912345678").exists()


def test_a_captcha_answer_cannot_be_reused(client, settings):
    settings.CAPTCHA_SIGNUP_THRESHOLD = 0
    client.get(reverse("accounts:captcha"))
    answer = client.session[SESSION_KEY]
    client.post(reverse("account_signup"), signup_data(captcha=answer, phone="1"))
    response = client.post(reverse("account_signup"), signup_data(captcha=answer))
    assert "Mã trong ảnh chưa đúng" in response.content.decode()


@pytest.mark.parametrize("login", ["0987654321", "0987 654 321", "+84987654321", "an@example.vn"])
def test_login_by_phone_in_any_spelling_or_by_email(client, login):
    UserFactory(phone="0987654321", email="an@example.vn")
    from allauth.account.models import EmailAddress

    user = User.objects.get(phone="0987654321")
    EmailAddress.objects.create(user=user, email="an@example.vn", verified=True, primary=True)
    response = client.post(reverse("account_login"), {"login": login, "password": "mat-khau-9x!"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.session["_auth_user_id"] == str(user.pk)


def test_repeated_failed_logins_are_rate_limited(client):
    UserFactory(phone="0987654321")
    statuses = [
        client.post(
            reverse("account_login"), {"login": "0987654321", "password": "sai"}
        ).status_code
        for _ in range(7)
    ]
    response = client.post(
        reverse("account_login"), {"login": "0987654321", "password": "mat-khau-9x!"}
    )
    assert statuses[0] == 200
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_forgotten_password_by_phone_signs_in_with_an_sms_code(client):
    user = UserFactory(phone="0987654321")
    response = client.post(reverse("account_request_login_code"), {"phone": "0987 654 321"})
    assert response.status_code == 302
    assert sms.outbox and sms.outbox[-1]["phone"] == "0987654321"
    code = sms.outbox[-1]["text"].rsplit(" ", 1)[-1]
    response = client.post(response["Location"], {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_sms_login_code_does_not_sign_in(client):
    UserFactory(phone="0987654321")
    response = client.post(reverse("account_request_login_code"), {"phone": "0987654321"})
    client.post(response["Location"], {"code": "000000"})
    assert "_auth_user_id" not in client.session


def test_profile_page_saves_personal_data(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {
            "full_name": "Lê   Văn   Cường",
            "birth_year": "1970",
            "id_number": "",
            "gender": "M",
            "address": "",
            "unit": "",
        },
    )
    assert response.status_code == 302
    assert Profile.objects.get(user=user).full_name == "Lê Văn Cường"


def test_several_residents_can_sign_up_one_after_another(client):
    phones = ["0912 345 678", "0912 345 679", "+84 912 345 680"]
    for n, phone in enumerate(phones):
        client.logout()
        response = client.post(
            reverse("account_signup"),
            signup_data(phone=phone, full_name=f"Người Dân Số {'ABC'[n]}"),
        )
        assert response.status_code == 302, response.content.decode()[:500]
    users = User.objects.filter(phone__in=["0912345678", "0912345679", "0912345680"])
    assert users.count() == 3
    assert len({user.username for user in users}) == 3
    assert all(user.username for user in users)


def test_help_texts_carry_the_id_their_field_points_to(client):
    html = client.get(reverse("account_signup")).content.decode()
    assert 'aria-describedby="id_id_number_helptext"' in html
    assert 'id="id_id_number_helptext"' in html


def test_the_phone_verification_page_has_one_primary_action(client):
    response = client.post(reverse("account_signup"), signup_data())
    html = client.get(response["Location"]).content.decode()
    assert html.count('class="primary"') == 1


def test_mistyped_passwords_behind_one_commune_address_do_not_lock_out_the_others(client):
    """A commune office or a school shares one address: 25 wrong passwords spread over
    five residents must not keep a sixth resident, typing the right one, out."""
    people = [UserFactory(phone=f"09876543{n:02d}") for n in range(6)]
    for person in people[:5]:
        for _ in range(5):
            client.post(reverse("account_login"), {"login": person.phone, "password": "sai"})
    response = client.post(
        reverse("account_login"), {"login": people[5].phone, "password": "mat-khau-9x!"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(people[5].pk)


def test_a_class_signing_up_on_one_school_network_is_not_refused_at_the_tenth(client, settings):
    settings.CAPTCHA_SIGNUP_THRESHOLD = 10_000  # the CAPTCHA has its own test
    for n in range(15):
        client.logout()
        response = client.post(
            reverse("account_signup"),
            signup_data(phone=f"09123400{n:02d}", full_name=f"Học Sinh {chr(65 + n)}"),
        )
        assert response.status_code == 302, (n, response.status_code)
    assert User.objects.filter(phone__startswith="09123400").count() == 15


def test_signing_in_again_and_again_before_verifying_the_phone_says_wait_not_error(client):
    """Each sign-in with a phone not yet verified sends a code; past allauth's limit for
    codes (3 in 5 minutes per phone) the resident is told to wait, never shown a 500."""
    UserFactory(phone="0987654321", phone_verified=False)
    statuses = []
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": "0987654321", "password": "mat-khau-9x!"}
        )
        statuses.append(response.status_code)
        client.cookies.clear()  # a fresh browser each time, as a resident who gives up and retries
    assert statuses[:3] == [302, 302, 302]
    assert statuses[3:] == [429, 429]
    assert "quá nhiều lần" in response.content.decode()
    assert len(sms.outbox) == 3  # no fourth code was sent
