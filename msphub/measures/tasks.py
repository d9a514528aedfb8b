"""Background work for the measures: the Safeguarding Adults Collection return written to a file.

Building a national return reads a whole year of every council's records, so it runs through the
django-tasks API: at once by default (development and tests), or queued in the database for
`manage.py db_worker` processes when TASKS_BACKEND=database. `sac_return --background` enqueues it.

Files go to the private exports directory: MSPHUB["EXPORTS_DIR"] if the settings name one, else
var/exports beside the project. Each file is written under a temporary name and renamed, so a reader
never sees half a return, and is readable by the service's own user only. On several app servers the
directory must be shared storage (see docs/deploy.md).
"""

import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django_tasks import TaskContext, task

from msphub.accounts.models import Organisation
from msphub.core.periods import FinancialYear

from .exports import FORMATS, council_return_file, validated_return

EXPORTS_DIR = Path(settings.BASE_DIR) / "var" / "exports"


def exports_dir() -> Path:
    return Path(getattr(settings, "MSPHUB", {}).get("EXPORTS_DIR") or EXPORTS_DIR)


def check_request(council: str | None, format: str) -> Organisation | None:
    """Refuse a return that cannot be built before it is queued; the council for an ONS code."""
    if format not in FORMATS:
        raise ValueError(f"The format is one of {', '.join(FORMATS)}, not {format!r}")
    if not council:
        return None
    organisation = Organisation.objects.filter(kind=Organisation.Kind.COUNCIL, ons_code=council).first()
    if organisation is None:
        raise ValueError(f"No council with ONS code {council}")
    return organisation


def write_private(directory: Path, name: str, content: bytes) -> Path:
    """Write a file only the service's user can read, atomically (temporary file, then rename)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".partial-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:  # mkstemp creates the file with mode 0600
            out.write(content)
        path = directory / name
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


@task(takes_context=True)
def write_sac_return(
    context: TaskContext, year: str, council: str | None = None, format: str = "json"
) -> dict[str, Any]:
    """Build the SAC return for a financial year (one council by ONS code, or all) and write it to the
    exports directory, named with the task's id. Returns where it went; arguments and result are
    JSON, as the database backend stores them: the year is its label, parsed here."""
    financial_year = FinancialYear.parse(year)  # ValueError if it is not like 2025-26
    organisation = check_request(council, format)
    data = validated_return(financial_year, organisation)
    name = f"sac-return-{financial_year}-{council or 'all-councils'}-{context.task_result.id}.{format}"
    content = council_return_file(financial_year, organisation, format, data)
    path = write_private(exports_dir(), name, content)
    return {
        "path": str(path),
        "year": financial_year.label,
        "council": data["council"],
        "format": format,
        "bytes": len(content),
        "warnings": len(data["warnings"]) + len(data["validation"]),
    }
