"""What people wanted and got (msphub/measures/outcomes.py): the figures on a hand-built world, their
reconciliation with SG4a (hand-built and generated), the dashboard section, msp_measures' JSON, the
benchmark file's copy under disclosure control, and the list of outcomes not achieved with its CSV.

"Today" is 15 April 2026, so the dashboard's "Last financial year" is 2025-26 (``PERIOD``).

Riverside's records (FD Front Door, LE Locality East), outcomes as (category, by, achievement)::

    enquiry kind closed      asked      outcomes                                        took part
    E1      s42  10 Jun 2025 expressed  safer/adult/Fully; stop/representative/Not*     home x2, phone
    E2      s42  1 Sep 2025  expressed  safer/adult/Fully (negotiated: law);            advocate
                                        (withdrawn: other/adult/Not)
    E3      s42  1 Nov 2025  expressed  justice/adult/Not* (negotiated: public          -
            (restricted person, FD)     interest)
    E4      s42  1 Dec 2025  No         safer/adult/Fully                               home
    E5      other 1 Jan 2026 expressed  stop/adult/Not                                  -
    E6      s42  1 Dec 2024  expressed  stop/adult/Not (closed before the period)       -
    E8      s42  open        expressed  stop/adult/Not                                  -
    E9      s42  1 Feb 2026  expressed  isolated/representative/Partially (LE)          chose not
    H1      s42  (Hillside)  expressed  stop/adult/Not*                                 -

(* with a note.) Counted: E1, E2, E3 and E9's five active outcomes; SG4a: E1 partially, E2 fully,
E3 not, E9 partially. Advocacy referred in the period and started: E1 2 days, E2 10, E8 4 (open
enquiries count), E9 1; not counted: E9's not started (still waiting), E2's second (not going
ahead), E6's (2024), Hillside's.
"""

import csv
import io
import json
from collections import Counter
from datetime import date, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msphub.accounts.models import Organisation, Team
from msphub.audits import tools
from msphub.audits.models import Audit, AuditAnswer, AuditRound
from msphub.benchmarks import files
from msphub.benchmarks.disclosure import SUPPRESSED
from msphub.core import categories
from msphub.core.imports import ImportRefused
from msphub.core.models import AccessLog
from msphub.core.periods import FinancialYear, Period
from msphub.enquiries.models import AdvocacyReferral, DesiredOutcome, Enquiry
from msphub.measures import measures as m
from msphub.measures import outcomes
from msphub.measures.sac import SacReturn
from tests.conftest import Cast, per_test
from tests.measures_fixtures import EXPRESSED, LONDON, PERIOD, Builder, at

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 4, 15, 12, tzinfo=LONDON)
LAST_YEAR = {"period": "last_year"}
LIST = reverse("measures:outcomes_not_achieved")
LIST_CSV = reverse("measures:outcomes_not_achieved_csv")

SAFER = "Be and feel safer"
STOP = "Stop the abuse or neglect"
JUSTICE = "Justice (an apology, prosecution, disciplinary or other action)"
ISOLATED = "Be less isolated"
FULLY, PARTIALLY, NOT = "Fully Achieved", "Partially Achieved", "Not Achieved"

E1_WORDS = "I want the carers to stop shouting at me"
E1_NOTE = "The provider would not change the carers in time"
E3_WORDS = "I want him to be prosecuted"
E3_NOTE = "The CPS decided not to prosecute"
HILLSIDE_WORDS = "Hillside words Riverside must not see"
AUDIT_QUESTION = "Did the person take part as they wanted?"
AUDIT_TOOL = f"""\
slug: outcomes-test
version: 1
title: Outcomes test tool
meets_standard: 3
scales:
  yes_no:
    - {{value: "yes", label: "Yes", grade: 3}}
    - {{value: "no", label: "No", grade: 1}}
sections:
  - title: Involvement
    questions:
      - {{key: q_took_part, text: "{AUDIT_QUESTION}", scale: yes_no, measure: involved}}
"""


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY):
        yield


def outcome(enquiry, category, achievement, words="I want to feel safe", by="adult", **fields):
    return DesiredOutcome.objects.create(
        enquiry=enquiry,
        words=words,
        category=category,
        expressed_by=by,
        representative_name="Robin Representative" if by == "representative" else "",
        expressed_on=enquiry.started_at.date(),
        achievement=achievement,
        **fields,
    )


def advocacy(enquiry, referred: date, started: date | None):
    return AdvocacyReferral.objects.create(
        enquiry=enquiry, kind="care_act", referred_on=referred, started_on=started
    )


