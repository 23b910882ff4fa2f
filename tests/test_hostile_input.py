"""Hostile values on every form and JSON endpoint: a clear 4xx or a Vietnamese message, never a
500, and nothing written. (Files and import paths: ``test_hostile_files.py``.)

The values: huge numbers, NaN, Infinity, non-ASCII digits, NFD text, 100 KB strings, bad dates.
"""

import json
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.identity import normalize_phone, validate_id_number
from accounts.models import User
from contest.models import Attempt, ContestMembership, PaperEntry, PaperKeying, PaperReceipt
from contest.paper.keying import KeyingRefused, paper_key
from tests.contest.test_ranking import ALL_RIGHT, make_contest
from tests.factories import ProfileFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
DURING = datetime(2022, 5, 30, 9, tzinfo=VN)
HUGE = "9" * 30
LONG = "x" * 100_000
NFC_NAME = "Nguyễn Thị Lan"
NFD_NAME = unicodedata.normalize("NFD", NFC_NAME)
ARABIC_PHONE = "09٠٥١٢٣٤٥٦"  # 09 + Arabic-Indic digits: isdigit() says yes


@pytest.fixture
def contest():
    return make_contest()


def member(contest, role="clerk"):
    user = UserFactory()
    ContestMembership.objects.create(contest=contest, user=user, role=role)
    return user


def sheet(**overrides):
    data = {
        "sheet_no": "P-00001",
        "full_name": NFC_NAME,
        "phone": "0905 111 222",
        "answers": ALL_RIGHT,
        "prediction": "1200",
        "postmark_date": "01/06/2022",
    }
    data.update(overrides)
    return data


# --- autosave and submit (JSON and form) --------------------------------------------------


@pytest.fixture
def attempt(client, contest):
    user = ProfileFactory().user
    client.force_login(user)
    with time_machine.travel(DURING, tick=False):
        client.post(reverse("contest:start", args=[contest.slug]))
        yield Attempt.objects.get()


@pytest.mark.parametrize(
    "body",
    [
        '{"position": 1, "answer": "B", "seq": 9223372036854775808}',  # 2^63
        '{"position": 1, "answer": "B", "seq": Infinity}',
        '{"position": 1, "answer": "B", "seq": NaN}',
        '{"position": 1, "answer": "B", "seq": -Infinity}',
        '{"position": 1, "answer": "B", "seq": 1e999}',
        '{"position": 1, "answer": "B", "seq": -1}',
        '{"position": 1, "answer": "B", "seq": "²"}',
        '{"position": 1, "answer": "B", "seq": true}',
        '{"position": 1000000000000000000000000000000, "answer": "B", "seq": 1}',
        '{"position": "١", "answer": "B", "seq": 1}',
        '{"position": 1, "answer": ["B"], "seq": 1}',
        json.dumps({"position": 1, "answer": "x" * 10_000, "seq": 1}),
        "[1, 2]",
        "not json",
        "[" * 10_000,  # nested deeper than the JSON parser's recursion limit
        '{"a": ' * 2_500,
    ],
)
def test_autosave_refuses_hostile_numbers_with_400_and_saves_nothing(client, attempt, body):
    assert_autosave_refused(client, attempt, body, 400, "Dữ liệu gửi lên không hợp lệ.")


def assert_autosave_refused(client, attempt, body: str, status: int, error: str) -> None:
    """The autosave ``body`` is refused with ``status`` and ``error``, and nothing is stored."""
    with time_machine.travel(DURING, tick=False):
        response = client.post(
            reverse("contest:answer", args=[attempt.pk]), data=body, content_type="application/json"
        )
    assert response.status_code == status
    assert response.json()["error"] == error
    assert not attempt.items.exclude(answer="").exists()
    assert not attempt.items.exclude(answer_seq=0).exists()


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"position": 1, "answer": LONG, "seq": 1}),
        "[" * 70_000,
        '{"a": ' * 12_000,
        json.dumps({"position": 1, "answer": "B", "seq": 1, "prior": list(range(12_000))}),
        json.dumps({"essay": "ý" * 5_000, "seq": 1, "pad": "x" * 60_000}, ensure_ascii=False),
    ],
)
def test_autosave_refuses_bodies_over_64_kb_before_reading_them(client, attempt, body):
    """An autosave is a few hundred bytes, an essay's at most about 15 KB; these are refused
    whole, whatever they hold."""
    assert_autosave_refused(client, attempt, body, 413, "Dữ liệu gửi lên quá lớn.")


