"""Importing benchmark files: every file is checked in full before anything is written, and then all
of them are written in one transaction, or none. Version 2 files (without what people wanted and
got) and version 3 files are taken (``files.VERSIONS``); each submission keeps its file's version.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from msphub.core.imports import ImportRefused

from .files import Parsed, parse
from .models import BenchmarkCell, BenchmarkMeasure, BenchmarkSubmission

__all__ = ["Upload", "import_files"]


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


def import_files(
    uploads: list[Upload],
    *,
    imported_by=None,
    imported_by_name: str,
    replace: bool = False,
    region: str | None = None,
    replace_hint: str = "choose to replace it",
) -> list[BenchmarkSubmission]:
    """Check and import ``uploads``; ImportRefused (nothing written) if any of them is wrong.

    ``region``: when given (a regional lead's upload), every file must be a council of that region.
    A council already imported for the year is refused unless ``replace``.
    """
    if not uploads:
        raise ImportRefused(["No files were given"])
    problems: list[str] = []
    parsed: list[Parsed] = []
    for upload in uploads:
        try:
            parsed.append(parse(upload.name, upload.content))
        except ImportRefused as exc:
            problems += exc.within(upload.name)

    first_claim: dict[tuple[str, str], str] = {}
    for p in parsed:
        key = (p.year, p.ons_code)
        if key in first_claim:
            problems.append(
                f"{p.file_name}: claims {p.council_name} ({p.ons_code}) for {p.year}, as "
                f"{first_claim[key]} does: give each council once"
            )
        else:
            first_claim[key] = p.file_name
        if region and p.region != region:
            problems.append(
                f"{p.file_name}: {p.council_name} is in the region {p.region!r}, not yours ({region!r})"
            )

    existing = _existing(parsed)
    if region:
        # A regional lead may not touch, or take over, figures another region imported.
        names = {(p.year, p.ons_code): p.file_name for p in parsed}
        for old in existing:
            if old.region != region:
                problems.append(
                    f"{names[(old.year, old.ons_code)]}: {old.ons_code} {old.year} is held for another "
                    "region; only that region or the national lead can replace it"
                )
        existing_elsewhere = {old.pk for old in existing if old.region != region}
        existing = [old for old in existing if old.pk not in existing_elsewhere]
    if existing and not replace:
        names = {(p.year, p.ons_code): p.file_name for p in parsed}
        for old in existing:
            problems.append(
                f"{names[(old.year, old.ons_code)]}: {old.council_name} ({old.ons_code}) {old.year} "
                f"was imported already, on {timezone.localtime(old.imported_at):%d %B %Y} by "
                f"{old.imported_by_name}; to replace it, {replace_hint}"
            )
    if problems:
        raise ImportRefused(problems)

    try:
        with transaction.atomic():
            BenchmarkSubmission.objects.filter(pk__in=[old.pk for old in existing]).delete()
            return [_write(p, imported_by, imported_by_name) for p in parsed]
    except IntegrityError as exc:
        # Someone imported the same council and year at the same moment.
        raise ImportRefused(
            [f"Another import of the same council and year happened at the same time: {exc}"]
        ) from exc


def _existing(parsed: list[Parsed]) -> list[BenchmarkSubmission]:
    if not parsed:
        return []
    claims = Q()
    for p in parsed:
        claims |= Q(year=p.year, ons_code=p.ons_code)
    return list(BenchmarkSubmission.objects.filter(claims))


def _write(p: Parsed, imported_by, imported_by_name: str) -> BenchmarkSubmission:
    submission = BenchmarkSubmission.objects.create(
        year=p.year,
        ons_code=p.ons_code,
        council_name=p.council_name,
        region=p.region,
        format_version=p.version,
        generated_at=p.generated_at,
        # The name is the uploader's (or the command line's): kept to its column, without NULs.
        file_name=p.file_name.replace("\x00", "")[:255],
        sha256=p.sha256,
        imported_by=imported_by,
        imported_by_name=imported_by_name[:200],
        advocacy_days=p.published_advocacy_days(),
    )
    BenchmarkCell.objects.bulk_create(
        BenchmarkCell(submission=submission, table_id=t, row=r, column=c, count=n) for t, r, c, n in p.cells
    )
    BenchmarkMeasure.objects.bulk_create(
        BenchmarkMeasure(submission=submission, measure_id=m, numerator=num, denominator=den, percent=pct)
        for m, num, den, pct in p.measures
    )
    return submission