def build_world(cast: Cast):
    from types import SimpleNamespace

    council, fd, le = cast.council, cast.front_door, cast.locality
    b = Builder(council, cast.lead)
    w = SimpleNamespace(cast=cast, council=council, fd=fd, le=le)
    people = [b.person(f"Person{i}") for i in range(8)]
    restricted = b.person("Hidden", restricted=True)

    def enquiry(person, team, closed, msp_asked=EXPRESSED, **kw):
        return b.enquiry(person, team, closed, 20, 2, msp_asked=msp_asked, **kw)

    w.e1 = enquiry(people[0], fd, at(2025, 6, 10), took_part=("home", "home", "phone_video"))
    outcome(w.e1, SAFER, FULLY)
    w.o_e1 = outcome(w.e1, STOP, NOT, E1_WORDS, by="representative", achievement_note=E1_NOTE)
    w.e2 = enquiry(people[1], le, at(2025, 9, 1), took_part=("advocate",))
    outcome(w.e2, SAFER, FULLY, negotiated_outcome="Stay at home with a key safe", negotiated_reason="law")
    outcome(w.e2, "Other", NOT, withdrawn_on=date(2025, 8, 20), withdrawn_reason="Changed their mind")
    w.e3 = enquiry(restricted, fd, at(2025, 11, 1))
    w.o_e3 = outcome(
        w.e3,
        JUSTICE,
        NOT,
        E3_WORDS,
        achievement_note=E3_NOTE,
        negotiated_outcome="A police caution",
        negotiated_reason="public_interest",
    )
    w.e4 = enquiry(people[2], fd, at(2025, 12, 1), msp_asked="No", took_part=("home",))
    outcome(w.e4, SAFER, FULLY)
    w.e5 = enquiry(people[3], fd, at(2026, 1, 1), kind="other")
    outcome(w.e5, STOP, NOT)
    w.e6 = enquiry(people[4], fd, at(2024, 12, 1))
    outcome(w.e6, STOP, NOT)
    w.e8 = enquiry(people[5], fd, None, status=Enquiry.Status.OPEN, started_at=at(2025, 6, 1))
    outcome(w.e8, STOP, NOT)
    w.e9 = enquiry(people[6], le, at(2026, 2, 1), took_part=("chose_not",))
    outcome(w.e9, ISOLATED, PARTIALLY, by="representative")

    advocacy(w.e1, date(2025, 5, 1), date(2025, 5, 3))
    advocacy(w.e2, date(2025, 6, 1), date(2025, 6, 11))
    advocacy(w.e8, date(2025, 7, 1), date(2025, 7, 5))
    advocacy(w.e9, date(2026, 1, 5), date(2026, 1, 6))
    advocacy(w.e9, date(2026, 1, 10), None)
    AdvocacyReferral.objects.create(
        enquiry=w.e2,
        kind="imca",
        referred_on=date(2025, 7, 1),
        not_going_ahead_on=date(2025, 7, 10),
        not_going_ahead_reason="The person declined it",
    )
    advocacy(w.e6, date(2024, 11, 1), date(2024, 11, 20))

    # A case file audit completed in the period, its graded question shedding light on "involved".
    tool = tools.load(AUDIT_TOOL)
    audit_round = AuditRound.objects.create(
        council=council,
        slug="riverside-outcomes",
        title="Outcomes",
        tool=tool,
        rule=AuditRound.Rule.PER_TEAM_MONTH,
        period_start=date(2025, 4, 1),
        period_end=date(2025, 4, 30),
        as_at=date(2025, 4, 30),
        seed="s",
        created_by=cast.lead,
        status=AuditRound.Status.OPEN,
    )
    question = tool.questions.get()
    for position, (enquiry, value, grade) in enumerate(((w.e1, "yes", 3), (w.e2, "no", 1)), start=1):
        audit = Audit.objects.create(
            audit_round=audit_round,
            concern=enquiry.concern,
            enquiry=enquiry,
            person=enquiry.person,
            team=enquiry.team,
            position=position,
            auditor=cast.lead,
            status=Audit.Status.COMPLETED,
            completed_at=at(2025, 10, position),
        )
        AuditAnswer.objects.create(audit=audit, question=question, value=value, grade=grade)

    hillside = Builder(cast.other_council, cast.other_council_user)
    w.h1 = hillside.enquiry(
        hillside.person("Hilda", council=cast.other_council),
        None,
        at(2025, 7, 1),
        20,
        2,
        msp_asked=EXPRESSED,
        council=cast.other_council,
    )
    outcome(w.h1, STOP, NOT, HILLSIDE_WORDS, achievement_note="Hillside note")
    advocacy(w.h1, date(2025, 6, 1), date(2025, 9, 1))
    return w


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker):
    with django_db_blocker.unblock(), time_machine.travel(TODAY):
        return build_world(Cast())


@pytest.fixture
def world(world_once, db):
    # The test's own copy: a persona the world did not need is made in the test's copy only.
    return per_test(world_once)


def riverside(w, **kw) -> m.Filters:
    return m.Filters(PERIOD, w.council, **kw)


def row(category: str, expressed: int = 0, fully: int = 0, partially: int = 0, not_: int = 0) -> dict:
    return {"category": category, "expressed": expressed, "fully": fully, "partially": partially, "not": not_}


EXPECTED_BY_CATEGORY = {
    SAFER: row(SAFER, 2, fully=2),
    STOP: row(STOP, 1, not_=1),
    JUSTICE: row(JUSTICE, 1, not_=1),
    ISOLATED: row(ISOLATED, 1, partially=1),
}


