"""Identifier rules from ../shared/domain/data.md."""

import re

from django.core.exceptions import ValidationError


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid number can start with them."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(value: str) -> str:
    """Digits only: people type NHS numbers with spaces or dashes."""
    return re.sub(r"[\s-]", "", value or "")


def is_valid_nhs_number(value: str) -> bool:
    digits = normalise_nhs_number(value)
    if not re.fullmatch(r"[0-9]{10}", digits):
        return False
    return nhs_number_check_digit(digits[:9]) == int(digits[9])


def validate_nhs_number(value: str) -> None:
    digits = normalise_nhs_number(value)
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise ValidationError("NHS number must be 10 digits, like 943 476 5919", code="nhs_length")
    if not is_valid_nhs_number(digits):
        raise ValidationError(
            "Enter a valid NHS number: the last digit does not match the others", code="nhs_check"
        )


def format_nhs_number(value: str) -> str:
    """Displayed as 3-3-4 digits."""
    d = normalise_nhs_number(value)
    return f"{d[:3]} {d[3:6]} {d[6:]}" if len(d) == 10 else value


POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


def normalise_postcode(value: str) -> str:
    """Upper case with one space before the last three characters; '' stays ''."""
    compact = re.sub(r"\s+", "", (value or "").upper())
    if not compact:
        return ""
    match = POSTCODE_RE.match(compact)
    if not match:
        raise ValidationError("Enter a full UK postcode, like AA3 1AB", code="postcode")
    return f"{match.group(1)} {match.group(2)}"


PHONE_MESSAGE = "Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"
# What people type around the digits of a phone number: spaces, dashes, dots and brackets.
_PHONE_PUNCTUATION = re.compile(r"[\s\-.()]")


def normalise_uk_phone(value: str) -> str:
    """The number as UK digits, starting 0: "+44 (0)808 157 0192" and "0044 808 157 0192" are
    "08081570192". Anything that is not a UK number comes back as typed, less the punctuation."""
    text = (value or "").strip()
    # "+44 (0)20 ...": the bracketed 0 is the trunk prefix written for callers inside the UK.
    text = re.sub(r"^(\+|00)\s*44\s*\(0\)", "0", text)
    compact = _PHONE_PUNCTUATION.sub("", text)
    for international in ("+44", "0044"):
        if compact.startswith(international):
            # "+44 07700 900982": the trunk 0 written after the country code, once.
            return "0" + compact[len(international) :].removeprefix("0")
    return compact


def validate_uk_phone(value: str) -> None:
    """A UK phone number: 10 or 11 digits starting 0 (or +44 and the number without its 0), with
    any spaces, dashes or brackets. Short codes such as 999 and numbers abroad are refused: the
    council must be able to call it back."""
    digits = normalise_uk_phone(value)
    if not (digits.isascii() and digits.isdigit() and digits.startswith("0") and 10 <= len(digits) <= 11):
        raise ValidationError(PHONE_MESSAGE, code="phone")
