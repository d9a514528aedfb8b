"""The temperature-check section of `make bench` (issue 16; docs/tempcheck.md).

At national size on PostgreSQL (BENCH_DATABASE_URL, as the national section uses it; its migrations
are applied first, and everything this section writes is rolled back at its end), it builds:

- a national round of the 2016 instrument for every council in England (BENCH_TEMPCHECK_COUNCILS,
  153; 33 in London, the London councils agreeing to be named in tables), answers drawn at random
  with a fixed seed (BENCH_TEMPCHECK_SEED, 1) in the shapes the 2016 file has (a few items left
  unanswered, the conditional question asked of some, interviewer ratings moderated for a few);
- a later London round of 7 councils and one interviewed in both (to merge), and the published
  2014/15 counts (a baseline);
- BENCH_TEMPCHECK_HISTORY (20) more national rounds, so that the answers table holds other rounds'
  answers the analysis must not read (about 84,000 answers in all), then ANALYZE (as a live
  database has statistics);

and times ``analysis.analyse`` against the hand-written SQL below, interleaved, BENCH_REPEATS times
after a warm-up, for (a) the national round compared with the baseline and (b) London: the national
round's London councils merged with the later round, compared with England and the baseline;
checking that every count, base, named council, cross-tab cell and moderation figure agrees. The
ratio is msphub's median over the baseline's.

The baseline (``baseline_figures``) is written from docs/tempcheck.md as a database engineer would
write it, sharing no code with msphub/tempcheck/analysis.py: the scope's respondents in one CTE
(those with an answer, of the region, each council once from the first round listed that has it:
a window over the council's name), then one grouped pass over their answers with GROUPING SETS for
the counts of each category and the base of each question and item, the named councils collected
with ``array_agg ... FILTER``; one statement for the moderation (a respondent's two ratings side by
side; the rating categories start "A)" to "F)", so text order is rank order) and one for each
cross-tab (the two questions' answers joined on the respondent). msphub's analysis computes more
than this (combined categories, item averages, comparisons, caveats, warnings), so the ratio is an
upper bound of its overhead on the same counts.

    python bench/tempcheck.py            # or: python bench/run.py --only tempcheck

Speed is measured here, never asserted in tests (tests/test_tempcheck_figures.py checks on
PostgreSQL that the baseline agrees with the analysis).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.national import (  # noqa: E402
    DEFAULT_URL,
    _int_env,
    _setup_django,
    _statements_on_every_connection,
    _timed,
)

REGIONS = [
    ("London", 33),
    ("South East", 19),
    ("North West", 23),
    ("East of England", 11),
    ("West Midlands", 14),
    ("Yorkshire and the Humber", 15),
    ("South West", 15),
    ("East Midlands", 9),
    ("North East", 12),
]


def _say(message: str) -> None:
    print(f"[tempcheck {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class _RollBack(Exception):
    pass


# --- The hand-written SQL baseline -------------------------------------------------------------------

KEPT = """
WITH scoped AS (
    SELECT r.id, r.council, r.may_name, array_position(%(rounds)s::bigint[], r.round_id::bigint) AS pos
    FROM tempcheck_respondent r
    WHERE r.round_id = ANY(%(rounds)s)
      AND (%(region)s::text IS NULL OR lower(r.region) = lower(%(region)s::text))
      AND EXISTS (SELECT 1 FROM tempcheck_answer x WHERE x.respondent_id = r.id)
), kept AS (
    SELECT id, council, may_name FROM (
        SELECT s.*, min(pos) OVER (PARTITION BY lower(council)) AS first_pos FROM scoped s
    ) w WHERE pos = first_pos
)
"""

TABLES = f"""{KEPT}
SELECT q.qid, a.item, a.answer, GROUPING(a.answer) AS is_base, count(DISTINCT a.respondent_id) AS n,
       array_agg(DISTINCT k.council) FILTER (WHERE k.may_name) AS named
