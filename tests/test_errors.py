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
