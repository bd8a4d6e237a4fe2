import datetime

import pytest

from cunxin.conftest import make_id
from cunxin.core.errors import DomainError
from cunxin.people import idnumber

VALID = "11010519491231002X"  # the worked example of GB 11643


def test_the_standards_example_is_valid() -> None:
    parsed = idnumber.parse(VALID)
    assert parsed.birth_date == datetime.date(1949, 12, 31)
    assert parsed.gender == "F"
    assert parsed.masked == "110105********002X"
    assert parsed.tail == "002X"


def test_a_lower_case_x_and_full_width_digits_are_accepted() -> None:
    assert idnumber.parse("11010519491231002x").value == VALID
    assert idnumber.parse("１１０１０５１９４９１２３１００２Ｘ").value == VALID
    assert idnumber.parse(" 110105 19491231 002X ").value == VALID


def test_an_id_number_stored_as_an_exact_integer_is_accepted() -> None:
    number = make_id("19650312", 11)
    assert number.isdigit()
    assert idnumber.parse(int(number)).value == number


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "id_missing"),
        ("1101051949123100", "id_length"),
        ("11010519491231002Y", "id_chars"),
        ("99010519491231002X", "id_province"),
        ("110105194902300021", "id_birth_date"),
        ("110105209912310021", "id_birth_date"),
        ("110105194912310021", "id_check_digit"),
        ("110105194912310020", "id_check_digit"),  # the check character is X, not 0
        ("37081119650312011X", "id_check_digit"),  # X where the check digit is 3
        ("37081119650312011x", "id_check_digit"),
        (3.70811196503121e17, "id_number_format"),
        ("3.70811E+17", "id_number_format"),
    ],
)
def test_bad_id_numbers_say_what_is_wrong(raw: object, code: str) -> None:
    with pytest.raises(DomainError) as info:
        idnumber.parse(raw, today=datetime.date(2026, 11, 22))
    assert info.value.code == code
    assert str(info.value)  # a message for the user, in Chinese by default
    assert info.value.field == "id_number"


def test_every_single_digit_typo_is_caught_by_the_check_digit() -> None:
    number = make_id("19800101", 123)
    for position in range(17):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            typo = number[:position] + digit + number[position + 1 :]
            try:
                idnumber.parse(typo, today=datetime.date(2026, 1, 1))
            except DomainError:
                continue
            pytest.fail(f"typo accepted: {typo}")


def test_the_check_character_is_refused_whenever_it_is_not_the_right_one() -> None:
    ends_in_x = VALID
    ends_in_digit = make_id("19650312", 11)
    assert ends_in_digit[-1].isdigit()
    for number in (ends_in_x, ends_in_digit):
        for wrong in "0123456789X":
            if wrong == number[-1]:
                continue
            with pytest.raises(DomainError) as info:
                idnumber.parse(number[:17] + wrong, today=datetime.date(2026, 1, 1))
            assert info.value.code == "id_check_digit", number[:17] + wrong
