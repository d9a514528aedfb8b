"""Financial years and date ranges as aware datetimes in the council's time (Europe/London)."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone


@dataclass(frozen=True)
class Period:
    start: date  # first day, inclusive
    end: date  # last day, inclusive

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_before(self) -> datetime:
        """The first moment after the period (exclusive upper bound)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def contains(self, field: str) -> dict:
        """Lookup kwargs for a datetime field inside the period."""
        return {f"{field}__gte": self.start_at, f"{field}__lt": self.end_before}


def financial_year(label: str) -> Period:
    """'2025-26' is 1 April 2025 to 31 March 2026."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", label or "")
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ValueError(f"A financial year looks like 2025-26, not {label!r}")
    first = int(match.group(1))
    return Period(date(first, 4, 1), date(first + 1, 3, 31))


def financial_year_label(day: date) -> str:
    first = day.year if day.month >= 4 else day.year - 1
    return f"{first}-{(first + 1) % 100:02d}"
