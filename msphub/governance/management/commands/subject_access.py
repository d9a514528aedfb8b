"""python manage.py subject_access --person UUID --output DIR

Writes a subject access request export for one person (msphub/governance/subject_access.py) as
DIR/subject-access-<uuid>.json and DIR/subject-access-<uuid>.pdf, readable by their owner only.
Third parties' details are marked for redaction, never removed. The export is logged in the access
log (no user: it was made on the server; the page names this command).
"""

import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msphub.governance import subject_access
from msphub.people.models import Person

PAGE = "manage.py subject_access"


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise CommandError(f"--person takes a person's record id (a UUID), not {value!r}") from exc


def _write(path: Path, content: bytes) -> None:
    """Write a file of personal data that only its owner may read."""
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_bytes(content)


class Command(BaseCommand):
    help = "Write a subject access request export (JSON and PDF) for one person."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--person", required=True, help="The person's record id (UUID)")
        parser.add_argument("--output", required=True, help="Directory to write the two files to")

    def handle(self, *args: Any, person: str, output: str, **options: Any) -> None:
        found = (
            Person.objects.select_related("council", "team", "created_by").filter(uuid=_uuid(person)).first()
        )
        if found is None:
            raise CommandError(f"No person with record id {person}")
        directory = Path(output)
        directory.mkdir(parents=True, exist_ok=True)
        subject_access.log_export(found, PAGE)
        data = subject_access.subject_access_export(found)
        json_path = directory / subject_access.filename(found, "json")
        pdf_path = directory / subject_access.filename(found, "pdf")
        _write(json_path, subject_access.as_json(data).encode())
        _write(pdf_path, subject_access.as_pdf(data))
        summary = data["summary"]
        self.stdout.write(
            f"Subject access export for {found.uuid} written to {json_path} and {pdf_path}: "
            f"{summary['concerns']} concerns, {summary['enquiries']} enquiries, "
            f"{summary['case_file_audits']} case file audits, "
            f"{summary['safeguarding_adults_reviews']} Safeguarding Adults Reviews, "
            f"{summary['access_log_entries']} access-log entries, "
            f"{summary['third_party_values']} values marked as a third party's (consider redaction)."
        )
