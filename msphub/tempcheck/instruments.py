"""Load an instrument from YAML (the format of ../shared/reference/tempcheck/instrument-2016.yaml)."""

from pathlib import Path

import yaml
from django.db import transaction

from .models import Instrument, Question

SHIPPED = Path(__file__).resolve().parent / "instruments"


class InstrumentError(ValueError):
    pass


def parse(text: str) -> dict:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InstrumentError(f"The instrument is not valid YAML: {exc}") from exc
    problems = []
    if not isinstance(data, dict) or not data.get("id") or not isinstance(data.get("questions"), list):
        raise InstrumentError("An instrument needs an id, a title and a list of questions")
    seen = set()
    questions = data["questions"]
    for n, q in enumerate(questions, start=1):
        if not isinstance(q, dict):
            problems.append(f"question {n}: not a mapping of id, type, text and so on")
            continue
        qid = q.get("id")
        where = f"question {n} ({qid or 'no id'})"
        if not qid:
            problems.append(f"{where}: no id")
        elif qid in seen:
            problems.append(f"{where}: the id is used twice")
        seen.add(qid)
        if q.get("type") not in {c for c, _ in Question.Type.choices}:
            problems.append(f"{where}: unknown type {q.get('type')!r}")
        if q.get("type") in Question.CLOSED and not q.get("categories"):
            problems.append(f"{where}: a {q.get('type')} question needs categories")
        if q.get("type") == "grid" and not q.get("items"):
            problems.append(f"{where}: a grid question needs items")
        # Unquoted Yes/No are booleans in YAML; labels must be text to match answers exactly.
        for key in ("categories", "items"):
            if any(not isinstance(v, str) for v in q.get(key) or []):
                problems.append(f"{where}: every one of its {key} must be text (quote Yes and No)")
    for q in questions:
        if isinstance(q, dict) and q.get("moderates") and q["moderates"] not in seen:
            problems.append(f"question {q.get('id')}: moderates unknown question {q['moderates']!r}")
    if problems:
        raise InstrumentError("; ".join(problems))
    return data


@transaction.atomic
def load(text: str) -> Instrument:
    """Store an instrument; the same text again returns the version already stored, a change adds one."""
    data = parse(text)
    existing = Instrument.objects.filter(slug=data["id"]).order_by("-version").first()
    if existing and existing.source == text:
        return existing
    instrument = Instrument.objects.create(
        slug=data["id"],
        version=(existing.version + 1) if existing else 1,
        title=data.get("title") or data["id"],
        source=text,
    )
    Question.objects.bulk_create(
        Question(
            instrument=instrument,
            qid=q["id"],
            order=n,
            type=q["type"],
            text=q.get("text", ""),
            categories=list(q.get("categories") or []),
            items=list(q.get("items") or []),
            condition=q.get("condition", "") or "",
            moderates=q.get("moderates", "") or "",
        )
        for n, q in enumerate(data["questions"], start=1)
    )
    return instrument


SHIPPED_INSTRUMENTS = ["instrument-2016.yaml", "roadmap-self-assessment.yaml"]


def load_shipped(name: str | None = None) -> Instrument:
    """Load one shipped instrument, or (no name) all of them; returns the (first) one loaded."""
    names = [name] if name else SHIPPED_INSTRUMENTS
    loaded = [load((SHIPPED / n).read_text(encoding="utf-8")) for n in names]
    return loaded[0]