FROM kept k
JOIN tempcheck_answer a ON a.respondent_id = k.id
JOIN tempcheck_question q ON q.id = a.question_id
GROUP BY GROUPING SETS ((q.qid, a.item, a.answer), (q.qid, a.item))
"""  # noqa: S608 (constants of this module, no input)

RESPONDENTS = f"{KEPT}SELECT count(*) FROM kept"  # noqa: S608

MODERATION = f"""{KEPT}
SELECT count(*), count(*) FILTER (WHERE own <> moderated), count(*) FILTER (WHERE moderated > own)
FROM (
    SELECT a.respondent_id,
           max(a.answer) FILTER (WHERE q.qid = %(own)s) AS own,
           max(a.answer) FILTER (WHERE q.qid = %(moderated)s) AS moderated
    FROM kept k
    JOIN tempcheck_answer a ON a.respondent_id = k.id
    JOIN tempcheck_question q ON q.id = a.question_id
    WHERE q.qid IN (%(own)s, %(moderated)s)
    GROUP BY a.respondent_id
) both_ratings
WHERE own IS NOT NULL AND moderated IS NOT NULL
"""  # noqa: S608 (constants of this module, no input)

CROSSTAB = f"""{KEPT}
SELECT r.answer, c.answer, count(DISTINCT k.id)
FROM kept k
JOIN tempcheck_answer r ON r.respondent_id = k.id
JOIN tempcheck_question rq ON rq.id = r.question_id AND rq.qid = %(rows)s
JOIN tempcheck_answer c ON c.respondent_id = k.id
JOIN tempcheck_question cq ON cq.id = c.question_id AND cq.qid = %(columns)s
GROUP BY r.answer, c.answer
"""  # noqa: S608 (constants of this module, no input)

PUBLISHED = """
SELECT q.qid, c.item, c.category, c.count, c.base
FROM tempcheck_aggregatecount c JOIN tempcheck_question q ON q.id = c.question_id
WHERE c.round_id = %(round)s
"""


def baseline_figures(
    round_ids: list[int],
    region: str | None = None,
    *,
    moderation: tuple[str, str] | None = ("achievement_self", "achievement_interviewer"),
    crosstabs: list[tuple[str, str]] | None = None,
    named: bool = True,
) -> dict[str, Any]:
    """{"respondents", "counts": {(qid, item, answer): n}, "bases": {(qid, item): n}, "names":
    {(qid, item, answer): [councils]}, "moderation": (both, changed, lower) or None, "crosstabs":
    {(rows, columns): {(row answer, column answer): n}}} for the scope (PostgreSQL)."""
    from django.db import connection, transaction

    params: dict[str, Any] = {"rounds": list(round_ids), "region": region}
    out: dict[str, Any] = {"counts": {}, "bases": {}, "names": {}, "moderation": None, "crosstabs": {}}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(RESPONDENTS, params)
        out["respondents"] = cursor.fetchone()[0]
        cursor.execute(TABLES, params)
        for qid, item, answer, is_base, n, names in cursor.fetchall():
            if is_base:
                out["bases"][(qid, item)] = n
            else:
                out["counts"][(qid, item, answer)] = n
                if named and names:
                    out["names"][(qid, item, answer)] = sorted(names)
        if moderation:
            cursor.execute(MODERATION, {**params, "own": moderation[0], "moderated": moderation[1]})
            out["moderation"] = tuple(cursor.fetchone())
        for rows, columns in crosstabs or []:
            cursor.execute(CROSSTAB, {**params, "rows": rows, "columns": columns})
            out["crosstabs"][(rows, columns)] = {(r, c): n for r, c, n in cursor.fetchall()}
    return out


def baseline_published(round_id: int) -> dict[str, Any]:
    """A baseline round's published counts and bases."""
    from django.db import connection

    out: dict[str, Any] = {"counts": {}, "bases": {}}
    with connection.cursor() as cursor:
        cursor.execute(PUBLISHED, {"round": round_id})
        for qid, item, category, count, base in cursor.fetchall():
            out["counts"][(qid, item, category)] = count
            out["bases"][(qid, item)] = base
    return out


