"""python manage.py tempcheck_report --round SLUG --format json|csv|html|pdf --output PATH [--compare SLUG]"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msphub.tempcheck import report
from msphub.tempcheck.analysis import analyse
from msphub.tempcheck.models import Round


class Command(BaseCommand):
    help = "Write a temperature-check round's analysis as JSON, CSV, HTML or PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--round", required=True, dest="slug")
        parser.add_argument("--format", choices=["json", "csv", "html", "pdf"], default="json")
        parser.add_argument("--output", required=True)
        parser.add_argument("--compare", nargs="*", default=[], help="Rounds to compare with")

    def handle(
        self, *args: Any, slug: str, format: str, output: str, compare: list[str], **options: Any
    ) -> None:
        round_ = Round.objects.filter(slug=slug).first()
        if round_ is None:
            raise CommandError(f"No round called {slug}")
        others = []
        for other in compare:
            found = Round.objects.filter(slug=other).first()
            if found is None:
                raise CommandError(f"No round called {other}")
            others.append(found)
        data = analyse(round_, others)
        path = Path(output)
        if format == "json":
            path.write_text(report.as_json(data), encoding="utf-8")
        elif format == "csv":
            path.write_text(report.as_csv(data), encoding="utf-8")
        elif format == "html":
            path.write_text(report.as_html(round_, data), encoding="utf-8")
        else:
            path.write_bytes(report.as_pdf(round_, data))
        self.stdout.write(f"Report for {slug} written to {path}")
