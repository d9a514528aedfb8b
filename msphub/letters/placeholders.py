"""Placeholders in a letter template: ``((name))``, as GOV.UK Notify writes them.

A template is the safeguarding lead's text, so it is never compiled as a Django template (that would
let its author reach any attribute of whatever the template is given: template injection). It is
filled in by one plain substitution of allowed names, and each kind of letter allows only the values
its reader may know: the update to the person who raised the concern names no adult and says nothing
of what happened or what the enquiry found. The text is stored and printed as plain text, escaped
where it becomes HTML, so neither the lead's words nor a filled-in value can add markup.
"""

import re
from collections.abc import Mapping

from .models import Kind

# ((name)), with spaces allowed inside the brackets: (( reference )).
PLACEHOLDER = re.compile(r"\(\(\s*([^()]*?)\s*\)\)")

# What each placeholder becomes, as the template page explains it.
DESCRIPTIONS: dict[str, str] = {
    "adult_name": "the adult's name",
    "raiser_name": "the name of the person who raised the concern",
    "reference": "the reference of the enquiry (or, in the update, of the concern)",
    "council": "the council's name",
    "practitioner": "the name of the lead practitioner",
    "outcomes": "what the person wanted and how far each was achieved, one a line",
    "status": "where the concern is now: received, being looked at, enquiry started or closed",
    "date": "the date the letter is produced",
}

_ADULT = ("adult_name", "reference", "council", "practitioner", "outcomes", "date")
# The referrer may know only that the concern arrived and where it is: its reference, their own name,
# the council, the status partners are shown (Concern.PARTNER_STATUS) and the date.
_REFERRER = ("raiser_name", "reference", "council", "status", "date")

ALLOWED: dict[str, tuple[str, ...]] = {
    Kind.OUTCOME_ADULT: _ADULT,
    Kind.OUTCOME_ADULT_EASY_READ: _ADULT,
    Kind.REFERRER_UPDATE: _REFERRER,
}


def used(text: str) -> list[str]:
    """The placeholder names in ``text``, in order of first use."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text or "")))


def unknown(text: str, kind: str) -> list[str]:
    """The placeholders in ``text`` that a letter of ``kind`` may not contain."""
    allowed = ALLOWED[kind]
    return [name for name in used(text) if name not in allowed]


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each allowed placeholder replaced by its value, in one pass: a value that itself
    looks like a placeholder (a name typed as "((adult_name))") is not filled in again. A name with
    no value (which a saved template cannot hold) is left as written."""

    def value(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    return PLACEHOLDER.sub(value, text)
