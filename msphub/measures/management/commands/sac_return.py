"""python manage.py sac_return --year 2025-26 [--council ONS_CODE] --format json|csv|xlsx --output PATH"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msphub.accounts.models import Organisation
from msphub.measures import exports
from msphub.measures.sac import build_return


class Command(BaseCommand):
    help = "Write the Safeguarding Adults Collection return for a financial year."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", required=True, help="Financial year, like 2025-26")
        parser.add_argument("--council", help="ONS code of one council (default: all councils)")
        parser.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
        parser.add_argument("--output", required=True, help="File to write")

    def handle(
        self, *args: Any, year: str, council: str | None, format: str, output: str, **options: Any
    ) -> None:
        organisation = None
        if council:
            organisation = Organisation.objects.filter(
                kind=Organisation.Kind.COUNCIL, ons_code=council
            ).first()
            if organisation is None:
                raise CommandError(f"No council with ONS code {council}")
        try:
            data = build_return(year, organisation)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        path = Path(output)
        if format == "xlsx":
            path.write_bytes(exports.return_xlsx(data))
        elif format == "csv":
            path.write_text(exports.return_csv(data), encoding="utf-8")
        else:
            path.write_text(exports.return_json(data), encoding="utf-8")
        self.stdout.write(
            f"SAC return {year} for {data['council']} written to {path} ({len(data['warnings'])} warnings)"
        )