# --- The figures -------------------------------------------------------------------------------------


def test_outcomes_by_category(world):
    rows = outcomes.outcomes_by_category(riverside(world))
    # Every category, in the list's order, those with nothing too.
    assert [r["category"] for r in rows] == categories.labels(categories.DESIRED_OUTCOME_CATEGORY)
    assert rows == [EXPECTED_BY_CATEGORY.get(r["category"], row(r["category"])) for r in rows]


def test_achievement_by_category_as_percentages(world):
    rows = outcomes.achievement_by_category(outcomes.outcomes_by_category(riverside(world)))
    assert [r["category"] for r in rows] == [SAFER, STOP, JUSTICE, ISOLATED]
    safer = rows[0]
    assert (safer["fully_percent"], safer["partially_percent"], safer["not_percent"]) == (100.0, 0.0, 0.0)
    assert all(r["not_graded"] == 0 for r in rows)


def test_who_expressed_them_and_negotiated(world):
    figures = outcomes.who_and_negotiated(riverside(world))
    assert figures["outcomes"] == 5
    assert figures["by_who"] == [
        {"expressed_by": "The adult", "outcomes": 3, "percent": 60.0},
        {"expressed_by": "Their representative", "outcomes": 2, "percent": 40.0},
    ]
    assert (figures["negotiated"], figures["negotiated_percent"]) == (2, 40.0)
    assert figures["reasons"] == [
        {"reason": "The law", "outcomes": 1},
        {"reason": "Other people's safety", "outcomes": 0},
        {"reason": "The public interest", "outcomes": 1},
    ]


def test_involvement_by_how_the_person_took_part(world):
    figures = outcomes.involvement(riverside(world))
    # E1, E2, E3, E4 and E9: the section 42 enquiries concluded in the period, expressed or not.
    assert figures["enquiries"] == 5
    by_way = {r["participation"]: r["enquiries"] for r in figures["by_way"]}
    # E1 took part at home twice and by phone: once under each way.
    assert by_way == {
        "In person, at home": 2,
        "In person, somewhere else": 0,
        "By phone or video": 1,
        "Through a representative": 0,
        "Through an advocate": 1,
        "Chose not to take part": 1,
        "Did not take part (for example a professionals' meeting)": 0,
    }
    assert (figures["none_recorded"], figures["none_recorded_percent"]) == (1, 20.0)  # E3


def test_advocacy_days(world):
    # 1, 2, 4 and 10 days: the median the mean of the middle two, the 90th the nearest rank (4th).
    assert outcomes.advocacy_days(riverside(world)) == {"median": 3.0, "p90": 10.0, "n": 4}
    # One team: E2 (10 days) and E9 (1 day).
    assert outcomes.advocacy_days(riverside(world, team_id=world.le.pk)) == {
        "median": 5.5,
        "p90": 10.0,
        "n": 2,
    }


def test_referrals_still_waiting_are_counted_with_the_waits(world, django_assert_max_num_queries):
    # E9's second referral: not started, not marked not going ahead. E2's not going ahead: not waiting.
    # One on PostgreSQL; on SQLite a count, a query for each figure and one for the counts.
    with django_assert_max_num_queries(4):
        figures, waiting = outcomes.advocacy_days_and_waiting(riverside(world))
    assert (figures, waiting) == ({"median": 3.0, "p90": 10.0, "n": 4}, 1)
    assert outcomes.advocacy_days_and_waiting(riverside(world, team_id=world.fd.pk))[1] == 0
    assert outcomes.outcome_figures(riverside(world)).advocacy_waiting == 1
    # Only those referred in the period.
    nothing = m.Filters(Period(date(2023, 4, 1), date(2023, 6, 30)), world.council)
    assert outcomes.advocacy_days_and_waiting(nothing)[1] == 0


def test_advocacy_days_without_any_started(world):
    nothing = m.Filters(Period(date(2023, 4, 1), date(2023, 6, 30)), world.council)
    assert outcomes.advocacy_days(nothing) == {"median": None, "p90": None, "n": 0}


def test_the_team_filter_narrows_the_outcomes(world):
    rows = outcomes.outcomes_by_category(riverside(world, team_id=world.le.pk))
    assert [r for r in rows if r["expressed"]] == [row(SAFER, 1, fully=1), row(ISOLATED, 1, partially=1)]


def test_england_counts_every_council(world):
    england = m.Filters(PERIOD)
    rows = {r["category"]: r for r in outcomes.outcomes_by_category(england)}
    assert rows[STOP] == row(STOP, 2, not_=2)  # E1's and Hillside's
    assert outcomes.advocacy_days(england)["n"] == 5


def test_the_figures_take_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    # Three on PostgreSQL; on SQLite the percentiles take a count and a query each.
    with django_assert_max_num_queries(6):
        outcomes.outcome_figures(riverside(world))


def test_outcomes_and_who_reads_the_outcomes_once(world, django_assert_num_queries):
    filters = riverside(world)
    with django_assert_num_queries(1):
        both = outcomes.outcomes_and_who(filters)
    assert both == (outcomes.outcomes_by_category(filters), outcomes.who_and_negotiated(filters))


