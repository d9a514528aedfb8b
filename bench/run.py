"""`make bench`: page timings, a national-size year on PostgreSQL and a load test; writes bench/RESULTS.md.

Sections, each in its own process (each sets Django up on its own database):

1. bench/pages.py: the busiest pages on a council-sized data set (SQLite in var/bench.sqlite3, or
   BENCH_PAGES_DATABASE_URL).
2. bench/national.py: generating a national-size year, the SAC return against the hand-written SQL
   baseline (bench/baseline.py), every MSP measure, measure_totals against bench/measures_baseline.py
   and "What people wanted and got" against bench/outcomes_baseline.py, on PostgreSQL
   (BENCH_DATABASE_URL; if unset, the local cluster is started as .ci/run does and
   postgres://msphub:msphub@127.0.0.1:5432/msphub_bench is used).
3. bench/partners.py: the partner figures against their hand-written SQL baseline
   (bench/partner_figures_baseline.py) and their two pages, on the national-size year the national
   section generated (BENCH_DATABASE_URL).
4. bench/tempcheck.py: the temperature-check analysis (a national round of every council, and
   London merged and cut) against its hand-written SQL baseline, on PostgreSQL (BENCH_DATABASE_URL;
   everything it writes is rolled back).
5. bench/load.py, when present: the load test, on the national-size database when the national
   section ran (else LOAD_DATABASE_URL or its own database; see that file).

    python bench/run.py [--only pages,national,partners,tempcheck,load] [--output PATH]

BENCH_COUNCILS / BENCH_CONCERNS shrink the national section for a quick trial (write its results
elsewhere with --output, so that bench/RESULTS.md keeps the national-size figures; BENCH_REUSE=1 with
BENCH_DATABASE_URL runs it on a small year already generated there, without dropping anything);
BENCH_PAGE_CONCERNS sets the page section's size. A section that fails is reported as such and the
others still run. Speed is measured here, never asserted in tests.
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL_URL = "postgres://msphub:msphub@127.0.0.1:5432/msphub_bench"
SECTIONS = ["pages", "national", "partners", "tempcheck", "load"]


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if "model name" in line
        ),
        platform.processor() or platform.machine(),
    )
    mem_kb = next(
        (int(line.split()[1]) for line in _read("/proc/meminfo").splitlines() if line.startswith("MemTotal")),
        0,
    )
    os_name = next(
        (
            line.split("=", 1)[1].strip().strip('"')
            for line in _read("/etc/os-release").splitlines()
            if line.startswith("PRETTY_NAME=")
        ),
        platform.platform(),
    )
    return [
        f"- CPU: {cpu} ({platform.machine()}), {os.cpu_count()} cores visible; load average at the start "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"- RAM: {mem_kb / 1024 / 1024:.1f} GiB",
        f"- OS: {os_name}, Linux {platform.release()}",
        f"- Python {platform.python_version()}",
    ]


def start_local_postgres() -> str:
    """Start the local cluster as .ci/run does (root needed) and return the bench database URL."""
    versions = sorted(os.listdir("/usr/lib/postgresql"), key=float)
    if not versions:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    version = versions[-1]
    # Fixed commands, no user input (S603/S607): the Debian PostgreSQL wrappers, as .ci/run uses them.
    clusters = subprocess.run(  # noqa: S603
        ["pg_lsclusters", "-h"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if not any(line.split()[:2] == [version, "main"] for line in clusters.splitlines()):
        subprocess.run(["pg_createcluster", version, "main"], check=True, capture_output=True)  # noqa: S603,S607
    subprocess.run(["pg_ctlcluster", version, "main", "start"], capture_output=True)  # noqa: S603,S607
    for _ in range(30):
        if subprocess.run(["su", "postgres", "-c", "pg_isready -q"]).returncode == 0:  # noqa: S603,S607
            break
        time.sleep(1)
    exists = subprocess.run(  # noqa: S603
        ["su", "postgres", "-c", "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='msphub'\""],  # noqa: S607
        capture_output=True,
        text=True,
    ).stdout
    if "1" not in exists:
        subprocess.run(  # noqa: S603
            ["su", "postgres", "-c", "psql -qc \"CREATE ROLE msphub LOGIN SUPERUSER PASSWORD 'msphub'\""],  # noqa: S607
            check=True,
        )
    return LOCAL_URL


def run_section(name: str, env: dict[str, str]) -> tuple[str, float]:
    """Run bench/<name>.py's run() in a child process; its markdown and seconds."""
    titles = {
        "pages": "Pages (one council)",
        "national": "National size (PostgreSQL)",
        "partners": "Partner figures (national size, PostgreSQL)",
        "tempcheck": "Temperature check (national size, PostgreSQL)",
        "load": "Load test",
    }
    title = titles[name]
    if not (ROOT / "bench" / f"{name}.py").exists():
        return f"## {title}\n\nNot run: bench/{name}.py is not there.\n", 0.0
    with tempfile.NamedTemporaryFile("r", suffix=".md") as out:
        code = (
            "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
            f"from bench import {name}; Path(sys.argv[2]).write_text({name}.run())"
        )
        started = time.perf_counter()
        command = [sys.executable, "-c", code, str(ROOT), out.name]
        # Pass the section's messages through as they come, keeping the last lines for a failure.
        child = subprocess.Popen(  # noqa: S603 (this interpreter, our own code)
            command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
        )
        tail: list[str] = []
        for line in child.stderr:
            sys.stderr.write(line)
            tail = [*tail[-19:], line.rstrip()]
        returncode = child.wait()
        seconds = time.perf_counter() - started
        text = Path(out.name).read_text()
    if returncode != 0 or not text.strip():
        reason = next((line for line in reversed(tail) if line.strip()), "no output")
        return f"## {title}\n\nNot run: bench/{name}.py failed (exit {returncode}): `{reason}`\n", seconds
    return text, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections to run")
    parser.add_argument(
        "--output",
        default=str(ROOT / "bench" / "RESULTS.md"),
        help="where to write the results (default bench/RESULTS.md)",
    )
    arguments = parser.parse_args()
    chosen = [s for s in arguments.only.split(",") if s]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")

    started_at = datetime.now().astimezone()
    header = machine()
    env = {**os.environ, "MSPHUB_TESTING": "1"}
    env.pop("DEBUG", None)
    notes = []
    if {"national", "partners", "tempcheck"} & set(chosen) and not env.get("BENCH_DATABASE_URL"):
        try:
            env["BENCH_DATABASE_URL"] = start_local_postgres()
            notes.append("National section on the local PostgreSQL cluster (started as .ci/run does).")
        except (OSError, RuntimeError, subprocess.CalledProcessError) as error:
            notes.append(f"Could not start local PostgreSQL: {error}")
    if "national" in chosen and "load" in chosen and env.get("BENCH_DATABASE_URL"):
        # The load test works on the national-size year just generated, unless told otherwise.
        env.setdefault("LOAD_DATABASE_URL", env["BENCH_DATABASE_URL"])
    if shutil.which("psql") and env.get("BENCH_DATABASE_URL"):
        version = subprocess.run(  # noqa: S603
            ["psql", env["BENCH_DATABASE_URL"], "-qtAc", "SELECT version()"],  # noqa: S607
            capture_output=True,
            text=True,
        ).stdout.strip()
        if version:
            header.append(f"- {version.split(',')[0]}")

    sections, timings = [], []
    for name in chosen:
        print(f"== bench: {name}", file=sys.stderr, flush=True)
        text, seconds = run_section(name, env)
        sections.append(text.rstrip() + "\n")
        timings.append(f"{name} {seconds:.0f} s")

    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` ({', '.join(chosen)}), started {started_at:%Y-%m-%d %H:%M %Z}; "
        f"sections took {', '.join(timings)}.",
        "",
        *header,
        *(f"- {note}" for note in notes),
        "",
        "The machine may be shared: treat timings as indicative, and compare numbers only within one run.",
        "",
    ]
    result = "\n".join(lines) + "\n" + "\n".join(sections)
    Path(arguments.output).write_text(result)
    print(result)
    # The ratios the issue asks for, one a line, whatever else scrolled past.
    for line in result.splitlines():
        if line.startswith(("Ratio ", "Dashboard largest council median ms:")):
            print(line, file=sys.stderr)


if __name__ == "__main__":
    main()
