"""The partner figures section of `make bench` (issue 15; docs/partner-figures.md).

On the national-size year bench/national.py generated (BENCH_DATABASE_URL, as that section uses it;
run after it), times:

(a) ``partners.council_partner_figures`` for the largest council against the hand-written SQL of
    bench/partner_figures_baseline.py, and ``partners.agency_figures`` for the agency that raised the
    most concerns against its baseline, interleaved, BENCH_REPEATS times after a warm-up, checking
    that the two agree;
(b) the pages: ``/measures/partners/`` as the largest council's Board viewer (or lead) and
    ``/partners/figures/`` as that agency's partner lead (a user made for it and removed again: the
    section writes nothing that stays), through Django's test client, on the day their "Last
    financial year" is the generated year.

The partner figures are on their own page, not in the Board dashboard's critical path, so the
dashboard's time (bench/national.py (g)) does not change with them.

    python bench/partners.py        # or: python bench/run.py --only national,partners

Speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.national import (  # noqa: E402
    DEFAULT_URL,
    YEAR,
    _dashboard_day,
    _int_env,
    _largest_council,
    _setup_django,
    _statements_on_every_connection,
    _timed,
)


def _say(message: str) -> None:
    print(f"[partners {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class _RollBack(Exception):
    pass


def _largest_agency(year):
    """The partner agency that raised the most counted concerns in the year; ties by name."""
    from django.db.models import Count

    from msphub.accounts.models import Organisation
    from msphub.concerns.models import Concern

    top = (
        Concern.objects.counted()
        .filter(**year.lookup("received_at"), raiser_organisation__isnull=False)
        .exclude(raiser_organisation__kind=Organisation.Kind.COUNCIL)
        .values("raiser_organisation")
        .annotate(n=Count("pk"))
        .order_by("-n", "raiser_organisation__name")
        .first()
    )
    return Organisation.objects.get(pk=top["raiser_organisation"]) if top else None


def _against_baseline(ours, theirs, repeats: int) -> dict:
    """Median seconds of ours and the baseline's (interleaved, after a warm-up), and what differs."""
    from bench.partner_figures_baseline import comparable, differences

    a, b = comparable(ours()), theirs()  # warm-up, and the figures to compare
    times: dict[str, list[float]] = {"baseline": [], "msphub": []}
    for _ in range(repeats):
        times["baseline"].append(_timed(theirs)[0])
        times["msphub"].append(_timed(ours)[0])
    return {
        **{k: statistics.median(v) for k, v in times.items()},
        "differences": differences(a, b),
        "rows": len(b["raising"]) + len(b["making"]),
    }


def _page_times(year, council, agency, repeats: int) -> list[dict]:
    """Both pages' median and worst ms and their queries, in a transaction rolled back after (the
    partner lead made for the agency, the sessions)."""
    from datetime import datetime
    from datetime import time as day_time

    import time_machine
    from django.conf import settings
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from msphub.accounts.models import Role, User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    pages: list[dict] = []
    day = timezone.make_aware(datetime.combine(_dashboard_day(year), day_time(12)))
    try:
        with transaction.atomic(), time_machine.travel(day, tick=True):
            viewer = (
                User.objects.filter(organisation=council, role=Role.BOARD_VIEWER, is_active=True).first()
                or User.objects.filter(
                    organisation=council, role=Role.SAFEGUARDING_LEAD, is_active=True
                ).first()
            )
            lead = User.objects.create_user("bench_partner_lead", organisation=agency, role=Role.PARTNER_LEAD)
            for label, user, url in (
                ("Figures by partner agency (largest council)", viewer, reverse("measures:partners")),
                ("A partner lead's own figures (largest agency)", lead, reverse("partners:figures")),
            ):
                if user is None:
                    continue
                client = Client()
                client.force_login(user)
                path = url + "?period=last_year"

                def get(client: Client = client, path: str = path) -> None:
                    response = client.get(path)
                    if response.status_code != 200:
                        raise RuntimeError(f"{path} gave {response.status_code}")

                get()  # warm-up
                times, queries = [], 0
                for _ in range(repeats):
                    with _statements_on_every_connection() as counted:
                        started = time.perf_counter()
                        get()
                        times.append((time.perf_counter() - started) * 1000)
                    queries = counted[0]
                pages.append(
                    {
                        "label": label,
                        "median": statistics.median(times),
                        "max": max(times),
                        "queries": queries,
                    }
                )
            raise _RollBack
    except _RollBack:
        pass
    return pages


def run() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    repeats = _int_env("BENCH_REPEATS", 5)
    _setup_django(url)

    from bench.partner_figures_baseline import baseline_agency, baseline_council
    from msphub.core.periods import FinancialYear
    from msphub.measures import measures, partners

    year = FinancialYear.parse(YEAR)
    council = _largest_council(year)
    agency = _largest_agency(year)
    lines = ["## Partner figures (national size, PostgreSQL)", ""]
    if council is None or agency is None:
        return "\n".join([*lines, f"Not run: no generated {YEAR} year with partner concerns at {url}.", ""])
    _say(f"partner figures of {council.ons_code} and of {agency.name}, {repeats} repetitions")
    timings = [
        (
            f"largest council ({council.ons_code}), by agency",
            "council",
            _against_baseline(
                lambda: partners.council_partner_figures(measures.Filters(year, council)),
                lambda: baseline_council(year, council.pk),
                repeats,
            ),
        ),
        (
            f"largest agency ({agency.name}), by council",
            "agency",
            _against_baseline(
                lambda: partners.agency_figures(agency, year),
                lambda: baseline_agency(year, agency.pk),
                repeats,
            ),
        ),
    ]
    lines += [
        f"`partners.council_partner_figures` and `partners.agency_figures` ({YEAR}) against "
        f"bench/partner_figures_baseline.py (three grouped statements each), median of {repeats} runs "
        "each after a warm-up, interleaved.",
        "",
        "| scope | rows | baseline median s | msphub median s | ratio | agree |",
        "|---|---:|---:|---:|---:|---|",
    ]
    ratios = {}
    for label, key, t in timings:
        ratio = t["msphub"] / t["baseline"] if t["baseline"] else None
        ratios[key] = ratio
        agree = "yes" if not t["differences"] else f"no: {'; '.join(t['differences'][:3])}"
        shown = "n/a" if ratio is None else f"{ratio:.2f}"
        lines.append(
            f"| {label} | {t['rows']} | {t['baseline']:.3f} | {t['msphub']:.3f} | {shown} | {agree} |"
        )
    _say("pages")
    pages = _page_times(year, council, agency, repeats)
    lines += ["", "| page | median ms | worst ms | statements |", "|---|---:|---:|---:|"]
    lines += [f"| {p['label']} | {p['median']:.1f} | {p['max']:.1f} | {p['queries']} |" for p in pages]

    def ratio_text(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}"

    lines += [
        "",
        f"Ratio partner figures largest council: {ratio_text(ratios['council'])}",
        f"Ratio partner figures largest agency: {ratio_text(ratios['agency'])}",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
