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
