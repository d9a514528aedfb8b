"""Date ranges and financial years, bounded in the councils' time (Europe/London).

A financial year is parsed once, where it comes in (a form, a command's ``--year``, a URL's query),
into a ``FinancialYear`` and passed inward as that value, so no other code does year arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import total_ordering
from typing import Any

from django.utils import timezone

_LABEL = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class Period:
    """Whole days from ``start`` to ``end``, both inclusive."""

    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        """The first moment of the period, in London time."""
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_before(self) -> datetime:
        """The first moment after the period (an exclusive upper bound), in London time."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def lookup(self, field: str) -> dict[str, datetime]:
        """Queryset lookups for a datetime ``field`` inside the period."""
        return {f"{field}__gte": self.start_at, f"{field}__lt": self.end_before}

    def date_lookup(self, field: str) -> dict[str, date]:
        """Queryset lookups for a date ``field`` inside the period."""
        return {f"{field}__gte": self.start, f"{field}__lte": self.end}

    def contains(self, moment: date | datetime) -> bool:
        """Whether a day, or a moment (taken in London time), falls inside the period."""
        if isinstance(moment, datetime):
            moment = timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
        return self.start <= moment <= self.end


@total_ordering
class FinancialYear(Period):
    """1 April to 31 March, labelled like the national return: ``2025-26``."""

    def __init__(self, first_year: int) -> None:
        if not 1900 <= first_year <= 9998:
            raise ValueError(f"A financial year between 1900-01 and 9998-99, not {first_year}")
        object.__setattr__(self, "start", date(first_year, 4, 1))
        object.__setattr__(self, "end", date(first_year + 1, 3, 31))

    @classmethod
    def parse(cls, label: Any) -> FinancialYear:
        """``'2025-26'`` is 1 April 2025 to 31 March 2026; anything else is a ValueError whose
        message can be shown to the person who typed it."""
        match = _LABEL.fullmatch(label.strip()) if isinstance(label, str) else None
        if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
            raise ValueError(f"A financial year looks like 2025-26, not {label!r}")
        return cls(int(match.group(1)))

    @classmethod
    def containing(cls, day: date | datetime) -> FinancialYear:
        """The financial year a day (or a moment, in London time) falls in."""
        if isinstance(day, datetime):
            day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
        return cls(day.year if day.month >= 4 else day.year - 1)

    @classmethod
    def current(cls) -> FinancialYear:
        return cls.containing(timezone.localdate())

    @classmethod
    def so_far(cls, today: date | None = None) -> Period:
        """From 1 April of the financial year ``today`` is in, to ``today``."""
        today = today or timezone.localdate()
        return Period(cls.containing(today).start, today)

    @classmethod
    def recent(cls, count: int) -> list[FinancialYear]:
        """This financial year and the ``count - 1`` before it, newest first (the years pages offer)."""
        current = cls.current()
        return [FinancialYear(current.first_year - back) for back in range(count)]

    @classmethod
    def last_complete(cls) -> FinancialYear:
        """The most recent financial year that has ended: the one a return is made for."""
        return cls.current().previous

    @property
    def first_year(self) -> int:
        return self.start.year

    @property
    def label(self) -> str:
        return f"{self.first_year}-{(self.first_year + 1) % 100:02d}"

    @property
    def previous(self) -> FinancialYear:
        return FinancialYear(self.first_year - 1)

    @property
    def next(self) -> FinancialYear:
        return FinancialYear(self.first_year + 1)

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return f"FinancialYear({self.label!r})"

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, FinancialYear):
            return NotImplemented
        return self.first_year < other.first_year

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FinancialYear) and self.first_year == other.first_year

    def __hash__(self) -> int:
        return hash(self.first_year)
