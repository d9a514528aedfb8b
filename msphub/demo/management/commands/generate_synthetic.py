"""python manage.py generate_synthetic --councils N --concerns N --year YYYY-YY --seed N"""

import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from msphub.core.commands import financial_year_option
from msphub.demo.synthetic import PASSWORD, generate, percent_bar


class Command(BaseCommand):
    help = (
        "Create a synthetic year of casework for many councils (organisations, users, people, concerns, "
        "decisions, enquiries with outcomes, capacity, risks and feedback) in bulk, for sizing and "
        "benchmarks. The same arguments on an empty database give the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--councils", type=int, required=True, help="Number of councils, e.g. 153")
        parser.add_argument("--concerns", type=int, required=True, help="Concerns in all, e.g. 640000")
        parser.add_argument("--year", required=True, help="Financial year, e.g. 2024-25")
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed; the same seed gives the same data"
        )
        parser.add_argument(
            "--force", action="store_true", help="Run even though DEBUG is off (it creates synthetic users)"
        )

    def handle(
        self, *args: Any, councils: int, concerns: int, year: str, seed: int, force: bool, **o: Any
    ) -> None:
        # Synthetic users share a published password: never let that happen in a live database by accident.
        if not settings.DEBUG and not force:
            raise CommandError(
                "generate_synthetic creates users with a shared, published password, so it only runs with "
                "DEBUG on. Use --force on a benchmarking database."
            )
        financial_year = financial_year_option(year)
        interactive = sys.stderr.isatty()
        last_tenth = -1

        def progress(done: int, total: int) -> None:
            nonlocal last_tenth
            bar = percent_bar(done, total)
            if interactive:
                self.stderr.write("\r" + bar, ending="")
                if done >= total:
                    self.stderr.write("")
            else:
                tenth = 10 if total == 0 else 10 * done // total
                if tenth > last_tenth:
                    last_tenth = tenth
                    self.stderr.write(bar)

        started = time.monotonic()
        try:
            counts = generate(councils, concerns, financial_year, seed, progress)
        except ValueError as error:
            raise CommandError(str(error)) from error
        seconds = time.monotonic() - started
        rows = sum(counts.values())
        self.stdout.write(
            f"Generated {councils:,} councils and {concerns:,} concerns for {financial_year} "
            f"(seed {seed}) in {seconds:.1f}s: {rows:,} rows."
        )
        for label, n in sorted(counts.items()):
            self.stdout.write(f"  {label}: {n:,}")
        self.stdout.write(
            f"  Users: <ons code>-practitioner-1..4, -manager, -manager-2, -lead, -board, -partner; "
            f"password {PASSWORD}"
        )
        self.stdout.write(self.style.SUCCESS("Done."))