def differences(
    data: dict[str, Any], figures: dict[str, Any], compared: dict[str, dict] | None = None
) -> list[str]:
    """Where the analysis and the baseline disagree: respondents, every count, base and named
    council of each closed question's table, the moderation, every cross-tab cell, and each
    comparison's counts and bases."""
    found = []
    if data["round_respondents"] != figures["respondents"]:
        found.append(f"respondents {data['round_respondents']} != {figures['respondents']}")
    for qid, entries in data["questions"].items():
        for entry in entries:
            item = entry["item"] or ""
            if entry["n"] != figures["bases"].get((qid, item), 0):
                found.append(f"{qid}/{item}: n {entry['n']} != {figures['bases'].get((qid, item), 0)}")
            for row in entry["rows"]:
                key = (qid, item, row["category"])
                if row["count"] != figures["counts"].get(key, 0):
                    found.append(
                        f"{qid}/{item}/{row['category']}: {row['count']} != {figures['counts'].get(key, 0)}"
                    )
                if row["councils"] != figures["names"].get(key, []):
                    found.append(f"{qid}/{item}/{row['category']}: named councils differ")
            for slug, theirs in (compared or {}).items():
                comparison = entry["comparisons"].get(slug)
                if comparison is None:
                    if theirs["bases"].get((qid, item)):
                        found.append(f"{qid}/{item}: no comparison with {slug}")
                    continue
                if comparison["n"] != theirs["bases"].get((qid, item)):
                    found.append(f"{qid}/{item} against {slug}: n differs")
                for row in comparison["rows"]:
                    if row["count"] not in (None, theirs["counts"].get((qid, item, row["category"]), 0)):
                        found.append(f"{qid}/{item}/{row['category']} against {slug}: count differs")
    if figures["moderation"] is not None:
        [mod] = data["moderation"] or [{}]
        got = (mod.get("rated_by_both"), mod.get("moderated"), mod.get("lower"))
        if got != figures["moderation"]:
            found.append(f"moderation {got} != {figures['moderation']}")
    for tab in data["crosstabs"]:
        cells = figures["crosstabs"].get((tab["rows_question"], tab["columns_question"]), {})
        for row in tab["rows"]:
            for cell in row["cells"]:
                if cell["count"] != cells.get((row["category"], cell["category"]), 0):
                    found.append(
                        f"cross-tab {tab['rows_question']} x {tab['columns_question']}: cell differs"
                    )
    return found


# --- Building the national-size rounds -----------------------------------------------------------


def _councils(count: int) -> list[tuple[str, str]]:
    """(name, region) for ``count`` councils spread over the regions as England's are."""
    total = sum(n for _r, n in REGIONS)
    out = []
    for region, n in REGIONS:
        for i in range(max(1, round(n * count / total))):
            out.append((f"{region} council {i + 1:02d}", region))
    return out[:count]


def _answers(rng: random.Random, questions: list) -> list[tuple[str, str, str]]:
    """(qid, item, answer) for one council, in the shapes of the 2016 file."""
    out = []
    own = None
    for q in questions:
        if q.type == "open" or q.type == "multi":
            continue
        if q.qid == "recording_progress" and rng.random() < 0.7:
            continue  # asked only where recording changes are not complete
        if q.type == "grid":
            for item in q.items:
                if rng.random() < 0.05:
                    continue  # an item left unanswered
                out.append((q.qid, item, rng.choice(q.categories)))
            continue
        if q.qid == "achievement_interviewer" and own is not None:
            at = q.categories.index(own)
            moved = at + 1 if rng.random() < 0.11 and at + 1 < len(q.categories) else at
            out.append((q.qid, "", q.categories[moved]))
            continue
        answer = rng.choice(q.categories)
        if q.qid == "achievement_self":
            own = answer
        out.append((q.qid, "", answer))
    return out


def build(councils: int, history: int, seed: int) -> dict[str, Any]:
    """The rounds (inside the caller's transaction): {"national", "later", "baseline"}."""
    from msphub.tempcheck import importer, instruments
    from msphub.tempcheck.models import Answer, Respondent, Round

    instrument = instruments.load_shipped("instrument-2016.yaml")
    questions = list(instrument.questions.all())
    by_qid = {q.qid: q for q in questions}
    rng = random.Random(seed)
    england = _councils(councils)
    london = [name for name, region in england if region == "London"]
    later_names = [f"London later council {n}" for n in range(1, 8)] + [london[0]]

    def make_round(slug: str, title: str, members: list[tuple[str, str]], region: str = "") -> Round:
        round_ = Round.objects.create(slug=slug, title=title, instrument=instrument, region=region)
        respondents = Respondent.objects.bulk_create(
            Respondent(
                round=round_,
                respondent_id=f"{slug}-{n:03d}",
                council=name,
                region=council_region,
                may_name=council_region == "London",
            )
            for n, (name, council_region) in enumerate(members, start=1)
        )
        Answer.objects.bulk_create(
            (
                Answer(respondent=r, question=by_qid[qid], item=item, answer=answer)
                for r in respondents
                for qid, item, answer in _answers(rng, questions)
            ),
            batch_size=5000,
        )
        return round_

    national = make_round("bench-national", "National (bench)", england)
    later = make_round(
        "bench-london-later", "London later (bench)", [(n, "London") for n in later_names], "London"
    )
    for n in range(history):
        make_round(f"bench-history-{n:02d}", f"Earlier national round {n} (bench)", england)
    baseline = importer.create_baseline(
        "bench-baseline",
        "Evaluation 2014/15 (bench)",
        instrument,
        (instruments.SHIPPED / "evaluation-2015-published.csv").read_bytes(),
    )
    return {"national": national, "later": later, "baseline": baseline}