@pytest.mark.parametrize(
    "body",
    [
        '{"prediction": "²", "seq": 1}',
        '{"prediction": "٨١٢٣", "seq": 1}',
        f'{{"prediction": "{HUGE}", "seq": 1}}',
        f'{{"prediction": {HUGE}, "seq": 1}}',
        '{"prediction": Infinity, "seq": 1}',
        '{"prediction": NaN, "seq": 1}',
        '{"prediction": 1.5, "seq": 1}',
        '{"prediction": true, "seq": 1}',
        '{"prediction": [8123], "seq": 1}',
        '{"prediction": "8123", "seq": 1e999}',
    ],
)
def test_autosaving_a_hostile_prediction_is_a_400_and_saves_nothing(client, attempt, body):
    with time_machine.travel(DURING, tick=False):
        response = client.post(
            reverse("contest:answer", args=[attempt.pk]), data=body, content_type="application/json"
        )
    assert response.status_code == 400
    assert response.json()["error"] in (
        "Dữ liệu gửi lên không hợp lệ.",
        "Số dự đoán phải là số nguyên không âm, ví dụ 8123.",
    )
    attempt.refresh_from_db()
    assert attempt.prediction is None


def test_autosave_still_takes_the_largest_seq_the_column_holds(client, attempt):
    with time_machine.travel(DURING, tick=False):
        response = client.post(
            reverse("contest:answer", args=[attempt.pk]),
            data=json.dumps({"position": 1, "answer": "B", "seq": 2**63 - 1}),
            content_type="application/json",
        )
    assert response.status_code == 200
    assert attempt.items.get(position=1).answer_key == 2**63 - 1  # the phone's id, kept whole


@pytest.mark.parametrize("prediction", ["²", "٨١٢٣", HUGE, "Infinity", "NaN", "-5", "1e9", LONG])
def test_a_hostile_online_prediction_is_refused_and_the_attempt_stays_open(
    client, attempt, prediction
):
    with time_machine.travel(DURING, tick=False):
        response = client.post(
            reverse("contest:submit", args=[attempt.pk]),
            {"prediction": prediction, "submit_key": "k"},
            follow=True,
        )
    assert response.status_code == 200
    assert "Số dự đoán phải là số nguyên không âm" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS and attempt.prediction is None


# --- public pages ----------------------------------------------------------------------------


@pytest.mark.parametrize("round_", ["abc", "²", "١", HUGE, "-1", "1.5", LONG[:2000]])
def test_the_public_form_download_answers_404_to_a_bad_round(client, contest, round_):
    with time_machine.travel(DURING, tick=False):
        response = client.get(
            reverse("contest:public_form", args=[contest.slug, "form"]), {"round": round_}
        )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "query", [{"round": "abc"}, {"from": "²", "copies": HUGE}, {"from": HUGE, "copies": "١٠"}]
)
def test_the_clerks_form_download_refuses_or_defaults_hostile_numbers(client, contest, query):
    client.force_login(member(contest))
    response = client.get(reverse("contest:paper_form", args=[contest.slug, "answers"]), query)
    if "round" in query:
        assert response.status_code == 403
    else:
        assert response.status_code == 200 and response.content.startswith(b"%PDF")


# --- keying a paper sheet -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("prediction", "²", "không phải số nguyên không âm"),
        ("prediction", "١٢٠٠", "không phải số nguyên không âm"),
        ("prediction", HUGE, "tối đa 12 chữ số"),
        ("prediction", "NaN", "không phải số nguyên không âm"),
        ("phone", ARABIC_PHONE, "Số điện thoại không hợp lệ"),
        ("id_number", "٠٧٩٠٩٠٠١٢٣٤٥", "Số CCCD phải có 12 chữ số"),
        ("id_number", "²" * 12, "Số CCCD phải có 12 chữ số"),
        ("birth_year", "١٩٧٥", "không phải năm sinh"),
        ("received_at", "2022-06-03 09:15+99:99", "không có thật"),
        ("received_at", "0001-01-01 00:00", "năm phải trong khoảng"),
        ("received_at", "9999-12-31 23:59-14:00", "năm phải trong khoảng"),
        ("postmark_date", "01/01/0001", "năm phải trong khoảng"),
        ("postmark_date", "31/02/2022", "không phải ngày có thật"),
        ("address", LONG, "tối đa 5.000"),
        ("full_name", LONG, "tối đa 5.000"),
    ],
)
def test_a_hostile_keyed_value_is_a_field_error_and_writes_nothing(contest, field, value, message):
    contest.double_keying = False
    contest.save()
    with pytest.raises(KeyingRefused) as refused:
        paper_key(contest=contest, raw=sheet(**{field: value}), clerk=member(contest))
    assert message in refused.value.errors[field]
    assert not PaperEntry.objects.exists() and not PaperKeying.objects.exists()