def test_queries_do_not_grow_with_the_records(world, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            outcomes.outcome_figures(riverside(world))
        return len(ctx.captured_queries)

    before = count()
    b = Builder(world.council, world.cast.lead)
    for i in range(6):
        enquiry = b.enquiry(b.person(f"More{i}"), world.fd, at(2025, 10, 1 + i), 20, 2, msp_asked=EXPRESSED)
        outcome(enquiry, categories.labels(categories.DESIRED_OUTCOME_CATEGORY)[i], NOT)
        advocacy(enquiry, date(2025, 9, 1), date(2025, 9, 2 + i))
    assert count() == before


# --- Reconciliation with SG4a ------------------------------------------------------------------------


def folded(counted: list[tuple[int, str]]) -> Counter:
    """SG4a's rule (``categories.overall_achievement``, the one the enquiry's own closure uses)
    applied to each enquiry's counted outcomes (docs/measures.md)."""
    by_enquiry: dict[int, list[str]] = {}
    for enquiry_id, achievement in counted:
        by_enquiry.setdefault(enquiry_id, []).append(achievement)
    return Counter(categories.overall_achievement(levels) for levels in by_enquiry.values())


def test_the_fold_counts_an_ungraded_outcome_as_partially():
    # Fully and ungraded: not every outcome fully achieved, nor none achieved.
    assert folded([(1, FULLY), (1, ""), (2, NOT), (3, "")]) == {PARTIALLY: 2, NOT: 1}


def assert_reconciles(year: FinancialYear, council) -> None:
    filters = m.Filters(year, council)
    sac = SacReturn(year, council)
    sg4a = {cell["row"]: cell["count"] for cell in sac.build()["tables"]["SG4a"]}
    counted = list(outcomes.counted_outcomes(filters).values_list("enquiry_id", "achievement"))
    # Every outcome counted belongs to an enquiry SG4a counts as expressed.
    expressed = set(sac.concluded().filter(msp_asked=EXPRESSED).values_list("pk", flat=True))
    assert {enquiry_id for enquiry_id, _ in counted} <= expressed
    # The categories add up to the outcomes counted, and their grades to the outcomes graded.
    by_category = outcomes.outcomes_by_category(filters)
    assert sum(r["expressed"] for r in by_category) == len(counted)
    for key, level in outcomes.LEVELS.items():
        assert sum(r[key] for r in by_category) == sum(1 for _, a in counted if a == level)
    # Folding each enquiry's counted outcomes gives exactly SG4a's achievement cells.
    cells = folded(counted)
    assert {level: sg4a.get(level, 0) for level in (FULLY, PARTIALLY, NOT)} == {
        level: cells[level] for level in (FULLY, PARTIALLY, NOT)
    }


def test_category_counts_reconcile_with_sg4a(world):
    assert_reconciles(FinancialYear.parse("2025-26"), world.council)
    assert folded(outcomes.counted_outcomes(riverside(world)).values_list("enquiry_id", "achievement")) == {
        FULLY: 1,
        PARTIALLY: 2,
        NOT: 1,
    }


# Not sharing the world: a generated year of its own, before the world exists (conftest's order).
def test_category_counts_reconcile_with_sg4a_on_generated_data():
    from msphub.accounts.models import Organisation
    from msphub.demo.synthetic import generate

    year = FinancialYear.parse("2024-25")
    generate(councils=2, concerns=300, year=year, seed=11)
    councils = list(Organisation.objects.filter(kind="council"))
    assert councils
    for council in [*councils, None]:
        assert_reconciles(year, council)
    assert outcomes.counted_outcomes(m.Filters(year)).exists()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.lists(st.tuples(st.sampled_from([FULLY, PARTIALLY, NOT, ""]), st.booleans()), max_size=4),
        min_size=1,
        max_size=6,
    )
)
def test_the_database_rule_is_the_python_rule(world, outcomes_by_enquiry):
    """SG4a's achievement in SQL (``measures.overall_achievement``, what the return and the measures
    count) against the Python rule (``categories.overall_achievement``), for generated outcomes:
    graded, ungraded ("") and withdrawn (True: left out by both), on real enquiries."""
    enquiries = [world.e1, world.e2, world.e3, world.e4, world.e5, world.e9][: len(outcomes_by_enquiry)]
    with transaction.atomic():
        DesiredOutcome.objects.filter(enquiry__in=enquiries).delete()
        for enquiry, generated in zip(enquiries, outcomes_by_enquiry, strict=True):
            for level, withdrawn in generated:
                gone = {"withdrawn_on": date(2025, 8, 1), "withdrawn_reason": "Changed their mind"}
                outcome(enquiry, SAFER, level, **(gone if withdrawn else {}))
        in_sql = dict(
            m.overall_achievement(Enquiry.objects.filter(pk__in=[e.pk for e in enquiries])).values_list(
                "pk", "achievement"
            )
        )
        transaction.set_rollback(True)
    in_python = {
        enquiry.pk: categories.overall_achievement([level for level, withdrawn in generated if not withdrawn])
        or ""  # no active outcome: None in Python, "" in SQL
        for enquiry, generated in zip(enquiries, outcomes_by_enquiry, strict=True)
    }
    assert in_sql == in_python


