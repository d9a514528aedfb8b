"""Load test: msphub under gunicorn and PostgreSQL, driven by locust, with every write checked after.

    python bench/load.py [--database-url postgres://msphub:msphub@127.0.0.1:5432/msphub_load]
                         [--users 50] [--duration 3m] [--workers N] [--worker-class sync|gthread]

or from Python: ``run(database_url, users=50, duration="3m")``, which returns a markdown section.

What it does, in order:

1. migrates the database (PostgreSQL only: several gunicorn workers write at once, which is the
   point). If it holds `generate_synthetic` data (users named like `e06000001-practitioner-1`) that is
   used as it is; otherwise the demo data is (re)built with `seed_demo --seed 1 --force`, so a
   standalone run needs nothing but an empty database. User names can be given instead.
2. writes a plan (bench/locustfile.py reads it): who signs in (team managers, practitioners of those
   managers' teams so every closure can be signed off, partner referrers of the same councils), with
   which password, and for each practitioner the open enquiries they lead, shared out so no two
   simulated users write to the same enquiry; and where the tables end now (the highest ids), so the
   run's writes can be told apart.
3. runs collectstatic and starts gunicorn on 127.0.0.1:8765 with DEBUG off, a throwaway SECRET_KEY,
   SECURE_COOKIES=0 (plain HTTP on the loopback) and persistent database connections.
4. runs locust headless (FastHttpUser, so the load generator on the same machine stays cheap) for the
   given time, then lets each simulated user finish the task it is in (--stop-timeout).
5. stops gunicorn and reads the results: latency percentiles from locust's own CSV per page and, for
   page views (GET) and writes (POST) as groups, exact percentiles from every request's time; the
   throughput; the failures; and the CPU time used by gunicorn, PostgreSQL, locust and everything
   else on the machine, since a shared machine's other work shows up as latency.
6. checks the database against the writes the simulated users saw succeed (writes.jsonl): every
   concern whose confirmation page showed a reference exists exactly once with that reference,
   including the double-pressed sends; every review exactly once; every closure request and sign-off
   exactly one change of status; and nothing the run wrote that no user saw succeed.

Files go to var/load/ (the plan, locust's CSVs, every request's time, the writes, gunicorn's log).
LOAD_DOUBLE_PRESS (default 0.1) is the share of concerns sent with a double press; LOAD_DATABASE_URL
the default database.
Speed is measured here, never asserted in tests.
"""

import argparse
import csv
import fcntl
import json
import math
import os
import platform
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

import psutil  # installed with locust

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PORT = 8765
HOST = f"http://127.0.0.1:{PORT}"
DEFAULT_DATABASE_URL = "postgres://msphub:msphub@127.0.0.1:5432/msphub_load"
PASSWORDS = ["msphub-synthetic-2026", "msphub-demo-2026"]  # generate_synthetic's, then seed_demo's
STOP_TIMEOUT = 120  # seconds for simulated users to finish the journey they are in when time is up


# --- Running things -----------------------------------------------------------------------------


