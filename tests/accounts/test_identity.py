import pytest
from django.core.exceptions import ValidationError

from accounts.identity import normalize_phone, validate_id_number


@pytest.mark.parametrize(
    "raw",
    [
        "0905123456",
        "0905 123 456",
        "0905.123.456",
        "0905-123-456",
        "+84905123456",
        "84905123456",
        "84-905-123-456",
        "(+84) 905 123 456",
        "+84 0905 123 456",
        " 0905123456 ",
        "905123456",
        "905 123 456",
    ],
)
def test_every_usual_spelling_normalizes_to_ten_digits(raw):
    assert normalize_phone(raw) == "0905123456"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "0905 123 45",
        "09051234567",
        "0105123456",
        "105123456",
        "005123456",
        "+1 202 555 0100",
        "09O5123456",
        "abc",
        "0000000000",
    ],
)
def test_something_that_is_not_a_vietnamese_mobile_is_rejected_in_vietnamese(raw):
    with pytest.raises(ValidationError) as error:
        normalize_phone(raw)
    assert "số" in error.value.messages[0].lower()


def test_valid_cccd_and_cmnd_are_accepted():
    assert validate_id_number("079 085 012 345") == "079085012345"
    assert validate_id_number("079085012345", birth_year=1985) == "079085012345"
    assert validate_id_number("025202000123", birth_year=2002) == "025202000123"
    assert validate_id_number("212345678") == "212345678"


@pytest.mark.parametrize(
    ("raw", "birth_year", "code"),
    [
        ("07908501234", None, "id_length"),  # 11 digits
        ("0790850123456", None, "id_length"),  # 13 digits
        ("07908501234A", None, "id_length"),
        ("000085012345", None, "id_province"),  # province 000
        ("099085012345", None, "id_province"),  # no province 099
        ("079585012345", None, "id_century"),  # century digit 5
        ("079085012345", 1986, "id_birth_year"),  # CCCD says 1985
    ],
)
def test_bad_citizen_ids_are_rejected_with_the_reason(raw, birth_year, code):
    with pytest.raises(ValidationError) as error:
        validate_id_number(raw, birth_year=birth_year)
    assert error.value.code == code
