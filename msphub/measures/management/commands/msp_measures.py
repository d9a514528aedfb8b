"""python manage.py msp_measures --from DATE --to DATE [--council ONS_CODE] --format json [--output PATH]"""

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msphub.accounts.commands import council_option
from msphub.core.periods import Period
from msphub.measures import exports
from msphub.measures.measures import Filters, feedback_by_asker, measure_totals, outcomes_by_response
from msphub.measures.outcomes import advocacy_days, outcomes_by_category


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Dates look like 2025-04-01, not {value!r}") from exc


class Command(BaseCommand):
    help = "Print (or write) the MSP measures for a date range."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="date_from", required=True, help="First day, like 2025-04-01")
        parser.add_argument("--to", dest="date_to", required=True, help="Last day, like 2026-03-31")
        parser.add_argument("--council", help="ONS code of one council (default: all councils)")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output", help="File to write (default: standard output)")

    def handle(
        self,
        *args: Any,
        date_from: str,
        date_to: str,
        council: str | None,
        format: str,
        output: str | None,
        **options: Any,
    ) -> None:
        start, end = _date(date_from), _date(date_to)
        if end < start:
            raise CommandError("--to must not be before --from")
        organisation = council_option(council) if council else None
        filters = Filters(Period(start, end), organisation)
        totals = measure_totals(filters)
        # The dashboard's splits, as its CSV and page give them: the outcome measures by the response
        # the enquiry used, and the feedback measures by who asked.
        by_response, by_asker = outcomes_by_response(filters), feedback_by_asker(filters)
        if format == "csv":
            text = exports.measures_csv(totals, extra=exports.split_csv_rows(totals, by_response, by_asker))
        else:
            text = json.dumps(
                {
                    "from": start.isoformat(),
                    "to": end.isoformat(),
                    "council": organisation.ons_code if organisation else "ALL",
                    "measures": totals,
                    # What people wanted and got (measures/outcomes.py, docs/measures.md).
                    "outcomes_by_category": outcomes_by_category(filters),
                    "advocacy_days": advocacy_days(filters),
                    "outcomes_by_response": by_response,
                    "feedback_by_asker": by_asker,
                },
                indent=2,
            )
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text)