# --- msp_measures ------------------------------------------------------------------------------------


def test_msp_measures_json_has_the_new_keys(world):
    out = StringIO()
    call_command(
        "msp_measures", "--from", "2025-04-01", "--to", "2026-03-31", "--council", "E06000901", stdout=out
    )
    result = json.loads(out.getvalue())
    assert {"outcomes_by_category", "advocacy_days"} <= set(result)
    assert all(
        set(r) == {"category", "expressed", "fully", "partially", "not"}
        for r in result["outcomes_by_category"]
    )
    assert {
        r["category"]: r for r in result["outcomes_by_category"] if r["expressed"]
    } == EXPECTED_BY_CATEGORY
    assert result["advocacy_days"] == {"median": 3.0, "p90": 10.0, "n": 4}


# --- The dashboard -----------------------------------------------------------------------------------


def section(text: str) -> str:
    return text[text.index('id="wanted"') : text.index('id="audits"')]


@pytest.mark.parametrize("role", ["lead", "board_viewer"])
def test_dashboard_shows_what_people_wanted_and_got(client, world, role):
    client.force_login(getattr(world.cast, role))
    response = client.get(reverse("measures:dashboard"), LAST_YEAR)
    assert response.status_code == 200
    text = section(response.content.decode())
    assert "What people wanted and got" in text
    assert "5 outcomes" in text
    assert "Desired outcomes by category" in text and "Be less isolated" in text
    assert "2 (100.0%)" in text  # Be and feel safer: both fully achieved
    assert "Their representative" in text and "The public interest" in text
    assert "Negotiated: 2 of 5 (40.0%)" in text
    assert "Through an advocate" in text and "No contact or meeting recorded" in text
    assert "median 3.0, 90th percentile 10.0 (4 referrals" in text
    # Aggregates only: nobody's words, no references.
    for words in (E1_WORDS, E3_WORDS, HILLSIDE_WORDS, world.e1.reference):
        assert words not in text
    # The list of outcomes not achieved is linked only for those who may open it.
    assert ("Outcomes not achieved, with their notes" in text) is (role == "lead")


def test_dashboard_shows_referrals_still_waiting(client, world):
    client.force_login(world.cast.lead)
    text = section(client.get(reverse("measures:dashboard"), LAST_YEAR).content.decode())
    assert "(4 referrals made in the period that started); 1 still waiting" in text
    text = section(
        client.get(reverse("measures:dashboard"), {**LAST_YEAR, "team": world.fd.pk}).content.decode()
    )
    assert "still waiting" not in text


def test_the_dashboards_link_to_the_list_carries_the_period_and_team(client, world):
    client.force_login(world.cast.lead)
    text = section(
        client.get(reverse("measures:dashboard"), {**LAST_YEAR, "team": world.fd.pk}).content.decode()
    )
    assert f'href="{LIST}?period=last_year&amp;team={world.fd.pk}"' in text
    # The list has no partner filter: with one on the dashboard, no link (it would list more).
    partner = Organisation.objects.create(name="Outcomes Test Police", kind=Organisation.Kind.POLICE)
    partner.councils.add(world.council)
    text = section(
        client.get(reverse("measures:dashboard"), {**LAST_YEAR, "partner": partner.pk}).content.decode()
    )
    assert "Outcomes not achieved, with their notes" not in text


def test_case_file_audits_follow_the_team_filter(client, world):
    """Filtered by team, the audits are that team's (E1's audit, Front Door: met; E2's, Locality
    East: not), beside the measures and in their own section, said so: never the council's figure in
    a team's row."""
    client.force_login(world.cast.board_viewer)
    for team, line in ((world.fd, "1 of 1 graded file met"), (world.le, "0 of 1 graded file met")):
        text = client.get(reverse("measures:dashboard"), {**LAST_YEAR, "team": team.pk}).content.decode()
        measures_table = text[text.index('id="measures"') : text.index('id="timeliness"')]
        assert f"Case file audits: {line} the standard" in measures_table
        audits = text[text.index('id="audits"') : text.index('id="not-enquiries"')]
        assert f"Audits of {team.name}'s enquiries (the team when sampled) only" in audits
        assert "1 case file audit completed" in audits


def test_dashboard_shows_case_file_audits_beside_the_measures(client, world):
    client.force_login(world.cast.board_viewer)
    text = client.get(reverse("measures:dashboard"), LAST_YEAR).content.decode()
    measures_table = text[text.index('id="measures"') : text.index('id="timeliness"')]
    assert f"Case file audits: 1 of 2 graded files met the standard on “{AUDIT_QUESTION}”" in measures_table
    audits = text[text.index('id="audits"') : text.index('id="not-enquiries"')]
    assert "What case file audits found" in audits and "2 case file audits completed" in audits
    # This year: no audit yet.
    text = client.get(reverse("measures:dashboard")).content.decode()
    assert "Case file audits:" not in text and "No case file audits were completed" in text


