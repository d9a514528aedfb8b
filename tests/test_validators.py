"""Identifier rules (../shared/domain/data.md) and the SAC age bands.

The NHS number check digit is re-implemented here from data.md, independently of the code under test.
"""

import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st

from msphub.core.categories import age_band
from msphub.core.validators import (
    format_nhs_number,
    is_valid_nhs_number,
    nhs_number_check_digit,
    normalise_postcode,
    validate_nhs_number,
)

ASCII_DIGITS = "0123456789"
NHS_LENGTH_MESSAGE = "NHS number must be 10 digits, like 943 476 5919"
NHS_CHECK_MESSAGE = "Enter a valid NHS number: the last digit does not match the others"
POSTCODE_MESSAGE = "Enter a full UK postcode, like AA3 1AB"

prefixes = st.text(alphabet=ASCII_DIGITS, min_size=9, max_size=9)


def expected_check(prefix: str) -> int:
    """data.md: weights 10..2 on the first nine digits, sum mod 11, 11 minus that; 11 means 0."""
    weighted = 0
    for position, char in enumerate(prefix):
        weighted += int(char) * (10 - position)
    check = 11 - (weighted % 11)
    return 0 if check == 11 else check  # 10 is returned as is: no valid number


def is_ten_ascii_digits_after_separators(value: str) -> bool:
    compact = "".join(ch for ch in value if not ch.isspace() and ch != "-")
    return len(compact) == 10 and all(ch in ASCII_DIGITS for ch in compact)


# --- NHS number: the check digit ---------------------------------------------------------------


def test_known_valid_nhs_number():
    assert expected_check("943476591") == 9
    assert is_valid_nhs_number("9434765919")
    validate_nhs_number("9434765919")


@given(prefixes)
@example("943476591")  # check 9
@example("000000000")  # sum 0: check 11 means 0
@example("000020000")  # 2 x 6 = 12, remainder 1: check 10, no valid number
def test_check_digit_matches_data_md(prefix):
    expected = expected_check(prefix)
    assert nhs_number_check_digit(prefix) == (None if expected == 10 else expected)


@given(prefixes)
@example("943476591")
@example("000000000")
def test_exactly_one_final_digit_is_valid_unless_check_is_ten(prefix):
    expected = expected_check(prefix)
    valid_finals = [d for d in ASCII_DIGITS if is_valid_nhs_number(prefix + d)]
    if expected == 10:
        assert valid_finals == []
    else:
        assert valid_finals == [str(expected)]


@given(prefixes)
@example("000020000")
def test_validate_nhs_number_agrees_with_is_valid(prefix):
    expected = expected_check(prefix)
    for final in ASCII_DIGITS:
        number = prefix + final
        if expected != 10 and final == str(expected):
            validate_nhs_number(number)
        else:
            with pytest.raises(ValidationError) as exc:
                validate_nhs_number(number)
            assert exc.value.messages == [NHS_CHECK_MESSAGE]
            assert exc.value.code == "nhs_check"


def test_prefix_with_check_ten_has_no_valid_number():
    assert expected_check("000020000") == 10
    assert nhs_number_check_digit("000020000") is None
    assert not any(is_valid_nhs_number("000020000" + d) for d in ASCII_DIGITS)


# --- NHS number: shape ---------------------------------------------------------------------------


@given(st.text(alphabet=ASCII_DIGITS, max_size=20).filter(lambda s: len(s) != 10))
@example("")
@example("943476591")
@example("94347659190")
def test_wrong_number_of_digits_is_invalid(value):
    assert not is_valid_nhs_number(value)
    with pytest.raises(ValidationError) as exc:
        validate_nhs_number(value)
    assert exc.value.messages == [NHS_LENGTH_MESSAGE]
    assert exc.value.code == "nhs_length"


@given(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=16).filter(
        lambda s: not is_ten_ascii_digits_after_separators(s)
    )
)
@example("943476591X")
@example("943.476.5919")
@example("+449434765919")
def test_strings_that_are_not_ten_digits_are_invalid(value):
    assert not is_valid_nhs_number(value)
    with pytest.raises(ValidationError) as exc:
        validate_nhs_number(value)
    assert exc.value.code == "nhs_length"


def test_non_ascii_digits_are_not_an_nhs_number():
    """Arabic-Indic digits for 943 476 5919: Python's \\d matches them, the NHS does not."""
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in "9434765919")
    assert not is_valid_nhs_number(arabic_indic)
    with pytest.raises(ValidationError):
        validate_nhs_number(arabic_indic)


@pytest.mark.parametrize(
    "typed", ["943 476 5919", "943-476-5919", " 943 476 5919 ", "943 - 476 - 5919", "9434765919"]
)
def test_spaces_and_dashes_are_accepted(typed):
    assert is_valid_nhs_number(typed)
    validate_nhs_number(typed)


def test_spaces_do_not_rescue_a_wrong_check_digit():
    assert not is_valid_nhs_number("943 476 5918")
    with pytest.raises(ValidationError) as exc:
        validate_nhs_number("943 476 5918")
    assert exc.value.messages == [NHS_CHECK_MESSAGE]


@given(st.text(alphabet=ASCII_DIGITS, min_size=10, max_size=10))
def test_format_nhs_number_is_3_3_4(digits):
    formatted = format_nhs_number(digits)
    assert re.fullmatch(r"\d{3} \d{3} \d{4}", formatted)
    assert formatted.replace(" ", "") == digits


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("9434765919", "943 476 5919"),
        ("943-476-5919", "943 476 5919"),
        ("943 4765 919", "943 476 5919"),
        ("12345", "12345"),  # not 10 digits: left as typed
    ],
)
def test_format_nhs_number_examples(typed, shown):
    assert format_nhs_number(typed) == shown


# --- Postcode ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("rv1 2ab", "RV1 2AB"),
        ("rv12ab", "RV1 2AB"),
        ("  Rv1    2aB ", "RV1 2AB"),
        ("sw1a1aa", "SW1A 1AA"),
        ("m1 1ae", "M1 1AE"),
        ("B338TH", "B33 8TH"),
        ("ec1a 1bb", "EC1A 1BB"),
        ("DN551PT", "DN55 1PT"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_postcode_is_upper_case_with_one_space(typed, normalised):
    assert normalise_postcode(typed) == normalised


@pytest.mark.parametrize(
    "typed", ["RV1", "12345", "RV1 2A", "RV1 2ABC", "RVV1 2AB", "1V1 2AB", "RV1-2AB", "RV1 AAB"]
)
def test_invalid_postcode_is_rejected_with_its_message(typed):
    with pytest.raises(ValidationError) as exc:
        normalise_postcode(typed)
    assert exc.value.messages == [POSTCODE_MESSAGE]
    assert exc.value.code == "postcode"


# --- SAC age bands -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (18, "18-64"),
        (64, "18-64"),
        (65, "65-74"),
        (74, "65-74"),
        (75, "75-84"),
        (84, "75-84"),
        (85, "85-94"),
        (94, "85-94"),
        (95, "95+"),
        (110, "95+"),
        (None, "Age unknown"),
    ],
)
def test_age_band_boundaries(age, band):
    assert age_band(age) == band


@given(st.integers(min_value=18, max_value=130))
def test_age_band_is_always_a_sac_label(age):
    band = age_band(age)
    assert band in {"18-64", "65-74", "75-84", "85-94", "95+"}
    low = int(band.split("-")[0].rstrip("+"))
    assert age >= low