def server_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "MSPHUB_TESTING", "TASKS_BACKEND")}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="msphub.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="0",
        DB_CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
        # The simulated users sign in with a password alone: with the second factor on, every page
        # would be a redirect to its set-up (a run of 302s, as bench/RESULTS.md once showed). The
        # authenticator step is one form per sign-in and is left out of the measured journeys.
        SECOND_FACTOR_REQUIRED="0",
        PYTHONPATH=str(ROOT),
    )
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def helper(env: dict, step: str, *args: str) -> dict:
    """Run a step of this file in a fresh process, so Django is set up on the load-test database
    even when run() is called from a process that already set Django up on another one."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, __file__, f"_{step}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"{step} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def ensure_database(database_url: str) -> None:
    """Create the PostgreSQL database if it does not exist yet (the role must be allowed to)."""
    import psycopg
    from psycopg import sql

    url = urllib.parse.urlsplit(database_url)
    if url.scheme not in ("postgres", "postgresql", "pgsql"):
        raise ValueError("The load test runs against PostgreSQL: give a postgres:// DATABASE_URL")
    name = url.path.lstrip("/")
    admin_url = urllib.parse.urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def wait_for(url: str, seconds: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited while starting; see var/load/gunicorn.log")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def warm_up(workers: int) -> None:
    """A few requests at once, so each worker has loaded its templates before the clock starts, as
    the workers of a server that has been up for a while have."""
    from concurrent.futures import ThreadPoolExecutor

    def fetch(path: str) -> None:
        with urllib.request.urlopen(HOST + path, timeout=30) as response:  # noqa: S310
            response.read()

    with ThreadPoolExecutor(max_workers=workers * 2) as pool:
        list(pool.map(fetch, ["/accounts/login/", "/concerns/raise/", "/"] * workers * 2))


class CpuMeter:
    """CPU seconds spent during the run, by whom: the machine as a whole, gunicorn (master and
    workers), the PostgreSQL backends serving the load-test database, locust, and everything else
    (other people's work on a shared machine), so the report can say how much of the machine the
    test had."""

    def __init__(self, server_pid: int, database: str) -> None:
        self.server_pid, self.database = server_pid, database
        self.start = self.sample()

    @staticmethod
    def busy() -> float:
        times = psutil.cpu_times()
        return sum(times) - times.idle - getattr(times, "iowait", 0.0)

    def processes(self) -> dict[int, tuple[str, float]]:
        found: dict[int, tuple[str, float]] = {}
        try:
            server = psutil.Process(self.server_pid)
            for proc in [server, *server.children(recursive=True)]:
                found[proc.pid] = ("gunicorn", sum(proc.cpu_times()[:2]))
        except psutil.Error:
            pass
        for proc in psutil.process_iter(["name", "cmdline"]):
            try:
                command = " ".join(proc.info["cmdline"] or [])
                # Parallel query workers name no database; on this test machine they work for it.
                if proc.info["name"] == "postgres" and (
                    self.database in command or "parallel worker" in command
                ):
                    found[proc.pid] = ("postgres", sum(proc.cpu_times()[:2]))
            except psutil.Error:
                continue
        return found

    def sample(self) -> dict:
        return {
            "busy": self.busy(),
            "children": sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]),
            "processes": self.processes(),
        }

    def finish(self) -> dict[str, float]:
        end = self.sample()
        used = {"machine": end["busy"] - self.start["busy"], "gunicorn": 0.0, "postgres": 0.0}
        for pid, (kind, seconds) in end["processes"].items():
            before = self.start["processes"].get(pid)
            used[kind] += seconds - (before[1] if before and before[0] == kind else 0.0)
        # locust is the only child this process waits for while the meter runs.
        used["locust"] = end["children"] - self.start["children"]
        used["other"] = max(0.0, used["machine"] - used["gunicorn"] - used["postgres"] - used["locust"])
        return used


def port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def seconds_of(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    total, number = 0, ""
    for char in duration.strip():
        if char.isdigit():
            number += char
        elif char in units and number:
            total, number = total + int(number) * units[char], ""
        else:
            raise ValueError(f"Not a duration like 3m or 90s: {duration}")
    return total + (int(number) if number else 0)


def user_counts(users: int) -> dict[str, int]:
    """Three practitioners to one partner referrer... roughly 60% practitioners, 30% partner
    referrers raising concerns, 10% team managers."""
    if users < 3:
        raise ValueError("At least 3 users: a practitioner, a team manager and a partner referrer")
    managers = max(1, round(users * 0.1))
    partners = max(1, round(users * 0.3))
    return {"practitioners": users - managers - partners, "managers": managers, "partners": partners}


# --- The run ------------------------------------------------------------------------------------


def run(
    database_url: str | None = None,
    users: int = 50,
    duration: str = "3m",
    *,
    spawn_rate: float | None = None,
    workers: int | None = None,
    worker_class: str = "sync",
    threads: int = 4,
    think_scale: float = 1.0,
    practitioners: list[str] | None = None,
    managers: list[str] | None = None,
    partners: list[str] | None = None,
    password: str | None = None,
    out_dir: Path | None = None,
) -> str:
    """Run the load test and return its results as a markdown section (## heading first).

    database_url defaults to LOAD_DATABASE_URL, else the local msphub_load database."""
    database_url = database_url or os.environ.get("LOAD_DATABASE_URL", DEFAULT_DATABASE_URL)
    (ROOT / "var").mkdir(exist_ok=True)
    with (ROOT / "var" / "load.lock").open("w") as lock:
        # One load test at a time: they share the port and the results directory.
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError("Another load test is running (var/load.lock is held)") from None
        return _run(
            database_url,
            users,
            duration,
            spawn_rate=spawn_rate,
            workers=workers,
            worker_class=worker_class,
            threads=threads,
            think_scale=think_scale,
            practitioners=practitioners,
            managers=managers,
            partners=partners,
            password=password,
            out_dir=out_dir,
        )


def _run(
    database_url: str,
    users: int,
    duration: str,
    *,
    spawn_rate: float | None,
    workers: int | None,
    worker_class: str,
    threads: int,
    think_scale: float,
    practitioners: list[str] | None,
    managers: list[str] | None,
    partners: list[str] | None,
    password: str | None,
    out_dir: Path | None,
) -> str:
    out = Path(out_dir or ROOT / "var" / "load")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    cores = os.cpu_count() or 1
    workers = workers or 2 * cores + 1
    counts = user_counts(users)
    spawn_rate = spawn_rate or max(1.0, users / 10)
    env = server_env(database_url)
    log = print

    log(f"load: preparing {database_url.rsplit('@', 1)[-1]}")
    ensure_database(database_url)
    manage(env, "migrate", "--no-input")
    given = {"practitioners": practitioners, "managers": managers, "partners": partners}
    plan_args = ["--counts", json.dumps(counts), "--given", json.dumps(given)]
    if password:
        plan_args += ["--password", password]
    plan = helper(env, "plan", *plan_args)
    if plan.get("seed_demo"):
        log("load: no generate_synthetic data found; building the demo data (seed_demo --seed 1 --force)")
        manage(env, "seed_demo", "--seed", "1", "--force")
        plan = helper(env, "plan", *plan_args)
    if plan.get("problem"):
        raise RuntimeError(plan["problem"])
    plan_path = out / "plan.json"
    plan_path.write_text(json.dumps(plan, indent=1))
    manage(env, "collectstatic", "--no-input", "--clear")

    if not port_free(PORT):
        raise RuntimeError(f"Port {PORT} is in use: is another load test running?")
    gunicorn_cmd = [
        str(BIN / "gunicorn"),
        "msphub.wsgi:application",
        f"--bind=127.0.0.1:{PORT}",
        f"--workers={workers}",
        f"--worker-class={worker_class}",
        "--timeout=60",
        "--graceful-timeout=30",
        f"--error-logfile={out / 'gunicorn.log'}",
        "--log-level=warning",
    ]
    if worker_class == "gthread":
        gunicorn_cmd.append(f"--threads={threads}")
    load_before = os.getloadavg()
    log(f"load: starting gunicorn ({workers} {worker_class} workers) on {HOST}")
    server_log = (out / "gunicorn.log").open("a")
    server = subprocess.Popen(  # noqa: S603
        gunicorn_cmd, cwd=ROOT, env=env, start_new_session=True, stdout=server_log, stderr=subprocess.STDOUT
    )
    try:
        wait_for(f"{HOST}/health/", 60, server)
        warm_up(workers)
        log(f"load: locust, {users} users ({counts}) for {duration}, then up to {STOP_TIMEOUT} s to finish")
        locust_env = {
            **os.environ,
            "LOAD_PLAN": str(plan_path),
            "LOAD_OUT": str(out),
            "LOAD_THINK_SCALE": str(think_scale),
        }
        started = time.monotonic()
        meter = CpuMeter(server.pid, urllib.parse.urlsplit(database_url).path.lstrip("/"))
        locust = subprocess.run(  # noqa: S603
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                f"--users={users}",
                f"--spawn-rate={spawn_rate}",
                f"--run-time={duration}",
                f"--stop-timeout={STOP_TIMEOUT}",
                f"--host={HOST}",
                f"--csv={out / 'locust'}",
                "--only-summary",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=locust_env,
            capture_output=True,
            text=True,
            timeout=seconds_of(duration) + STOP_TIMEOUT + 120,
            check=False,
        )
        wall = time.monotonic() - started
        cpu = meter.finish()
        (out / "locust.log").write_text(locust.stdout + locust.stderr)
        load_after = os.getloadavg()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        server_log.close()
    if not (out / "locust_stats.csv").exists():
        raise RuntimeError(f"locust wrote no statistics; see {out / 'locust.log'}")
    log("load: checking every write against the database")
    check = helper(env, "verify", str(plan_path), str(out / "writes.jsonl"))
    section = report(
        plan=plan,
        check=check,
        out=out,
        users=users,
        counts=counts,
        duration=duration,
        wall=wall,
        workers=workers,
        worker_class=worker_class,
        threads=threads,
        load=(load_before, load_after),
        think_scale=think_scale,
        spawn_rate=spawn_rate,
        cpu=cpu,
    )
    (out / "RESULTS-load.md").write_text(section)
    return section


# --- Reading the results ---------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least p% of values at or below it."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def group_of(name: str) -> str:
    if name.startswith(("GET ", "SEARCH ")):  # a search is posted but is a page view
        return "page views (GET)"
    if name.startswith("POST "):
        return "forms sent (POST)"
    return "static files"


def stats(values: list[float]) -> str:
    return (
        f"{statistics.median(values):.0f} | {percentile(values, 95):.0f} | "
        f"{percentile(values, 99):.0f} | {max(values):.0f}"
    )


def report(
    *,
    plan,
    check,
    out,
    users,
    counts,
    duration,
    wall,
    workers,
    worker_class,
    threads,
    load,
    think_scale,
    spawn_rate,
    cpu,
):
    """The markdown section. Figures come from every request's own time (requests.csv, written by the
    locustfile), so the percentiles are exact; locust's CSV is shown beside them as a cross-check."""
    requests = [
        (r["name"], float(r["start"]), float(r["ms"]), r["ok"] == "1", r["error"])
        for r in csv.DictReader((out / "requests.csv").open(encoding="utf-8"))
    ]
    if not requests:
        raise RuntimeError(f"locust recorded no requests; see {out / 'locust.log'}")
    first = min(r[1] for r in requests)
    last = max(r[1] + r[2] / 1000 for r in requests)
    seconds = seconds_of(duration)
    ramp = users / spawn_rate
    steady = [r for r in requests if first + ramp <= r[1] < first + seconds]
    by_group: dict[str, list] = defaultdict(list)
    by_name: dict[str, list] = defaultdict(list)
    for r in requests:
        by_group[group_of(r[0])].append(r)
        by_name[r[0]].append(r)
    errors = [r for r in requests if not r[3]]
    pages = [r[2] for r in by_group["page views (GET)"]]
    steady_pages = [r[2] for r in steady if group_of(r[0]) == "page views (GET)"]
    p95_pages = percentile(pages, 95)
    locust_total = next(
        r
        for r in csv.DictReader((out / "locust_stats.csv").open(encoding="utf-8"))
        if r["Name"] == "Aggregated"
    )
    lines = [
        "## Load test (gunicorn, PostgreSQL, locust)",
        "",
        f"Run by `bench/load.py` on {time.strftime('%Y-%m-%d %H:%M')} ({platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {plan['postgres']} on the same "
        f"machine). gunicorn with {workers} {worker_class} workers"
        + (f" of {threads} threads" if worker_class == "gthread" else "")
        + ", DEBUG off, persistent database connections (DB_CONN_MAX_AGE=60), warmed up with a few "
        f"requests; locust (FastHttpUser) on the same machine. Data: {plan['data']}.",
        "",
        f"{users} simulated users ({counts['practitioners']} practitioners, {counts['managers']} team "
        f"managers, {counts['partners']} partner referrers), started over {ramp:.0f} s, for {duration}; "
        f"then each finished the journey it was in ({wall:.0f} s in all). Each waits "
        f"{2 * think_scale:g}-{6 * think_scale:g} s between tasks and {1.5 * think_scale:g}-"
        f"{15 * think_scale:g} s between the pages of a task (reading, typing). Every user signs in "
        "first (Django's PBKDF2 password check is deliberately slow; the second factor is turned off for the "
        "run, SECOND_FACTOR_REQUIRED=0) and fetches the stylesheet and "
        f"script once. Load average (1 min) {load[0][0]:.1f} before and {load[1][0]:.1f} after.",
        "",
        f"CPU used during the {wall:.0f} s of the run (core-seconds; {os.cpu_count()} cores give "
        f"{wall * (os.cpu_count() or 1):.0f}): gunicorn {cpu['gunicorn']:.1f}, PostgreSQL for this "
        f"database {cpu['postgres']:.1f}, locust {cpu['locust']:.1f}, other work on the machine "
        f"{cpu['other']:.0f}. The service used "
        f"{1000 * (cpu['gunicorn'] + cpu['postgres']) / len(requests):.0f} ms of CPU per request (app and "
        "database together).",
        "",
        "| requests | count | failures | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for group in ("page views (GET)", "forms sent (POST)", "static files"):
        rows = by_group.get(group, [])
        if rows:
            failed = sum(1 for r in rows if not r[3])
            lines.append(f"| {group} | {len(rows):,} | {failed} | {stats([r[2] for r in rows])} |")
    lines.append(f"| all | {len(requests):,} | {len(errors)} | {stats([r[2] for r in requests])} |")
    if steady_pages:
        lines.append(
            f"| page views once all users had started (after {ramp:.0f} s) | {len(steady_pages):,} | "
            f"{sum(1 for r in steady if not r[3] and group_of(r[0]) == 'page views (GET)')} | "
            f"{stats(steady_pages)} |"
        )
    lines += [
        "",
        f"Throughput: {len(requests) / (last - first):.1f} requests a second over the whole run "
        f"({len(requests):,} requests in {last - first:.0f} s), {len(steady) / max(1, seconds - ramp):.1f} "
        f"a second with all users running. Page views: p95 {p95_pages:.0f} ms, "
        f"{'under' if p95_pages < 500 else 'NOT under'} the 500 ms target. Failed requests: {len(errors)}. "
        f"Locust's own CSV, as a cross-check: {int(locust_total['Request Count']):,} requests, "
        f"{locust_total['Failure Count']} failures, p50 {locust_total['50%']}, p95 {locust_total['95%']}, "
        f"p99 {locust_total['99%']} ms (rounded to two figures; written as the run stops, so it can miss "
        "the last few requests).",
        "",
        "Each page and form:",
        "",
        "| request | count | failures | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in sorted(by_name, key=lambda n: (group_of(n), n)):
        rows = by_name[name]
        failed = sum(1 for r in rows if not r[3])
        lines.append(f"| {name} | {len(rows):,} | {failed} | {stats([r[2] for r in rows])} |")
    if errors:
        lines += ["", "Failures:", ""]
        counted: dict[tuple, int] = defaultdict(int)
        for r in errors:
            counted[(r[0], r[4])] += 1
        lines += [f"- {n} x {name}: {error}" for (name, error), n in sorted(counted.items())]
    lines += ["", "### Every write checked against the database", ""]
    lines += ["| write | confirmed to the user | in the database once | lost | duplicated | unconfirmed |"]
    lines += ["|---|---:|---:|---:|---:|---:|"]
    for kind, label in (
        ("concern", "concern raised (reference read from the confirmation page)"),
        ("review", "review recorded"),
        ("closure_request", "closure requested"),
        ("closure_sign_off", "closure signed off"),
    ):
        c = check[kind]
        figures = [c["confirmed"], c["once"], c["lost"], c["duplicated"], c["unconfirmed"]]
        lines.append(f"| {label} | " + " | ".join(str(n) for n in figures) + " |")
    lines += [
        "",
        f"Double-pressed sends: {check['concern']['double']} concerns were sent by two simultaneous "
        f'presses of "Accept and send"; each is one concern. Rows added during the run: '
        f"{check['concern']['new_rows']} concerns and {check['review']['new_rows']} reviews, "
        f"against {check['concern']['confirmed']} and {check['review']['confirmed']} confirmed. "
        "Lost: confirmed to the user but not in the database (or with another reference); duplicated: "
        "in the database more than once; unconfirmed: written by the run but never confirmed to its user "
        "(a failure after the commit).",
        "",
        f"Result: {'every write is in the database exactly once' if check['ok'] else 'WRITES DO NOT MATCH'}"
        + (f"; {'; '.join(check['problems'])}" if check["problems"] else "")
        + ".",
        "",
    ]
    return "\n".join(lines)


# --- Steps run inside Django (in a child process) -------------------------------------------------


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msphub.settings")
    import django

    django.setup()


def _plan(counts: dict, given: dict, password: str | None) -> dict:
    """Who signs in, which enquiries each may write to, and where the tables end now."""
    _django()
    from django.db import connection
    from django.db.models import Count, Max, Q

    from msphub.accounts.models import Organisation, Role, User
    from msphub.concerns.models import Concern
    from msphub.enquiries.models import Enquiry, Review
    from msphub.people.models import Person

    open_led = Count("enquiries_led", filter=Q(enquiries_led__status=Enquiry.Status.OPEN))
    staff = User.objects.filter(is_active=True, organisation__kind=Organisation.Kind.COUNCIL)
    synthetic = staff.filter(username__regex=r"^[a-z][0-9]+-practitioner-[0-9]+$").exists()
    # Practitioners work in teams that have a team manager (someone must be able to sign their
    # closures off); the team managers chosen are those of the practitioners' teams, a team at a time
    # from the first council, so every closure requested can be signed off by a simulated manager.
    practitioners = staff.filter(role=Role.PRACTITIONER).annotate(open_led=open_led).filter(open_led__gte=2)
    if synthetic:
        practitioners = practitioners.filter(username__regex=r"^[a-z][0-9]+-practitioner-[0-9]+$")
    if given.get("practitioners"):
        practitioners = User.objects.filter(username__in=given["practitioners"])
    by_team: dict[int, list[str]] = defaultdict(list)
    for user in practitioners.order_by("username"):
        by_team[user.team_id].append(user.username)
    managers = staff.filter(role=Role.TEAM_MANAGER, team_id__in=list(by_team)).order_by(
        "organisation__ons_code", "username"
    )
    if given.get("managers"):
        managers = User.objects.filter(username__in=given["managers"])
    chosen = list(managers.values_list("username", "team_id"))[: counts["managers"]]
    teams = [team for _, team in chosen]
    if given.get("practitioners"):
        names = {"practitioners": given["practitioners"]}
    else:
        # Round the chosen teams: the first practitioner of each, then the second, ...
        spread = [
            n for rank in range(50) for team in dict.fromkeys(teams) for n in by_team[team][rank : rank + 1]
        ]
        names = {"practitioners": spread[: counts["practitioners"]]}
    if not names["practitioners"]:
        return (
            {"seed_demo": True} if not synthetic else {"problem": "No practitioner leads 2+ open enquiries"}
        )
    names["managers"] = given.get("managers") or [name for name, _ in chosen]
    councils = list(
        User.objects.filter(username__in=names["practitioners"]).values_list("organisation_id", flat=True)
    )
    names["partners"] = (
        given.get("partners")
        or [
            u
            for u in User.objects.filter(
                is_active=True, role=Role.PARTNER_REFERRER, organisation__councils__in=councils
            )
            .distinct()
            .order_by("username")
            .values_list("username", flat=True)
        ][: counts["partners"]]
    )
    for kind, listed in names.items():
        if not listed:
            return {"problem": f"No {kind} to sign in as"}
    everyone = [n for listed in names.values() for n in listed]
    found = {u.username: u for u in User.objects.filter(username__in=everyone)}
    if missing := [n for n in everyone if n not in found]:
        return {"problem": f"No such users: {', '.join(missing)}"}
    sample = found[names["practitioners"][0]]
    password = password or next((p for p in PASSWORDS if sample.check_password(p)), None)
    if password is None or not sample.check_password(password):
        return {"problem": f"None of the known passwords signs in as {sample.username}; give --password"}
    # Practitioner simulated users take turns over the names; each name's open enquiries are dealt
    # out over the simulated users signed in as it.
    sharers: dict[str, int] = defaultdict(int)
    for turn in range(counts["practitioners"]):
        sharers[names["practitioners"][turn % len(names["practitioners"])]] += 1
    enquiries, surnames = {}, {}
    for name in names["practitioners"]:
        user = found[name]
        enquiries[name] = list(
            Enquiry.objects.filter(lead_practitioner=user, status=Enquiry.Status.OPEN)
            .order_by("reference")
            .values_list("reference", flat=True)
        )
        surnames[name] = list(
            Person.objects.filter(council_id=user.organisation_id)
            .order_by("family_name")
            .values_list("family_name", flat=True)
            .distinct()[:40]
        )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    base = {
        "concern": Concern.objects.aggregate(m=Max("pk"))["m"] or 0,
        "review": Review.objects.aggregate(m=Max("pk"))["m"] or 0,
        "enquiry_history": Enquiry.history.aggregate(m=Max("history_id"))["m"] or 0,
    }
    councils_n = Organisation.objects.filter(kind=Organisation.Kind.COUNCIL).count()
    data = (
        f"{'generate_synthetic' if synthetic else 'seed_demo --seed 1'}: {councils_n} councils, "
        f"{Concern.objects.count():,} concerns, {Enquiry.objects.count():,} enquiries "
        f"({Enquiry.objects.filter(status=Enquiry.Status.OPEN).count():,} open), "
        f"{Person.objects.count():,} people"
    )
    return {
        **names,
        "password": password,
        "counts": counts,
        "sharers": dict(sharers),
        "enquiries": enquiries,
        "surnames": surnames,
        "base": base,
        "postgres": postgres,
        "data": data,
    }


def _verify(plan: dict, writes_path: Path) -> dict:
    """Compare the writes the users saw succeed with what the database holds."""
    _django()
    from collections import Counter

    from msphub.concerns.models import Concern
    from msphub.enquiries.models import Enquiry, Review

    writes = [json.loads(line) for line in writes_path.open()] if writes_path.exists() else []
    base = plan["base"]
    result: dict = {"problems": []}

    def tally(kind: str, confirmed: list, found: dict[str, list], unconfirmed: int, new_rows=None) -> None:
        once = sum(1 for key in confirmed if len(found.get(key, [])) == 1)
        lost = sum(1 for key in confirmed if not found.get(key))
        duplicated = sum(1 for key in confirmed if len(found.get(key, [])) > 1)
        result[kind] = {
            "confirmed": len(confirmed),
            "once": once,
            "lost": lost,
            "duplicated": duplicated,
            "unconfirmed": unconfirmed,
            "new_rows": new_rows,
        }
        if lost or duplicated or unconfirmed or once != len(confirmed):
            result["problems"].append(
                f"{kind}: {lost} lost, {duplicated} duplicated, {unconfirmed} unconfirmed"
            )
        if new_rows is not None and new_rows != len(confirmed):
            result["problems"].append(f"{kind}: {new_rows} rows added for {len(confirmed)} confirmed")

    # Concerns: the marker in "what happened" is the client's key; the reference must match.
    concerns = [w for w in writes if w["kind"] == "concern"]
    new = list(Concern.objects.filter(pk__gt=base["concern"]).values_list("reference", "what_happened"))
    by_marker: dict[str, list] = defaultdict(list)
    for reference, text in new:
        marker = text.rsplit("(", 1)[-1].rstrip(")") if "load-concern-" in text else ""
        by_marker[marker].append(reference)
    found = {}
    for w in concerns:
        refs = by_marker.get(w["marker"], [])
        found[w["marker"]] = [r for r in refs if r == w["reference"]] + [
            r for r in refs if r != w["reference"]
        ]
        if refs and w["reference"] not in refs:
            found[w["marker"]] = []  # a concern exists, but not with the reference the user was shown
    logged = {w["marker"] for w in concerns}
    unconfirmed = sum(len(refs) for marker, refs in by_marker.items() if marker not in logged)
    tally("concern", [w["marker"] for w in concerns], found, unconfirmed, new_rows=len(new))
    result["concern"]["double"] = sum(1 for w in concerns if w.get("double"))

    # Reviews: the marker in the person's view; it must be on the enquiry the user wrote to.
    reviews = [w for w in writes if w["kind"] == "review"]
    new = list(Review.objects.filter(pk__gt=base["review"]).values_list("enquiry__reference", "persons_view"))
    by_marker = defaultdict(list)
    for reference, text in new:
        marker = text.rsplit("(", 1)[-1].rstrip(")") if "load-review-" in text else ""
        by_marker[marker].append(reference)
    found = {w["marker"]: [r for r in by_marker.get(w["marker"], []) if r == w["enquiry"]] for w in reviews}
    logged = {w["marker"] for w in reviews}
    unconfirmed = sum(len(refs) for marker, refs in by_marker.items() if marker not in logged)
    tally("review", [w["marker"] for w in reviews], found, unconfirmed, new_rows=len(new))

    # Closure requests and sign-offs: each is one change of the enquiry's status, so one history row
    # with that status since the run began.
    history = Enquiry.history.filter(history_id__gt=base["enquiry_history"])
    for kind, status in (
        ("closure_request", Enquiry.Status.CLOSURE_REQUESTED),
        ("closure_sign_off", Enquiry.Status.CLOSED),
    ):
        confirmed = [w["enquiry"] for w in writes if w["kind"] == kind]
        rows = Counter(history.filter(status=status).values_list("reference", flat=True))
        found = {ref: [ref] * rows.get(ref, 0) for ref in confirmed}
        unconfirmed = sum(n for ref, n in rows.items() if ref not in set(confirmed))
        tally(kind, confirmed, found, unconfirmed)
        if len(set(confirmed)) != len(confirmed):
            result["problems"].append(f"{kind}: the same enquiry was confirmed twice")
    result["ok"] = not result["problems"]
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_plan":
        parser = argparse.ArgumentParser()
        parser.add_argument("step")
        parser.add_argument("--counts", required=True)
        parser.add_argument("--given", required=True)
        parser.add_argument("--password")
        a = parser.parse_args()
        print(json.dumps(_plan(json.loads(a.counts), json.loads(a.given), a.password)))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_verify":
        plan = json.loads(Path(sys.argv[2]).read_text())
        print(json.dumps(_verify(plan, Path(sys.argv[3]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL database to use (default: LOAD_DATABASE_URL or %(default)s)",
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", default="3m", help="like 3m, 90s, 1m30s")
    parser.add_argument("--spawn-rate", type=float, help="users started a second (default users/10)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default 2 x cores + 1)")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--think-scale", type=float, default=1.0, help="multiply every think time")
    parser.add_argument("--practitioners", help="comma-separated user names (default: found by role)")
    parser.add_argument("--managers", help="comma-separated user names (default: found by role)")
    parser.add_argument("--partners", help="comma-separated user names (default: found by role)")
    parser.add_argument("--password", help="their password (default: the synthetic or demo one)")
    parser.add_argument("--output", help="also write the markdown section to this file")
    a = parser.parse_args()

    def names(value: str | None) -> list[str] | None:
        return [n.strip() for n in value.split(",") if n.strip()] if value else None

    section = run(
        a.database_url,
        a.users,
        a.duration,
        spawn_rate=a.spawn_rate,
        workers=a.workers,
        worker_class=a.worker_class,
        threads=a.threads,
        think_scale=a.think_scale,
        practitioners=names(a.practitioners),
        managers=names(a.managers),
        partners=names(a.partners),
        password=a.password,
    )
    if a.output:
        Path(a.output).write_text(section)
    print(section)


if __name__ == "__main__":
    main()
