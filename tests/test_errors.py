"""One refusal shape (message, code, field) and row errors kept structured until printed."""

import pytest
from django.utils import translation

from core.errors import Refusal, RowError


def test_a_refusal_says_its_message_and_carries_a_code_and_a_field():
    refused = Refusal("hãy ghi lý do.", code="reason_missing", field="reason")
    assert str(refused) == "hãy ghi lý do." and refused.message == "hãy ghi lý do."
    assert (refused.code, refused.field) == ("reason_missing", "reason")
    bare = Refusal("không được.")
    assert (bare.code, bare.field) == ("refused", "")


def test_a_subclass_gives_its_default_code_and_a_raise_may_name_a_sharper_one():
    class Closed(Refusal):
        code = "closed"

    assert Closed("đã đóng.").code == "closed"
    assert Closed("đã đóng.", "late", "closes_at").code == "late"
    with pytest.raises(Refusal) as caught:
        raise Closed("đã đóng.", field="closes_at")
    assert (caught.value.code, caught.value.field) == ("closed", "closes_at")


def test_a_row_error_prints_the_contract_line():
    error = RowError(3, "correct", "đáp án Z không có trong các phương án (A, B)")
    assert error.line() == "row 3: correct: đáp án Z không có trong các phương án (A, B)"
    assert str(error) == error.line()
    assert RowError(7, "", "câu hỏi thiếu dòng “ANSWER: …”", "line").line() == (
        "line 7: câu hỏi thiếu dòng “ANSWER: …”"
    )
    assert RowError(1, "file", "tệp trống").line() == "row 1: file: tệp trống"


def test_a_row_error_on_a_page_names_the_column_by_its_label_and_the_header_to_look_for():
    error = RowError(3, "correct", "thiếu đáp án đúng")
    labels = {"correct": "Đáp án đúng"}
    assert error.shown(labels) == "Dòng 3, cột Đáp án đúng (correct): thiếu đáp án đúng"
    assert RowError(4, "kind", "x").shown(labels) == "Dòng 4, cột kind (kind): x"
    assert RowError(9, "", "không đọc được", "line").shown(labels) == "Dòng 9: không đọc được"
    with translation.override("en"):
        assert error.shown(labels) == "Row 3, column Đáp án đúng (correct): thiếu đáp án đúng"


def test_row_errors_are_values_that_compare_and_sort_by_row():
    errors = [RowError(5, "phone", "b"), RowError(2, "answers", "a")]
    assert sorted(errors, key=lambda e: e.row)[0] == RowError(2, "answers", "a")
    assert len({RowError(2, "answers", "a"), RowError(2, "answers", "a")}) == 1


# --- the services' refusals are Refusals, each naming its rule --------------------------------


@pytest.mark.django_db
def test_a_bank_given_to_nobody_is_refused_with_the_rule_and_the_field():
    from questions.services import bank_give
    from tests.factories import make_bank_with_topics

    bank = make_bank_with_topics(slug="cchc", topics=(("Thể chế", 1),))
    with pytest.raises(Refusal) as refused:
        bank_give(bank=bank, to="  ")
    assert (refused.value.code, refused.value.field) == ("recipient_missing", "to")
    with pytest.raises(Refusal) as refused:
        bank_give(bank=bank, to="không-ai-cả")
    assert refused.value.code == "recipient_unknown" and "không-ai-cả" in refused.value.message
    assert not bank.owners.exists()


def test_a_date_that_is_not_one_is_a_refusal_and_still_a_value_error():
    from core.timeparse import parse_date

    for caught in (Refusal, ValueError):
        with pytest.raises(caught) as refused:
            parse_date("31/02/2022")
        assert refused.value.code == "bad_date"
        assert str(refused.value) == "“31/02/2022” không phải ngày có thật"


def test_a_file_that_cannot_be_read_is_refused_as_a_whole_file():
    from core.tabular import read_table

    with pytest.raises(Refusal) as refused:
        read_table(b"sheet_no\n\xff\xfe\n", "csv")
    assert (refused.value.code, refused.value.field) == ("not_utf8", "file")
    assert "UTF-8" in refused.value.message


@pytest.mark.django_db
def test_an_sms_refusal_names_the_cap_that_was_reached(settings):
    from accounts import sms
    from tests.factories import UserFactory

    settings.SMS_MAX_PER_PHONE_PER_DAY, settings.SMS_MAX_PER_ACCOUNT_PER_DAY = 1, 2
    sms.sms_send(phone="0905000001", text="1")
    with pytest.raises(Refusal) as refused:
        sms.sms_send(phone="0905000001", text="2")
    assert refused.value.code == "phone_daily_cap" and refused.value.retry_at is not None
    user = UserFactory(phone="0905000002")
    sms.sms_send(phone="0905000003", text="3", user=user)
    sms.sms_send(phone="0905000004", text="4", user=user)
    with pytest.raises(Refusal) as refused:
        sms.sms_send(phone="0905000005", text="5", user=user)
    assert refused.value.code == "account_daily_cap"
    assert len(sms.outbox) == 3


# --- refusals speak the reader's language (English through gettext) ----------------------------


def _core_refusal():
    from core.timeparse import parse_date

    parse_date("31/02/2022")


def _accounts_refusal():
    from accounts.services import units_import_csv

    units_import_csv(text="code,name,kind\nxa-1,,xã\n")


def _questions_refusal():
    from questions.services import bank_give
    from tests.factories import make_bank_with_topics

    bank_give(bank=make_bank_with_topics(slug="cchc", topics=(("Thể chế", 1),)), to="")


def _contest_refusal():
    from contest.definition import contest_import
    from contest.results.workflow import results_publish
    from tests.factories import contest_json, make_bank_with_topics

    make_bank_with_topics()
    contest = contest_import(data=contest_json())[0]  # closed in 2022, never ranked
    results_publish(contest=contest, user=None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("refuse", "code", "vietnamese", "english"),
    [
        (_core_refusal, "bad_date", "không phải ngày có thật", "“31/02/2022” is not a real date"),
        (
            _accounts_refusal,
            "rows_rejected",
            "row 2: name: thiếu tên đơn vị",
            "row 2: name: unit name missing",
        ),
        (
            _questions_refusal,
            "recipient_missing",
            "hãy nhập số điện thoại",
            "enter the recipient's phone number or user name.",
        ),
        (
            _contest_refusal,
            "no_results",
            "chưa có kết quả",
            "there are no results yet: grade and rank first.",
        ),
    ],
    ids=["core", "accounts", "questions", "contest"],
)
def test_a_service_refuses_in_the_readers_language_with_the_same_code(
    refuse, code, vietnamese, english
):
    with pytest.raises(Refusal) as refused:
        refuse()
    assert refused.value.code == code and vietnamese in refused.value.message
    with translation.override("en"), pytest.raises(Refusal) as refused:
        refuse()
    assert refused.value.code == code and refused.value.message == english
