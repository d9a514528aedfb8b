"""python manage.py tempcheck_import --round SLUG --title "TITLE" --instrument PATH --responses PATH

All or nothing: a bad file is refused whole, each problem with its line number, and nothing is written.
--baseline imports published counts (question_id,item,category,count,base) as an aggregate-only round.
Consent to be named in the report's tables: the responses file's optional may_name column (yes or no
per respondent), or --named when every council in the file agreed (docs/tempcheck.md). Consent to be
named beside a quote: the optional may_quote column (yes or no per respondent); --named does not cover it.
"""

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from msphub.core.imports import ImportRefused
from msphub.tempcheck import forms, importer, instruments


def known_region(region: str) -> str:
    """The region as the records spell it (councils', rounds' and national rounds' respondents' regions:
    the list the set-up form offers a national lead, forms.region_choices), "" for none or National;
    CommandError if unknown."""
    region = region.strip()
    if not region or region.casefold() == forms.NATIONAL:
        return ""
    # The set-up form's list as a national network's lead sees it: every known region.
    offered = [value for value, _label in forms.region_choices(cast(Any, SimpleNamespace(network_region="")))]
    regions = [r for r in offered if r and r != forms.NATIONAL]
    matched = [r for r in regions if r.casefold() == region.casefold()]
    if not matched:
        known = ", ".join(regions) or "none yet"
        raise CommandError(
            f"Nothing imported: {region!r} is not a known region (known: {known}; or leave --region "
            "out for a national round)"
        )
    return matched[0]


class Command(BaseCommand):
    help = "Create a temperature-check round from an instrument (YAML) and a responses file (CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--round", required=True, dest="slug", help="Short name, like national-2016")
        parser.add_argument("--title", required=True)
        parser.add_argument("--instrument", required=True, help="Instrument YAML file")
        parser.add_argument(
            "--responses", required=True, help="Responses CSV (or published counts with --baseline)"
        )
        parser.add_argument(
            "--region",
            default="",
            help="The region, for a regional round: one councils, rounds or a national round's councils "
            "already have (any case)",
        )
        parser.add_argument("--baseline", action="store_true", help="The file holds published counts only")
        parser.add_argument(
            "--named",
            action="store_true",
            help="Every council in the file agreed to be named in the report's tables (not beside "
            "quotes: that is the file's may_quote column)",
        )

    def handle(
        self,
        *args: Any,
        slug: str,
        title: str,
        instrument: str,
        responses: str,
        region: str,
        baseline: bool,
        named: bool,
        **options: Any,
    ) -> None:
        try:
            text = Path(instrument).read_text(encoding="utf-8")
            data = Path(responses).read_bytes()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Nothing imported: {exc}") from exc
        if baseline and named:
            raise CommandError(
                "Nothing imported: published counts name no councils, so --named does not apply"
            )
        region = known_region(region)
        problems: list[str] = []
        try:
            # One transaction: a refused file leaves no instrument behind either.
            with transaction.atomic():
                loaded = instruments.load(text)
                if baseline:
                    round_ = importer.create_baseline(slug, title, loaded, data, region=region)
                else:
                    round_ = importer.create_round(slug, title, loaded, data, region=region, named=named)
        except instruments.InstrumentError as exc:
            problems = [str(exc)]
        except ImportRefused as exc:
            problems = exc.problems
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"Nothing imported: {len(problems)} problem(s)")
        if round_.aggregate_only:
            self.stdout.write(f"Round {slug} created from {round_.aggregate_counts.count()} published counts")
        else:
            self.stdout.write(
                f"Round {slug} created: {round_.respondents.count()} respondents "
                f"({round_.respondents.filter(may_name=True).count()} agreed to be named), "
                f"instrument {loaded.slug} version {loaded.version}"
            )
