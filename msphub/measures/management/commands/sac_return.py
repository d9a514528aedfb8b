"""python manage.py sac_return --year 2025-26 [--council ONS_CODE] --format json|csv|xlsx --output PATH

or, with --background instead of --output, queue it (msphub.measures.tasks) and print the task id; a
worker writes it to the exports directory.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tasks import TaskResultStatus

from msphub.core.commands import financial_year_option
from msphub.core.periods import FinancialYear
from msphub.measures.exports import council_return_file, validated_return
from msphub.measures.tasks import check_request, write_sac_return


class Command(BaseCommand):
    help = "Write the Safeguarding Adults Collection return for a financial year."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", required=True, help="Financial year, like 2025-26")
        parser.add_argument("--council", help="ONS code of one council (default: all councils)")
        parser.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
        parser.add_argument("--output", help="File to write (not with --background)")
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the return as a background task and print its id; it is written to the "
            "exports directory (by `manage.py db_worker` when TASKS_BACKEND=database)",
        )

    def handle(
        self,
        *args: Any,
        year: str,
        council: str | None,
        format: str,
        output: str | None,
        background: bool = False,
        **options: Any,
    ) -> None:
        if background:
            if output:
                raise CommandError("--background writes to the exports directory: leave out --output")
            return self.enqueue(financial_year_option(year), council, format)
        if not output:
            raise CommandError("Give --output PATH, or --background")
        financial_year = financial_year_option(year)
        try:
            organisation = check_request(council, format)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        data = validated_return(financial_year, organisation)
        path = Path(output)
        path.write_bytes(council_return_file(financial_year, organisation, format, data))
        self.stdout.write(
            f"SAC return {financial_year} for {data['council']} written to {path} "
            f"({len(data['warnings']) + len(data['validation'])} warnings)"
        )

    def enqueue(self, year: FinancialYear, council: str | None, format: str) -> None:
        try:
            check_request(council, format)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        result = write_sac_return.enqueue(year=year.label, council=council, format=format)
        if result.status == TaskResultStatus.FAILED:  # the immediate backend runs it at once
            raise CommandError(f"Task {result.id} failed: {result.errors[-1].exception_class_path}")
        self.stdout.write(f"Task {result.id} ({result.status.lower()})")
        if result.status == TaskResultStatus.SUCCESSFUL:
            written = result.return_value
            assert written is not None
            self.stdout.write(
                f"SAC return {year} for {written['council']} written to {written['path']} "
                f"({written['warnings']} warnings)"
            )
