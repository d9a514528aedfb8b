"""python manage.py benchmark_snapshot --year 2025-26 [--replace]

For an installation that holds many councils: builds every council's benchmark file from this
database (the same export and disclosure control as benchmark_export) and stores them as imported
figures, so the comparison page reads stored figures instead of building every council's return on
each request. All or nothing, through the same checks as benchmark_import.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msphub.benchmarks.comparison import live_councils
from msphub.benchmarks.files import build_benchmark, to_json
from msphub.benchmarks.importer import Upload, import_files
from msphub.core.commands import financial_year_option
from msphub.core.imports import ImportRefused


class Command(BaseCommand):
    help = "Store every council's benchmark figures for a year, built from this database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", required=True, help="Financial year, like 2025-26")
        parser.add_argument(
            "--replace", action="store_true", help="Replace figures already stored for the year"
        )

    def handle(self, *args: Any, year: str, replace: bool, **options: Any) -> None:
        financial_year = financial_year_option(year)
        councils = live_councils()
        if not councils:
            raise CommandError("There are no councils with an ONS code and a region in this database.")
        uploads = []
        for council in councils:
            try:
                data = build_benchmark(financial_year, council)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            uploads.append(Upload(f"{council.ons_code}-{financial_year}.json", to_json(data).encode("utf-8")))
        try:
            stored = import_files(
                uploads,
                imported_by_name="this database (benchmark_snapshot)",
                replace=replace,
                replace_hint="run again with --replace",
            )
        except ImportRefused as exc:
            raise CommandError("Nothing was stored.\n  " + "\n  ".join(exc.problems)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Stored {len(stored)} councils' benchmark figures for {financial_year}.")
        )
