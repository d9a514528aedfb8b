"""python manage.py tempcheck_report --round SLUG [--round SLUG ...] [--region NAME]
    [--compare SPEC ...] --format json|csv|html|pdf --output PATH

--round repeated merges rounds into one report (each council once, from the first round given that
has it); --region cuts the report to the councils of one region. --compare (repeatable, or several
after one --compare) names what to compare with: a round's slug, slugs joined by "+" to compare
with merged rounds, and "@REGION" after them for a region of them, for example
--compare national-2016 --compare "national-2016@London" (docs/tempcheck.md).
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msphub.tempcheck import report
from msphub.tempcheck.analysis import Scope, ScopeError, analyse
from msphub.tempcheck.models import Respondent, Round


def _round(slug: str) -> Round:
    found = Round.objects.select_related("instrument").filter(slug=slug.strip()).first()
    if found is None:
        raise CommandError(f"No round called {slug}")
    return found


def _scope(slugs: list[str], region: str | None) -> Scope:
    """The scope of rounds and region, or a CommandError that says what is wrong."""
    try:
        scope = Scope(tuple(_round(s) for s in slugs), region)
    except ScopeError as exc:
        raise CommandError(str(exc)) from exc
    if scope.region:
        regions = set(
            Respondent.objects.filter(round__in=scope.rounds)
            .exclude(region="")
            .values_list("region", flat=True)
        )
        spelt = {r.lower(): r for r in sorted(regions)}
        if scope.region.lower() not in spelt:
            known = ", ".join(sorted(regions)) or "none recorded"
            raise CommandError(
                f"No council of {scope.region} is in {Scope(scope.rounds).title} (its regions: {known})"
            )
        scope = Scope(scope.rounds, spelt[scope.region.lower()])  # as the councils' records spell it
    return scope


def parse_spec(spec: str) -> Scope:
    """A --compare value: "slug", "slug+slug" (merged) and optionally "@Region" (cut)."""
    rounds, _, region = spec.partition("@")
    slugs = [s for s in rounds.split("+") if s.strip()]
    if not slugs:
        raise CommandError(f"--compare {spec!r} names no round")
    return _scope(slugs, region or None)


class Command(BaseCommand):
    help = (
        "Write a temperature-check report (one round, merged rounds or a region of them) "
        "as JSON, CSV, HTML or PDF."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--round",
            required=True,
            action="append",
            dest="slugs",
            help="The round (repeat to merge rounds into one report)",
        )
        parser.add_argument("--region", default=None, help="Cut the report to the councils of one region")
        parser.add_argument("--format", choices=["json", "csv", "html", "pdf"], default="json")
        parser.add_argument("--output", required=True)
        parser.add_argument(
            "--compare",
            nargs="*",
            action="extend",
            default=[],
            help="What to compare with: SLUG, SLUG+SLUG (merged) or SLUG@REGION (a region of it)",
        )

    def handle(
        self,
        *args: Any,
        slugs: list[str],
        region: str | None,
        format: str,
        output: str,
        compare: list[str],
        **options: Any,
    ) -> None:
        scope = _scope(slugs, region)
        others = [parse_spec(spec) for spec in compare]
        data = analyse(scope, others)
        path = Path(output)
        try:
            if format == "json":
                path.write_text(report.as_json(data), encoding="utf-8")
            elif format == "csv":
                path.write_text(report.as_csv(data), encoding="utf-8")
            elif format == "html":
                path.write_text(report.as_html(scope.first, data), encoding="utf-8")
            else:
                path.write_bytes(report.as_pdf(scope.first, data))
        except OSError as exc:
            raise CommandError(f"The report could not be written: {exc}") from exc
        self.stdout.write(f"Report for {scope.title} written to {path}")
