"""What a person's chronology is made of: entries from every app that records something about them.

An app contributes entries with a module ``<app>/chronology.py`` holding
``entries(request, person, filters) -> list[Entry]``: the casefile app finds those modules among the
installed apps, so no app imports another's. Each function reads its records through the access
chokepoint (only what the user may see) in a fixed number of queries, whatever the number of rows.
"""

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class ChronologyFilters:
    """What the chronology shows: ``kinds`` (empty: every kind), entries on or after ``since`` and
    on or before ``until`` (London dates; None: no bound), and significant entries only."""

    kinds: frozenset[str] = frozenset()
    since: date | None = None
    until: date | None = None
    significant_only: bool = False


@dataclass(frozen=True)
class Entry:
    """One line of the chronology.

    ``at`` when it happened (aware); ``kind`` a short key (``case_note``, ``document``, ``letter``,
    ``concern``, ``decision``, ...) the filter names; ``label`` what a practitioner calls it ("Phone
    call", "Document added"); ``summary`` a line of what it says (plain text, escaped when shown);
    ``url`` the page it is on, if the user may open one; ``record`` the reference of the concern or
    enquiry it belongs to ("" for the person's own); ``by`` who recorded it; ``significant`` whether it
    is a significant event; ``struck`` entered in error (shown struck through) with ``reason``.
    """

    at: datetime
    kind: str
    label: str
    summary: str = ""
    url: str | None = None
    record: str = ""
    by: str = ""
    significant: bool = False
    struck: bool = False
    reason: str = ""
    written_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)