# --- Timing ------------------------------------------------------------------------------------------


def _against_baseline(ours, theirs, check, repeats: int) -> dict[str, Any]:
    data, figures = ours(), theirs()  # warm-up, and the figures to compare
    times: dict[str, list[float]] = {"baseline": [], "msphub": []}
    for _ in range(repeats):
        times["baseline"].append(_timed(theirs)[0])
        times["msphub"].append(_timed(ours)[0])
    with _statements_on_every_connection() as counted:
        ours()
    return {
        **{k: statistics.median(v) for k, v in times.items()},
        "statements": counted[0],
        "differences": check(data, figures),
    }


def run() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    repeats = _int_env("BENCH_REPEATS", 5)
    councils = _int_env("BENCH_TEMPCHECK_COUNCILS", 153)
    history = _int_env("BENCH_TEMPCHECK_HISTORY", 20)
    seed = _int_env("BENCH_TEMPCHECK_SEED", 1)
    _setup_django(url)

    from django.core.management import call_command
    from django.db import connection, transaction

    from msphub.tempcheck.analysis import Scope, analyse
    from msphub.tempcheck.models import Answer

    call_command("migrate", verbosity=0)
    lines = ["## Temperature check (national size, PostgreSQL)", ""]
    results: list[tuple[str, str, dict[str, Any]]] = []
    try:
        with transaction.atomic():
            _say(f"building {councils} councils and {history} earlier rounds")
            started = time.perf_counter()
            rounds = build(councils, history, seed)
            built = time.perf_counter() - started
            # Statistics, as a live database has them (ANALYZE, unlike VACUUM, runs inside the
            # transaction and sees its rows; what it writes is rolled back with them).
            with connection.cursor() as cursor:
                cursor.execute(
                    "ANALYZE tempcheck_respondent, tempcheck_answer, tempcheck_question, "
                    "tempcheck_aggregatecount"
                )
            answers = Answer.objects.count()
            national, later, baseline = rounds["national"], rounds["later"], rounds["baseline"]
            tab = [("recording_changed", "outcomes_asked")]

            _say(f"national round, {repeats} repetitions")
            results.append(
                (
                    f"national round ({councils} councils) compared with the baseline",
                    "national",
                    _against_baseline(
                        lambda: analyse(national, [baseline]),
                        lambda: (
                            baseline_figures([national.pk], crosstabs=tab),
                            baseline_published(baseline.pk),
                        ),
                        lambda data, f: differences(data, f[0], {baseline.slug: f[1]}),
                        repeats,
                    ),
                )
            )
            _say(f"London merged and cut, {repeats} repetitions")
            results.append(
                (
                    "London: the national round's London cut merged with the later round, compared with "
                    "England and the baseline",
                    "london",
                    _against_baseline(
                        lambda: analyse(Scope((national, later), "London"), [national, baseline]),
                        lambda: (
                            baseline_figures([national.pk, later.pk], "London", crosstabs=tab),
                            baseline_figures([national.pk], moderation=None, named=False),
                            baseline_published(baseline.pk),
                        ),
                        lambda data, f: differences(data, f[0], {national.slug: f[1], baseline.slug: f[2]}),
                        repeats,
                    ),
                )
            )
            raise _RollBack
    except _RollBack:
        pass
    lines += [
        f"Data: a national round of {councils} councils (the 2016 instrument, answers drawn with seed "
        f"{seed}), a later London round of 8 councils, the 2014/15 published counts and {history} earlier "
        f"national rounds: {answers:,} answers, built in {built:.1f} s (rolled back after). "
        f"`analysis.analyse` against the hand-written SQL of bench/tempcheck.py, median of {repeats} runs "
        "each after a warm-up, interleaved.",
        "",
        "| scope | baseline median s | msphub median s | ratio | msphub statements | agree |",
        "|---|---:|---:|---:|---:|---|",
    ]
    ratios = {}
    for label, key, t in results:
        ratio = t["msphub"] / t["baseline"] if t["baseline"] else None
        ratios[key] = ratio
        agree = "yes" if not t["differences"] else f"no: {'; '.join(t['differences'][:3])}"
        shown = "n/a" if ratio is None else f"{ratio:.2f}"
        lines.append(
            f"| {label} | {t['baseline']:.3f} | {t['msphub']:.3f} | {shown} | {t['statements']} | {agree} |"
        )

    def ratio_text(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}"

    lines += [
        "",
        f"Ratio temperature check national round: {ratio_text(ratios.get('national'))}",
        f"Ratio temperature check London merged and cut: {ratio_text(ratios.get('london'))}",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
