"""python manage.py benchmark_export --year 2025-26 --council ONS_CODE --output PATH"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msphub.accounts.commands import council_option
from msphub.benchmarks.files import build_benchmark, to_json
from msphub.core.commands import financial_year_option


class Command(BaseCommand):
    help = "Write a council's benchmark file for a financial year (JSON, disclosure-controlled)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", required=True, help="Financial year, like 2025-26")
        parser.add_argument("--council", required=True, help="ONS code of the council, like E06000901")
        parser.add_argument("--output", required=True, help="File to write")

    def handle(self, *args: Any, year: str, council: str, output: str, **options: Any) -> None:
        organisation = council_option(council)
        financial_year = financial_year_option(year)
        try:
            data = build_benchmark(financial_year, organisation)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        path = Path(output)
        try:
            path.write_text(to_json(data), encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}") from exc
        self.stdout.write(
            f"Benchmark file {financial_year} for {organisation.name} ({council}) written to {path}"
        )