def test_a_30_digit_prediction_at_the_second_keying_is_refused_not_a_500(client, contest):
    first, second = member(contest), member(contest)
    paper_key(contest=contest, raw=sheet(), clerk=first)
    client.force_login(second)
    response = client.post(
        reverse("contest:paper_key", args=[contest.slug]), sheet(prediction=HUGE)
    )
    assert response.status_code == 200
    assert "tối đa 12 chữ số" in response.content.decode()
    assert not PaperEntry.objects.exists() and PaperKeying.objects.count() == 1


def test_a_name_typed_nfc_by_one_clerk_and_nfd_by_the_other_is_no_conflict(contest):
    first, second = member(contest), member(contest)
    assert NFC_NAME != NFD_NAME
    paper_key(contest=contest, raw=sheet(), clerk=first)
    outcome = paper_key(contest=contest, raw=sheet(full_name=NFD_NAME), clerk=second)
    assert outcome.state == "verified"
    assert PaperEntry.objects.get().full_name == NFC_NAME


def test_an_nfd_unit_name_is_found(contest):
    unit = UnitFactory(code="xa-an-thanh", name="Xã An Thạnh")
    contest.double_keying = False
    contest.save()
    nfd = unicodedata.normalize("NFD", "xã an thạnh")
    outcome = paper_key(contest=contest, raw=sheet(unit=nfd), clerk=member(contest))
    assert outcome.entry.unit == unit


def test_phone_and_cccd_take_ascii_digits_only():
    from django.core.exceptions import ValidationError

    for hostile in (ARABIC_PHONE, "０９０５１２３４５６", "09051234５6"):
        with pytest.raises(ValidationError):
            normalize_phone(hostile)
    for hostile in ("０７９０９００１２３４５", "٠٧٩٠٩٠٠١٢٣٤٥", "²²²²²²²²²"):
        with pytest.raises(ValidationError):
            validate_id_number(hostile)


def test_signing_up_with_a_non_ascii_phone_is_a_form_error(client):
    from tests.accounts.test_signup_login import signup_data

    response = client.post(reverse("account_signup"), signup_data(phone=ARABIC_PHONE))
    assert response.status_code == 200
    assert "Số điện thoại không hợp lệ" in response.content.decode()
    assert not User.objects.exists()


# --- receiving a sheet ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "dates",
    [
        {"postmark_date": "0001-01-01", "received_at": "2022-06-03T09:15"},
        {"postmark_date": "2022-06-01", "received_at": "0001-01-01T00:00"},
        {"postmark_date": "2022-06-01", "received_at": "9999-12-31T23:59"},
        {"postmark_date": HUGE, "received_at": LONG},
    ],
)
def test_receiving_a_sheet_with_impossible_dates_is_a_form_error(client, contest, dates):
    client.force_login(member(contest))
    response = client.post(reverse("contest:paper_receive", args=[contest.slug]), dates)
    assert response.status_code == 200 and response.context["form"].errors
    assert 'class="error" role="alert"' in response.content.decode()
    assert not PaperReceipt.objects.exists()


def test_an_anonymous_client_cannot_reach_the_json_endpoints_with_hostile_bodies(attempt):
    anonymous = Client()
    response = anonymous.post(
        reverse("contest:answer", args=[attempt.pk]),
        data='{"seq": Infinity}',
        content_type="application/json",
    )
    assert response.status_code == 302


def test_import_contest_refuses_json_nested_too_deep_with_a_message(tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = tmp_path / "contest.json"
    path.write_text("[" * 50_000)
    with pytest.raises(CommandError, match="không phải JSON UTF-8 hợp lệ"):
        call_command("import_contest", str(path))
