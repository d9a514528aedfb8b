"""The national section of `make bench`: a national-size year on PostgreSQL.

    python bench/national.py            # prints the markdown section
    from bench import national; national.run()

Against BENCH_DATABASE_URL (default postgres://msphub:msphub@127.0.0.1:5432/msphub_bench; the
database is dropped and created again, so its name must contain "bench"):

(a) times `manage.py generate_synthetic --councils 153 --concerns 640000 --year 2024-25 --seed 1` in
    the fresh database (then VACUUM ANALYZE, timed on its own, as a live database would have
    statistics);
(b) times the SAC return for England (all councils) with msphub (build_return, and its tables alone
    without the validation warnings) and with the hand-written SQL of bench/baseline.py, interleaved,
    BENCH_REPEATS times after a warm-up; reports medians and the ratio, and checks every cell agrees;
(c) times the SAC return of every council with both, checking each agrees;
(d) times every MSP measure (measure_totals, breakdown by each dimension, monthly, timeliness,
    not_enquiries, repeat_concerns) for England and for every council;
(e) times measure_totals against the hand-written SQL of bench/measures_baseline.py, interleaved,
    BENCH_REPEATS times after a warm-up, for England and for the council with the most concerns
    received in the year, checking every numerator and denominator agrees;
(f) times "What people wanted and got" (outcomes.outcome_figures: outcomes by category, who expressed
    them and negotiated, involvement, days to advocacy) against the hand-written SQL of
    bench/outcomes_baseline.py, interleaved, BENCH_REPEATS times after a warm-up, for England and for
    that council, checking every count and wait agrees;
(g) times the Board dashboard page of that council, as its Board viewer sees it for the year
    ("Last financial year", the clock set to 15 April after the year), through Django's test client,
    BENCH_REPEATS times after a warm-up;

and ends with the ratios (msphub time / baseline time) and the dashboard median, one a line.

BENCH_COUNCILS and BENCH_CONCERNS make it smaller for quick trials; BENCH_REUSE=1 keeps the data
already in the database (no drop, no generation; only its migrations run) when it was generated
with the same arguments.
Speed is measured here, never asserted in tests.
"""

import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://msphub:msphub@127.0.0.1:5432/msphub_bench"
YEAR = os.environ.get("BENCH_YEAR", "2024-25")
SEED = 1


def _int_env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _say(message: str) -> None:
    print(f"[national {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _recreate(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise ValueError(f"Refusing to drop database {name!r}: its name must contain 'bench'")
    maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _manage(url: str, *args: str) -> float:
    """Run a management command against the bench database; its wall-clock seconds."""
    env = {**os.environ, "DATABASE_URL": url, "MSPHUB_TESTING": "1"}
    env.pop("DEBUG", None)
    started = time.perf_counter()
    command = [sys.executable, "manage.py", *args]
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=sys.stderr)  # noqa: S603 (fixed commands)
    return time.perf_counter() - started


def _setup_django(url: str) -> None:
    import django
    from django.conf import settings

    if settings.configured:
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            raise RuntimeError(
                "bench/national.py needs Django set up on PostgreSQL (run it in its own process)"
            )
        return
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msphub.settings")
    os.environ.setdefault("MSPHUB_TESTING", "1")
    os.environ.pop("DEBUG", None)  # no query log while timing
    django.setup()


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _cells(tables: dict) -> dict:
    return {t: {(c["row"], c["column"]): c["count"] for c in cells} for t, cells in tables.items()}


def _differences(ours: dict, theirs: dict) -> list[str]:
    a, b = _cells(ours), _cells(theirs)
    found = []
    for table_id in sorted(set(a) | set(b)):
        x, y = a.get(table_id, {}), b.get(table_id, {})
        for key in sorted(set(x) | set(y)):
            if x.get(key, 0) != y.get(key, 0):
                found.append(f"{table_id} {key}: msphub {x.get(key, 0)}, baseline {y.get(key, 0)}")
    return found


def _s(seconds: float) -> str:
    return f"{seconds:.2f}"