def test_dashboard_pdf_has_the_section(client, world, monkeypatch):
    """The PDF prints the same section (its layout is test_dashboard_views's: here only the HTML
    WeasyPrint is given, not laid out, to keep this module quick)."""
    from weasyprint import HTML

    from msphub.core import downloads

    printed: list[str] = []

    def kept(*args, **kwargs) -> str:
        printed.append(render_to_string(*args, **kwargs))
        return printed[-1]

    render_to_string = downloads.render_to_string
    monkeypatch.setattr(downloads, "render_to_string", kept)
    monkeypatch.setattr(HTML, "write_pdf", lambda self, *args, **kwargs: b"%PDF-1.7\n")
    client.force_login(world.cast.lead)
    response = client.get(reverse("measures:dashboard_pdf"), LAST_YEAR)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = section(printed[0])
    assert "Desired outcomes by category" in text and "Negotiated: 2 of 5 (40.0%)" in text
    assert "What case file audits found" in printed[0] and "Case file audits: 1 of 2" in printed[0]


def test_dashboard_section_without_outcomes(client, world):
    client.force_login(world.cast.lead)
    text = section(client.get(reverse("measures:dashboard")).content.decode())  # this year: none yet
    assert "No desired outcomes were recorded" in text
    assert "No advocacy referral made in the period has started" in text


# --- The benchmark file ------------------------------------------------------------------------------


def test_benchmark_file_carries_the_figures_under_disclosure_control(world):
    data = files.build_benchmark(FinancialYear.parse("2025-26"), world.council)
    rows = {r["category"]: r for r in data["outcomes_by_category"]}
    assert list(rows) == categories.labels(categories.DESIRED_OUTCOME_CATEGORY)
    assert rows[SAFER] == {
        "category": SAFER,
        **dict.fromkeys(["expressed", "fully", "partially", "not"], SUPPRESSED),
    }
    # Four referrals: too few to publish a median or a 90th percentile.
    assert data["advocacy_days"] == {"median": SUPPRESSED, "p90": SUPPRESSED, "n": SUPPRESSED}
    parsed = files.validate("riverside.json", json.loads(files.to_json(data)))
    assert ("outcomes", SAFER, "expressed", None) in parsed.cells
    assert parsed.advocacy_days == (None, None, None)


def test_advocacy_days_published_median_from_five_and_p90_from_ten_referrals():
    # From 5 to 9 the 90th percentile (the nearest rank) is the single longest wait: not published.
    assert files.publish_advocacy_days({"median": 3.5, "p90": 12.0, "n": 7}) == {
        "median": 3.5,
        "p90": SUPPRESSED,
        "n": 5,
    }
    assert files.publish_advocacy_days({"median": 3.5, "p90": 12.0, "n": 9})["p90"] == SUPPRESSED
    assert files.publish_advocacy_days({"median": 3.5, "p90": 12.0, "n": 10}) == {
        "median": 3.5,
        "p90": 12.0,
        "n": 10,
    }
    assert files.publish_advocacy_days({"median": 3.5, "p90": 12.0, "n": 4})["median"] == SUPPRESSED
    assert files.publish_advocacy_days({"median": None, "p90": None, "n": 0}) == {
        "median": SUPPRESSED,
        "p90": SUPPRESSED,
        "n": SUPPRESSED,
    }


def published_file(world) -> dict:
    return json.loads(files.to_json(files.build_benchmark(FinancialYear.parse("2025-26"), world.council)))


def test_the_disclosure_note_states_the_advocacy_thresholds():
    assert "median days from advocacy referral to start is shown only from 5" in files.DISCLOSURE_NOTE
    assert "90th percentile only from 10" in files.DISCLOSURE_NOTE


def test_an_older_file_without_them_is_read(world):
    data = published_file(world)
    assert data["version"] == 3
    data["version"] = 2
    del data["outcomes_by_category"], data["advocacy_days"]
    parsed = files.validate("older.json", data)
    assert parsed.advocacy_days is None
    assert not [cell for cell in parsed.cells if cell[0] == "outcomes"]


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda d: d["outcomes_by_category"][0].update(expressed=3), "was disclosure control applied"),
        (lambda d: d["outcomes_by_category"].pop(), "missing (every one is given)"),
        (lambda d: d["outcomes_by_category"][0].update(category="Be happy"), "unknown category"),
        (lambda d: d["outcomes_by_category"].append(dict(d["outcomes_by_category"][0])), "appears twice"),
        (lambda d: d["outcomes_by_category"][0].pop("not"), "'not' is missing"),
        (lambda d: d.update(outcomes_by_category={}), "expected a list"),
        (lambda d: d["advocacy_days"].update(median=3.0), "as n is suppressed"),
        (lambda d: d["advocacy_days"].update(n=10, median=-1, p90=4), "a number of days from 0"),
        (lambda d: d["advocacy_days"].update(n=10, median=9, p90=4), "more than the 90th percentile"),
        (lambda d: d["advocacy_days"].update(n=10, median="3", p90=4), "a number of days"),
        (lambda d: d["advocacy_days"].pop("p90"), "'p90' is missing"),
        # n 5 is 5 to 7 started: too few for a 90th percentile; n 15 is 13 or more: it is given.
        (lambda d: d["advocacy_days"].update(n=5, median=3, p90=9), "fewer than 10 referrals started"),
        (lambda d: d["advocacy_days"].update(n=15, median=3, p90=SUPPRESSED), "a number of days"),
        (lambda d: d["advocacy_days"].update(n=15, median=SUPPRESSED, p90=9), "a number of days"),
        (lambda d: d.update(version=2), "new in version 3; a version 2 file does not carry it"),
    ],
)
def test_a_malformed_file_is_refused(world, change, problem):
    data = published_file(world)
    change(data)
    with pytest.raises(ImportRefused) as refused:
        files.validate("bad.json", data)
    assert any(problem in p for p in refused.value.problems), refused.value.problems


def test_the_importer_keeps_them_and_takes_older_files(world):
    from msphub.benchmarks.importer import Upload, import_files
    from msphub.benchmarks.models import BenchmarkCell

    data = published_file(world)
    data["advocacy_days"] = {"median": 3.5, "p90": 12, "n": 10}
    older = published_file(world)
    older["council"] = {"ons_code": "E06000999", "name": "Older Council", "region": "North West"}
    del older["outcomes_by_category"], older["advocacy_days"]
    older["version"] = 2
    new, old = import_files(
        [Upload("new.json", json.dumps(data).encode()), Upload("old.json", json.dumps(older).encode())],
        imported_by_name="test",
    )
    assert new.advocacy_days == {"median": 3.5, "p90": 12.0, "n": 10}
    assert old.advocacy_days is None
    assert (new.format_version, old.format_version) == (3, 2)
    outcome_cells = BenchmarkCell.objects.filter(table_id=files.OUTCOMES_TABLE)
    assert outcome_cells.filter(submission=new).count() == 4 * len(outcomes.CATEGORIES)
    assert not outcome_cells.filter(submission=old).exists()


def test_a_published_median_is_read(world):
    data = published_file(world)
    data["advocacy_days"] = {"median": 3.5, "p90": 12, "n": 10}
    assert files.validate("good.json", data).advocacy_days == (3.5, 12.0, 10)
    # n 10 is 8 to 12 started: the 90th percentile may be published or not.
    data["advocacy_days"] = {"median": 3.5, "p90": SUPPRESSED, "n": 10}
    assert files.validate("good.json", data).advocacy_days == (3.5, None, 10)
    data["advocacy_days"] = {"median": 3.5, "p90": SUPPRESSED, "n": 5}
    assert files.validate("good.json", data).advocacy_days == (3.5, None, 5)


# --- Outcomes not achieved -----------------------------------------------------------------------------


def listed(client, user, query=None):
    client.force_login(user)
    return client.get(LIST, {**LAST_YEAR, **(query or {})})


def test_the_lead_lists_the_councils_outcomes_not_achieved(client, world):
    response = listed(client, world.cast.lead)
    assert response.status_code == 200
    text = response.content.decode()
    # Most recently closed first; the restricted person's too, for the lead.
    assert text.index(world.e3.reference) < text.index(world.e1.reference)
    for shown in (E1_WORDS, E1_NOTE, E3_WORDS, E3_NOTE, "2 outcomes not achieved", "10 Jun 2025"):
        assert shown in text
    assert reverse("enquiries:detail", args=[world.e1.reference]) in text
    # Not counted (another kind, an earlier year, still open, another council): not listed.
    for reference in (world.e5.reference, world.e6.reference, world.e8.reference, world.h1.reference):
        assert reference not in text
    assert HILLSIDE_WORDS not in text
    assert "Download the list (CSV)" in text


def test_each_enquiry_shown_is_access_logged(client, world):
    listed(client, world.cast.lead)
    logged = set(AccessLog.objects.filter(user=world.cast.lead).values_list("record_reference", "page"))
    assert logged == {(world.e1.reference, LIST), (world.e3.reference, LIST)}


def test_a_team_manager_lists_their_teams_and_not_restricted_people(client, world):
    text = listed(client, world.cast.manager).content.decode()
    assert E1_WORDS in text and "1 outcome not achieved" in text
    assert E3_WORDS not in text  # restricted, and the manager is not named on it
    assert "Download the list (CSV)" not in text
    text = listed(client, world.cast.locality_manager).content.decode()
    assert "0 outcomes not achieved" in text and E1_WORDS not in text


def test_another_councils_lead_sees_only_their_own(client, world):
    text = listed(client, world.cast.other_council_user).content.decode()
    assert HILLSIDE_WORDS in text
    assert E1_WORDS not in text and E3_WORDS not in text