def run() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    councils = _int_env("BENCH_COUNCILS", 153)
    concerns = _int_env("BENCH_CONCERNS", 640_000)
    repeats = _int_env("BENCH_REPEATS", 5)
    reuse = os.environ.get("BENCH_REUSE") == "1"
    lines = ["## National size (PostgreSQL)", ""]

    # (a) the data set -------------------------------------------------------------------------------
    generate_args = (
        "generate_synthetic",
        f"--councils={councils}",
        f"--concerns={concerns}",
        f"--year={YEAR}",
        f"--seed={SEED}",
        "--force",
    )
    if reuse:
        # The data stays; the schema follows the code (an index added since the data was made).
        _say("reusing the data already in the database (migrating its schema to the code's)")
        _manage(url, "migrate", "--no-input", "-v0")
        setup = None
    else:
        _say(f"recreating {urllib.parse.urlsplit(url).path.lstrip('/')}")
        _recreate(url)
        migrate = _manage(url, "migrate", "--no-input", "-v0")
        _say(f"generating {councils} councils, {concerns:,} concerns")
        generate = _manage(url, *generate_args)
        setup = (migrate, generate)

    _setup_django(url)
    from django.db import connection

    from bench.baseline import baseline_return
    from msphub.accounts.models import Organisation
    from msphub.concerns.models import Concern
    from msphub.core.periods import FinancialYear
    from msphub.enquiries.models import DesiredOutcome, Enquiry
    from msphub.measures import measures
    from msphub.measures.sac import SacReturn, build_return
    from msphub.people.models import Person

    if setup is not None:
        _say("VACUUM ANALYZE")
        analyse, _ = _timed(lambda: connection.cursor().execute("VACUUM ANALYZE"))
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
        cursor.execute("SHOW work_mem")
        work_mem = cursor.fetchone()[0]

    all_councils = list(Organisation.objects.filter(kind=Organisation.Kind.COUNCIL).order_by("ons_code"))
    period = year = FinancialYear.parse(YEAR)
    counts = {
        "councils": len(all_councils),
        "people": Person.objects.count(),
        "concerns": Concern.objects.count(),
        "section 42 enquiries": Enquiry.objects.filter(kind=Enquiry.Kind.SECTION_42).count(),
        "other enquiries": Enquiry.objects.filter(kind=Enquiry.Kind.OTHER).count(),
        "concluded section 42 enquiries in the year": SacReturn(year).concluded().count(),
        "desired outcomes": DesiredOutcome.objects.count(),
    }
    lines += [
        f"PostgreSQL {version} (shared_buffers {shared_buffers}, work_mem {work_mem}, settings as "
        f"installed), database {size}. Data: `generate_synthetic --councils {councils} --concerns "
        f"{concerns} --year {YEAR} --seed {SEED}`: "
        + ", ".join(f"{n:,} {label}" for label, n in counts.items())
        + ".",
        "",
    ]
    if setup is not None:
        migrate, generate = setup
        lines += [
            "| generating the data set | seconds |",
            "|---|---:|",
            f"| `manage.py migrate` (empty database) | {_s(migrate)} |",
            f"| `manage.py generate_synthetic` (whole command) | {_s(generate)} |",
            f"| `VACUUM ANALYZE` afterwards | {_s(analyse)} |",
            "",
        ]
    else:
        lines += ["Data reused from an earlier run (BENCH_REUSE=1): generation not timed.", ""]

    # (b) the SAC return for England ----------------------------------------------------------------
    class TablesOnly(SacReturn):
        """msphub's return without the validation warnings: the same tables as the baseline."""

        def warnings(self, totals):
            return []

    _say(f"SAC return for England, {repeats} repetitions")
    ours = build_return(year)  # warm-up, and the cells to compare
    theirs = baseline_return(year)
    times: dict[str, list[float]] = {"baseline": [], "tables": [], "full": []}
    for _ in range(repeats):
        times["baseline"].append(_timed(lambda: baseline_return(year))[0])
        times["tables"].append(_timed(lambda: TablesOnly(year).build())[0])
        times["full"].append(_timed(lambda: build_return(year))[0])
    medians = {k: statistics.median(v) for k, v in times.items()}
    england_diff = _differences(ours["tables"], theirs)
    cells = sum(len(c) for c in theirs.values())
    lines += [
        f"### SAC return {YEAR}, England (all councils)",
        "",
        f"Median and range of {repeats} runs each after a warm-up, interleaved (baseline, msphub tables, "
        "msphub whole return) in one process on the same database.",
        "",
        "| what | median s | fastest s | slowest s | ratio to baseline |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, label in (
        ("baseline", "Hand-written SQL baseline (bench/baseline.py, one statement)"),
        ("tables", "msphub `SacReturn.build()`, tables only (no validation warnings)"),
        ("full", "msphub `build_return()`, the whole return with its validation warnings"),
    ):
        v = times[key]
        lines.append(
            f"| {label} | {_s(medians[key])} | {_s(min(v))} | {_s(max(v))} | "
            f"{medians[key] / medians['baseline']:.2f} |"
        )
    verdict = "within" if medians["full"] <= 1.5 * medians["baseline"] else "NOT within"
    lines += [
        "",
        f"The whole return takes {medians['full'] / medians['baseline']:.2f}x the baseline's time "
        f"({verdict} the 1.5x target); its tables alone {medians['tables'] / medians['baseline']:.2f}x.",
        "Agreement: "
        + (
            f"all {cells:,} non-zero cells of the 12 tables agree cell for cell."
            if not england_diff
            else f"**{len(england_diff)} cells differ**: " + "; ".join(england_diff[:10])
        ),
        "",
    ]

    # (c) every council's SAC return ---------------------------------------------------------------
    _say(f"SAC return for each of {len(all_councils)} councils")
    per: dict[str, list[float]] = {"msphub": [], "baseline": []}
    disagree = []
    for council in all_councils:
        t_ours, ours_c = _timed(lambda c=council: build_return(year, c))
        t_theirs, theirs_c = _timed(lambda c=council: baseline_return(year, c.pk))
        per["msphub"].append(t_ours)
        per["baseline"].append(t_theirs)
        if _differences(ours_c["tables"], theirs_c):
            disagree.append(council.ons_code)
    if all_councils:
        lines += [
            f"### SAC return {YEAR}, each of the {len(all_councils)} councils",
            "",
            "| what | all councils s | median per council s | slowest council s |",
            "|---|---:|---:|---:|",
        ]
        for key, label in (("baseline", "Hand-written SQL baseline"), ("msphub", "msphub `build_return()`")):
            v = per[key]
            lines.append(f"| {label} | {_s(sum(v))} | {statistics.median(v):.3f} | {max(v):.3f} |")
        lines += [
            "",
            f"Ratio msphub / baseline over all councils: {sum(per['msphub']) / sum(per['baseline']):.2f}. "
            "Agreement: "
            + (
                "every council's return agrees with the baseline cell for cell."
                if not disagree
                else f"**{len(disagree)} councils differ**: {', '.join(disagree[:20])}"
            ),
            "",
        ]

    # (d) the MSP measures -------------------------------------------------------------------------
    def measure_calls(filters) -> list[tuple[str, object]]:
        calls = [("measure_totals", lambda: measures.measure_totals(filters))]
        calls += [
            (f"breakdown by {dimension}", lambda d=dimension: measures.breakdown(filters, d))
            for dimension in measures.DIMENSIONS
        ]
        calls += [
            ("monthly", lambda: measures.monthly(filters)),
            ("timeliness", lambda: measures.timeliness(filters)),
            ("not_enquiries", lambda: measures.not_enquiries(filters)),
            ("repeat_concerns", lambda: measures.repeat_concerns(filters)),
        ]
        return calls

    _say("MSP measures for England")
    england = {name: _timed(fn)[0] for name, fn in measure_calls(measures.Filters(period=period))}
    _say(f"MSP measures for each of {len(all_councils)} councils")
    per_council: dict[str, list[float]] = {name: [] for name in england}
    for council in all_councils:
        for name, fn in measure_calls(measures.Filters(period=period, council=council)):
            per_council[name].append(_timed(fn)[0])
    lines += [
        f"### MSP measures {YEAR}",
        "",
        "Each function once (no warm-up) for England, then once for each council.",
        "",
        "| measure function | England s | all councils s | median per council s | slowest council s |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, seconds in england.items():
        v = per_council[name] or [0.0]
        lines.append(
            f"| `{name}` | {_s(seconds)} | {_s(sum(v))} | {statistics.median(v):.3f} | {max(v):.3f} |"
        )
    everything = [sum(england.values()), sum(sum(v) for v in per_council.values())]
    lines += [
        f"| **all of them** | **{_s(everything[0])}** | **{_s(everything[1])}** | | |",
        "",
        "A council's whole dashboard (every function above once) took "
        + (
            f"{statistics.median([sum(x) for x in zip(*per_council.values(), strict=True)]):.2f} s "
            "at the median council."
            if all_councils
            else "n/a."
        ),
        "",
    ]

    # (e) measure_totals against the hand-written SQL ----------------------------------------------
    largest = _largest_council(year)
    ratios = {
        "SAC England": medians["full"] / medians["baseline"],
        "SAC all councils": sum(per["msphub"]) / sum(per["baseline"]) if all_councils else None,
    }
    lines += [
        f"### MSP measures {YEAR} against the hand-written SQL baseline",
        "",
        f"`measure_totals` (every measure's numerator and denominator, one query per base) against "
        f"bench/measures_baseline.py (one statement), median of {repeats} runs each after a warm-up, "
        "interleaved in one process on the same database. The baseline turns PostgreSQL's JIT "
        "compilation off for its statement (`SET LOCAL jit = off`); both run on msphub's "
        "connection, which sets jit off and random_page_cost 1.1 (DB_PG_JIT, DB_PG_STORAGE).",
        "",
        "| scope | baseline median s | msphub median s | ratio | agreement |",
        "|---|---:|---:|---:|---|",
    ]
    for key, label, council in (
        ("England", "England (all councils)", None),
        ("largest council", f"largest council ({largest.ons_code if largest else 'none'})", largest),
    ):
        if key == "largest council" and largest is None:
            ratios["measures largest council"] = None
            continue
        _say(f"MSP measures against the baseline, {label}, {repeats} repetitions")
        timing = _measures_against_baseline(year, council, repeats)
        ratio = timing["msphub"] / timing["baseline"]
        ratios[f"measures {key}"] = ratio
        agreement = (
            "all 15 measures agree"
            if not timing["differences"]
            else f"**{len(timing['differences'])} differ**: " + "; ".join(timing["differences"])
        )
        lines.append(
            f"| {label} | {timing['baseline']:.3f} | {timing['msphub']:.3f} | {ratio:.2f} | {agreement} |"
        )
    lines.append("")

    # (f) what people wanted and got against the hand-written SQL ----------------------------------
    lines += [
        f"### What people wanted and got {YEAR} against the hand-written SQL baseline",
        "",
        "`outcomes.outcome_figures` (outcomes by category, who expressed them and negotiated, "
        "involvement, days from advocacy referral to start; three queries) against "
        f"bench/outcomes_baseline.py (three statements), median of {repeats} runs each after a warm-up, "
        "interleaved in one process on the same database; the baseline with JIT off as above, and its "
        "outcomes statement without parallel workers.",
        "",
        "| scope | counted outcomes | started referrals | baseline median s | msphub median s | ratio "
        "| agreement |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for key, label, council in (
        ("England", "England (all councils)", None),
        ("largest council", f"largest council ({largest.ons_code if largest else 'none'})", largest),
    ):
        if key == "largest council" and largest is None:
            ratios["outcomes largest council"] = None
            continue
        _say(f"What people wanted and got against the baseline, {label}, {repeats} repetitions")
        timing = _outcomes_against_baseline(year, council, repeats)
        ratio = timing["msphub"] / timing["baseline"]
        ratios[f"outcomes {key}"] = ratio
        agreement = (
            "every figure agrees"
            if not timing["differences"]
            else f"**{len(timing['differences'])} differ**: " + "; ".join(timing["differences"])
        )
        lines.append(
            f"| {label} | {timing['outcomes']:,} | {timing['referrals']:,} | {timing['baseline']:.3f} | "
            f"{timing['msphub']:.3f} | {ratio:.2f} | {agreement} |"
        )
    lines.append("")

    # (g) the Board dashboard of the largest council ------------------------------------------------
    dashboard_ms = None
    if largest is not None:
        _say(f"Board dashboard of {largest.ons_code}, {repeats} repetitions")
        pages = _dashboard_times(year, largest, repeats)
        dashboard_ms = pages[0]["median"]
        lines += [
            f"### Board dashboard, largest council ({largest.ons_code}, {YEAR})",
            "",
            f"The dashboard page as the council's {pages[0]['who']} sees it for the year (\"Last financial "
            f"year\", the clock set to {_dashboard_day(year):%-d %B %Y}), through Django's test client (no "
            f"network; CONN_MAX_AGE {pages[0]['conn_max_age']}, so "
            + (
                "a new database connection per request"
                if not pages[0]["conn_max_age"]
                else "connections kept"
            )
            + f"): median and worst of {repeats} requests after a warm-up. Its figures are drawn in two "
            "lanes at once, on the request's connection and a second one reading the same snapshot "
            "(msphub.core.concurrent, DB_PARALLEL_QUERIES); the queries are counted on both.",
            "",
            "| page | median ms | worst ms | queries |",
            "|---|---:|---:|---:|",
            *(f"| {r['label']} | {r['median']:.0f} | {r['max']:.0f} | {r['queries']} |" for r in pages),
            "",
        ]

    def ratio_text(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}"

    summary = [
        f"Ratio SAC England: {ratio_text(ratios['SAC England'])}",
        f"Ratio SAC all councils: {ratio_text(ratios['SAC all councils'])}",
        f"Ratio measures England: {ratio_text(ratios['measures England'])}",
        f"Ratio measures largest council: {ratio_text(ratios['measures largest council'])}",
        f"Ratio outcomes England: {ratio_text(ratios['outcomes England'])}",
        f"Ratio outcomes largest council: {ratio_text(ratios['outcomes largest council'])}",
        f"Dashboard largest council median ms: {'n/a' if dashboard_ms is None else f'{dashboard_ms:.0f}'}",
    ]
    for line in summary:
        _say(line)
    lines += [
        "### Ratios",
        "",
        "msphub's time over the hand-written SQL baseline's, in this run on this database (target: at "
        "most 1.5 each), and the largest council's dashboard (target: under 300 ms):",
        "",
    ]
    for line in summary:  # each on its own line, a paragraph of its own
        lines += [line, ""]
    return "\n".join(lines)


def _largest_council(year):
    """The council with the most concerns received (and counted) in the year; ties by ONS code."""
    from django.db.models import Count

    from msphub.accounts.models import Organisation
    from msphub.concerns.models import Concern

    top = (
        Concern.objects.counted()
        .filter(**year.lookup("received_at"))
        .values("council")
        .annotate(n=Count("pk"))
        .order_by("-n", "council__ons_code")
        .first()
    )
    return Organisation.objects.get(pk=top["council"]) if top else None


def _measures_against_baseline(year, council, repeats: int) -> dict:
    """Median seconds of measure_totals and of the baseline (interleaved, after a warm-up), and the
    measures on which they differ."""
    from bench.measures_baseline import baseline_measures
    from msphub.measures import measures

    council_id = council.pk if council is not None else None

    def ours() -> dict:
        rows = measures.measure_totals(measures.Filters(period=year, council=council))
        return {r["id"]: {"numerator": r["numerator"], "denominator": r["denominator"]} for r in rows}

    def theirs() -> dict:
        return baseline_measures(year, council_id)

    a, b = ours(), theirs()  # warm-up, and the figures to compare
    differences = [
        f"{k}: msphub {a.get(k)}, baseline {b.get(k)}"
        for k in sorted(set(a) | set(b))
        if a.get(k) != b.get(k)
    ]
    times: dict[str, list[float]] = {"baseline": [], "msphub": []}
    for _ in range(repeats):
        times["baseline"].append(_timed(theirs)[0])
        times["msphub"].append(_timed(ours)[0])
    return {**{k: statistics.median(v) for k, v in times.items()}, "differences": differences}


def _outcomes_against_baseline(year, council, repeats: int) -> dict:
    """Median seconds of outcome_figures and of the baseline (interleaved, after a warm-up), the
    figures on which they differ, and how many outcomes and referrals they counted."""
    from bench.outcomes_baseline import baseline_outcomes, comparable, differences
    from msphub.measures import measures, outcomes

    council_id = council.pk if council is not None else None

    def ours() -> dict:
        return comparable(outcomes.outcome_figures(measures.Filters(period=year, council=council)))

    def theirs() -> dict:
        return baseline_outcomes(year, council_id)

    a, b = ours(), theirs()  # warm-up, and the figures to compare
    times: dict[str, list[float]] = {"baseline": [], "msphub": []}
    for _ in range(repeats):
        times["baseline"].append(_timed(theirs)[0])
        times["msphub"].append(_timed(ours)[0])
    return {
        **{k: statistics.median(v) for k, v in times.items()},
        "differences": differences(a, b),
        "outcomes": b["who_and_negotiated"]["outcomes"],
        "referrals": b["advocacy_days"]["n"],
    }


def _dashboard_day(year):
    """A day when the dashboard's "Last financial year" is ``year``: 15 April after it."""
    from datetime import timedelta

    return year.end + timedelta(days=15)


@contextmanager
def _statements_on_every_connection():
    """Count the statements run meanwhile on every connection: the request's, and each one its
    dashboard opens for a second lane (msphub.core.concurrent), which Django's
    CaptureQueriesContext, one connection's, would miss. Yields a one-item list holding the count."""
    import threading

    from django.db import connection
    from django.db.backends.signals import connection_created

    counted = [0]
    lock = threading.Lock()

    def count(execute, sql, params, many, context):
        with lock:
            counted[0] += 1
        return execute(sql, params, many, context)

    def on_connection(sender, connection, **kwargs):
        if count not in connection.execute_wrappers:
            connection.execute_wrappers.append(count)

    connection_created.connect(on_connection)
    on_connection(None, connection)
    try:
        yield counted
    finally:
        connection_created.disconnect(on_connection)
        connection.execute_wrappers.remove(count)


def _dashboard_times(year, council, repeats: int) -> list[dict]:
    """The Board dashboard of ``council`` for ``year`` through Django's test client, as its Board
    viewer (or, without one, its safeguarding lead): median and worst ms and queries per page."""
    from datetime import datetime
    from datetime import time as day_time

    import time_machine
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from msphub.accounts.models import Role, User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = (
        User.objects.filter(organisation=council, role=Role.BOARD_VIEWER, is_active=True)
        .order_by("pk")
        .first()
        or User.objects.filter(organisation=council, role=Role.SAFEGUARDING_LEAD, is_active=True)
        .order_by("pk")
        .first()
    )
    if user is None:
        raise RuntimeError(f"{council.ons_code} has no Board viewer or lead to see its dashboard")
    who = "Board viewer" if user.role == Role.BOARD_VIEWER else "safeguarding lead"
    client = Client()
    client.force_login(user)
    url = reverse("measures:dashboard")
    day = timezone.make_aware(datetime.combine(_dashboard_day(year), day_time(12)))
    pages = []
    with time_machine.travel(day, tick=True):
        for label, query in (
            ("Board dashboard, last financial year", "?period=last_year"),
            (
                "Board dashboard, last financial year, with a gender breakdown",
                "?period=last_year&breakdown=gender",
            ),
        ):

            def get(path: str = url + query) -> None:
                response = client.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"{path} gave {response.status_code} for {user.username}")

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
                    "who": who,
                    "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE", 0),
                }
            )
    return pages


if __name__ == "__main__":
    print(run())