@pytest.mark.parametrize("role", ["practitioner", "board_viewer", "partner_referrer"])
def test_others_get_404(client, world, role):
    assert listed(client, getattr(world.cast, role)).status_code == 404
    assert client.get(LIST_CSV, LAST_YEAR).status_code == 404


def test_the_lead_filters_the_list_by_team(client, world):
    response = listed(client, world.cast.lead, {"team": world.fd.pk})
    text = response.content.decode()
    assert E1_WORDS in text and E3_WORDS in text and "2 outcomes not achieved" in text
    assert f"{world.council}: {world.fd.name}&#x27;s enquiries" in text
    text = listed(client, world.cast.lead, {"team": world.le.pk}).content.decode()
    assert "0 outcomes not achieved" in text and E1_WORDS not in text and "None in this list." in text
    text = listed(client, world.cast.lead).content.decode()
    assert f"{world.council}: Every team&#x27;s enquiries" in text


def test_a_team_manager_stays_on_their_own_team(client, world):
    # Asking for another team changes nothing: the manager has no team filter.
    text = listed(client, world.cast.manager, {"team": world.le.pk}).content.decode()
    assert E1_WORDS in text and "1 outcome not achieved" in text
    assert f"{world.council}: {world.fd.name}&#x27;s enquiries" in text
    assert 'name="team"' not in text


def test_another_councils_team_is_not_a_choice(client, world):
    hillside_team = Team.objects.create(organisation=world.cast.other_council, name="Hillside Hub")
    text = listed(client, world.cast.lead, {"team": hillside_team.pk}).content.decode()
    assert "Select a team from the list" in text
    assert "2 outcomes not achieved" in text  # the valid period still applies: every team


def test_an_invalid_category_keeps_the_valid_period(client, world):
    response = listed(client, world.cast.lead, {"category": "Be happy"})  # period last_year: valid
    text = response.content.decode()
    assert "There is a problem" in text and "Select a category from the list" in text
    assert "Last financial year" in text and "2 outcomes not achieved" in text


def test_filter_by_category(client, world):
    text = listed(client, world.cast.lead, {"category": JUSTICE}).content.decode()
    assert E3_WORDS in text and E1_WORDS not in text


@pytest.mark.parametrize(
    "query",
    [
        {"category": "Be happy"},
        {"period": "next_year"},
        {"period": "<script>"},
        {"page": "abc"},
        {"page": "999"},
    ],
    ids=str,
)
def test_invalid_filters_are_shown_not_failed(client, world, query):
    response = listed(client, world.cast.lead, query)
    assert response.status_code == 200
    text = response.content.decode()
    if "page" not in query:
        assert "There is a problem" in text and "from the list" in text
    assert "<script>" not in text.split("</header>")[-1] or "&lt;script&gt;" in text


def test_the_list_is_paginated_in_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.cast.lead)
    with django_assert_max_num_queries(30) as small:
        client.get(LIST, LAST_YEAR)
    for i in range(30):
        outcome(world.e1, STOP, NOT, f"More words {i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        text = client.get(LIST, LAST_YEAR).content.decode()
    assert "32 outcomes not achieved" in text and "Page 1 of 2" in text
    assert "Page 2 of 2" in client.get(LIST, {**LAST_YEAR, "page": 2}).content.decode()


def test_the_csv_is_the_leads_and_logged(client, world):
    client.force_login(world.cast.lead)
    response = client.get(LIST_CSV, LAST_YEAR)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv") and "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Enquiry reference",
        "Category",
        "What the person wanted, in their own words",
        "Achievement",
        "Note on the achievement",
        "Closed",
    ]
    assert rows[1:] == [
        [world.e3.reference, JUSTICE, E3_WORDS, NOT, E3_NOTE, "2025-11-01"],
        [world.e1.reference, STOP, E1_WORDS, NOT, E1_NOTE, "2025-06-10"],
    ]
    logged = set(
        AccessLog.objects.filter(user=world.cast.lead, page=LIST_CSV).values_list(
            "record_reference", flat=True
        )
    )
    assert logged == {world.e1.reference, world.e3.reference}


def test_the_csv_is_spreadsheet_safe(client, world):
    outcome(world.e1, STOP, NOT, '=HYPERLINK("http://example.org")')
    client.force_login(world.cast.lead)
    text = client.get(LIST_CSV, LAST_YEAR).content.decode()
    assert "'=HYPERLINK" in text


@pytest.mark.parametrize("role", ["manager", "other_council_user"])
def test_a_team_manager_cannot_download_the_csv(client, world, role):
    client.force_login(getattr(world.cast, role))
    expected = 200 if role == "other_council_user" else 404  # Hillside's lead: their own council's
    assert client.get(LIST_CSV, LAST_YEAR).status_code == expected
    if expected == 200:
        assert E1_WORDS not in client.get(LIST_CSV, LAST_YEAR).content.decode()


def test_nothing_changes_on_get_but_the_log(client, world):
    before = DesiredOutcome.objects.count(), Enquiry.objects.count()
    listed(client, world.cast.lead)
    assert (DesiredOutcome.objects.count(), Enquiry.objects.count()) == before
    assert client.post(LIST).status_code == 405
