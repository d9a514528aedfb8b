"""Moderation agreement and audit results (msphub/audits/results.py), on a hand-built round.

A small tool (``TOOL``): ``q_quality`` on a four-grade scale, ``q_yes`` yes/no, ``q_words`` free
text; meets_standard 3 (good, or yes). Riverside's round (FD Front Door, LOC Locality)::

    audit team completed (London)   q_quality     q_yes           moderated by (completed)
    A1    FD   10 May 2025          good (3)      yes (3)         M1: good, no
    A2    FD   20 May 2025          inadequate(1) no (1)          M2: inadequate, no
    A3    LOC  00:30 1 June 2025    outstanding   not applicable  M3: good, not applicable
    A4    LOC  in progress          good          -               M4 (completed; A4 is not)

Hillside has one completed audit (H1, good/yes) that Riverside's figures must never count.
Learning actions: on A1 open (due next year), on A2 open (due last year: overdue), on M1 done,
on A4 open (A4 is not completed, so not counted).
"""

from datetime import date, timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from msphub.accounts.models import Role, User
from msphub.audits import results, tools
from msphub.audits.models import Audit, AuditAnswer, AuditRound, LearningAction
from msphub.enquiries.models import Enquiry
from tests.conftest import Cast
from tests.measures_fixtures import Builder, at

pytestmark = pytest.mark.django_db

TOOL = """\
slug: results-test
version: 1
title: Results test tool
meets_standard: 3
scales:
  quality:
    - {value: outstanding, label: Outstanding, grade: 4}
    - {value: good, label: Good, grade: 3}
    - {value: requires_improvement, label: Requires improvement, grade: 2}
    - {value: inadequate, label: Inadequate, grade: 1}
    - {value: not_applicable, label: Not applicable, grade: null}
  yes_no:
    - {value: "yes", label: "Yes", grade: 3}
    - {value: "no", label: "No", grade: 1}
    - {value: not_applicable, label: Not applicable, grade: null}
sections:
  - title: The work
    questions:
      - {key: q_quality, text: "How good was the work?", scale: quality, measure: involved}
      - {key: q_yes, text: "Was the person asked?", scale: yes_no, measure: asked_about_outcomes}
      - {key: q_words, text: "What worked well?"}
"""


class World:
    pass


def _build() -> World:
    cast = Cast()
    w = World()
    w.council, w.other = cast.council, cast.other_council
    w.fd, w.loc, w.lead = cast.front_door, cast.locality, cast.lead
    w.police = cast.police
    w.auditor = User.objects.create_user(
        username="aziz_auditor", password="x", organisation=w.council, role=Role.CASE_FILE_AUDITOR
    )
    w.tool = tools.load(TOOL)
    w.questions = {q.key: q for q in w.tool.questions.all()}
    w.round = _round(w, w.council, "riverside-spring", w.lead)
    b = Builder(w.council, w.lead)
    w.audits = {}

    def audit(label, team, completed_at, answers, position=0, moderates=None, audit_round=None, builder=b):
        if moderates is None:
            e = builder.enquiry(
                builder.person(label), team, None, 0, 1, status=Enquiry.Status.OPEN, started_at=at(2025, 4, 2)
            )
            concern, enquiry, person = e.concern, e, e.person
        else:
            concern, enquiry, person = moderates.concern, moderates.enquiry, moderates.person
        a = Audit.objects.create(
            audit_round=audit_round or w.round,
            concern=concern,
            enquiry=enquiry,
            person=person,
            team=team,
            position=position or moderates.position,
            moderates=moderates,
            auditor=w.auditor,
            status=Audit.Status.COMPLETED if completed_at else Audit.Status.IN_PROGRESS,
            completed_at=completed_at,
        )
        for key, value in answers.items():
            q = w.questions[key]
            grade = next((o["grade"] for o in q.scale if o["value"] == value), None)
            AuditAnswer.objects.create(
                audit=a,
                question=q,
                value=value if q.scale else "",
                grade=grade,
                comment="" if q.scale else value,
            )
        w.audits[label] = a
        return a

    a1 = audit("A1", w.fd, at(2025, 5, 10), {"q_quality": "good", "q_yes": "yes", "q_words": "Clear plan"}, 1)
    a2 = audit("A2", w.fd, at(2025, 5, 20), {"q_quality": "inadequate", "q_yes": "no"}, 2)
    a3 = audit("A3", w.loc, at(2025, 6, 1, 0, 30), {"q_quality": "outstanding", "q_yes": "not_applicable"}, 3)
    a4 = audit("A4", w.loc, None, {"q_quality": "good"}, 4)
    m1 = audit("M1", w.fd, at(2025, 5, 12), {"q_quality": "good", "q_yes": "no"}, moderates=a1)
    audit("M2", w.fd, at(2025, 5, 22), {"q_quality": "inadequate", "q_yes": "no"}, moderates=a2)
    audit("M3", w.loc, at(2025, 6, 3), {"q_quality": "good", "q_yes": "not_applicable"}, moderates=a3)
    audit("M4", w.loc, at(2025, 6, 4), {"q_quality": "inadequate"}, moderates=a4)
    today = timezone.localdate()
    for a, due, done in (
        (a1, today + timedelta(days=365), False),
        (a2, today - timedelta(days=365), False),
        (m1, today, True),
        (a4, today, False),
    ):
        LearningAction.objects.create(
            audit=a,
            action="Record the person's words",
            owner=w.lead,
            due_on=due,
            created_by=w.auditor,
            status="done" if done else "open",
            done_on=today if done else None,
        )
    hill = _round(w, w.other, "hillside-spring", cast.other_council_user)
    hb = Builder(w.other, cast.other_council_user)
    audit("H1", None, at(2025, 5, 11), {"q_quality": "good", "q_yes": "yes"}, 1, audit_round=hill, builder=hb)
    return w


def _round(w: World, council, slug: str, user) -> AuditRound:
    return AuditRound.objects.create(
        council=council,
        slug=slug,
        title="Spring",
        tool=w.tool,
        rule=AuditRound.Rule.PER_TEAM_MONTH,
        period_start=date(2025, 4, 1),
        period_end=date(2025, 4, 30),
        as_at=date(2025, 4, 30),
        seed="s",
        created_by=user,
        status=AuditRound.Status.OPEN,
    )


@pytest.fixture(scope="module")
def world(module_db, django_db_blocker) -> World:
    with django_db_blocker.unblock():
        return _build()


def test_agreement_on_the_hand_built_round(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        got = results.agreement(world.round)
    # Pairs: A1-M1, A2-M2, A3-M3 (M4's audit A4 is not completed). Items compared: both answered
    # a scale question: 2 a pair, 6 in all; the free text q_words is never compared.
    # Agreed: A1-M1 quality (good, good); A2-M2 both; A3-M3 q_yes (not applicable twice) = 4 of 6.
    assert (got["pairs"], got["compared"], got["agreed"], got["percent"]) == (3, 6, 4, 66.7)
    assert [(p["reference"], p["compared"], p["agreed"], p["percent"]) for p in got["by_pair"]] == [
        (world.audits["A1"].reference, 2, 1, 50.0),
        (world.audits["A2"].reference, 2, 2, 100.0),
        (world.audits["A3"].reference, 2, 1, 50.0),
    ]
    # Kappa over the 6 pooled pairs (first, moderation): (good, good), (yes, no), (inadequate,
    # inadequate), (no, no), (outstanding, good), (n/a, n/a).
    # First's counts: good 1, yes 1, inadequate 1, no 1, outstanding 1, n/a 1.
    # Moderation's counts: good 2, no 2, inadequate 1, n/a 1.
    # p_o = 4/6; p_e = (1*2 [good] + 1*0 [yes] + 1*1 [inadequate] + 1*2 [no] + 1*0 + 1*1 [n/a]) / 36
    #     = 6/36 = 1/6; kappa = (2/3 - 1/6) / (1 - 1/6) = (1/2) / (5/6) = 0.6.
    assert got["kappa"] == 0.6


def test_kappa_edge_cases():
    assert results.kappa({}) is None
    # Both raters always said "good": chance explains all agreement, kappa is undefined.
    assert results.kappa({("good", "good"): 5}) is None
    # Perfect agreement across two values: 1; systematic disagreement: below 0.
    assert results.kappa({("good", "good"): 3, ("no", "no"): 2}) == 1.0
    assert results.kappa({("good", "no"): 3, ("no", "good"): 2}) < 0


def test_agreement_with_no_moderations(world):
    empty = _round(world, world.council, "no-moderations", world.lead)
    assert results.agreement(empty) == {
        "pairs": 0,
        "compared": 0,
        "agreed": 0,
        "percent": None,
        "kappa": None,
        "by_pair": [],
    }


def test_round_results(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        got = results.round_results(world.round)
    # Completed first audits A1, A2, A3: graded answers 3 + 2 (A3's q_yes is not applicable) = 5,
    # meeting the standard: good, yes (A1), outstanding (A3) = 3.
    assert (got["audits"], got["graded"], got["meets"], got["percent"]) == (3, 5, 3, 60.0)
    [tool] = got["tools"]
    assert tool["meets_standard"] == "Good"
    by_key = {q["key"]: q for q in tool["questions"]}
    assert set(by_key) == {"q_quality", "q_yes"}  # free text has no figures
    quality = by_key["q_quality"]
    assert {v["value"]: v["n"] for v in quality["values"]} == {
        "outstanding": 1,
        "good": 1,
        "requires_improvement": 0,
        "inadequate": 1,
        "not_applicable": 0,
    }
    assert (quality["graded"], quality["meets"], quality["percent"]) == (3, 2, 66.7)
    yes = by_key["q_yes"]
    assert {v["value"]: v["n"] for v in yes["values"]} == {"yes": 1, "no": 1, "not_applicable": 1}
    assert (yes["answered"], yes["graded"], yes["meets"], yes["percent"]) == (3, 2, 1, 50.0)
    # By team: FD A1, A2: 4 graded, 2 meet; LOC A3: 1 graded, 1 meets.
    assert [(t["team"], t["audits"], t["graded"], t["meets"], t["percent"]) for t in got["by_team"]] == [
        ("Front Door", 2, 4, 2, 50.0),
        ("Locality East", 1, 1, 1, 100.0),
    ]
    # By month completed, in London time: A3 at 00:30 on 1 June is June (31 May in UTC).
    assert [(m["month"], m["audits"], m["graded"], m["meets"]) for m in got["by_month"]] == [
        (date(2025, 5, 1), 2, 4, 2),
        (date(2025, 6, 1), 1, 1, 1),
    ]
    # A1's open action, A2's overdue one, M1's done one; A4's is not counted.
    assert got["learning_actions"] == {"open": 1, "overdue": 1, "done": 1}


def test_council_results_by_period_and_council(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        may = results.council_results(world.council, date(2025, 5, 1), date(2025, 5, 31))
    # A1 and A2 only: A3 was completed on 1 June, London time; Hillside's H1 is not Riverside's.
    assert (may["audits"], may["graded"], may["meets"]) == (2, 4, 2)
    hill = results.council_results(world.other, date(2025, 4, 1), date(2025, 6, 30))
    assert (hill["audits"], hill["graded"], hill["meets"]) == (1, 2, 2)


def test_beside_measures(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        got = results.beside_measures(world.council, date(2025, 4, 1), date(2025, 6, 30))
    assert got == {
        "involved": {
            "question": "How good was the work?",
            "key": "q_quality",
            "graded": 3,
            "meets": 2,
            "percent": 66.7,
        },
        "asked_about_outcomes": {
            "question": "Was the person asked?",
            "key": "q_yes",
            "graded": 2,
            "meets": 1,
            "percent": 50.0,
        },
    }
    assert results.beside_measures(world.council, date(2024, 4, 1), date(2024, 6, 30)) == {}


def test_results_narrowed_to_a_team_or_a_partner(world, django_assert_max_num_queries):
    """As the dashboard is filtered: a team (the team the record had when sampled) or a partner (the
    agency that made the audited enquiry)."""
    spring = (date(2025, 4, 1), date(2025, 6, 30))
    Enquiry.objects.filter(pk=world.audits["A3"].enquiry_id).update(making_organisation=world.police)
    with django_assert_max_num_queries(8):
        front = results.council_results(world.council, *spring, team_id=world.fd.pk)
    assert (front["audits"], front["graded"], front["meets"]) == (2, 4, 2)  # A1, A2
    police = results.council_results(world.council, *spring, partner_id=world.police.pk)
    assert (police["audits"], police["graded"], police["meets"]) == (1, 1, 1)  # A3
    both = results.council_results(world.council, *spring, team_id=world.fd.pk, partner_id=world.police.pk)
    assert both["audits"] == 0
    with django_assert_max_num_queries(2):
        beside = results.beside_measures(world.council, *spring, team_id=world.loc.pk)
    assert (beside["involved"]["graded"], beside["involved"]["meets"]) == (1, 1)  # A3's outstanding
    beside = results.beside_measures(world.council, *spring, partner_id=world.police.pk)
    assert (beside["involved"]["graded"], beside["asked_about_outcomes"]["graded"]) == (1, 0)
    # No filter: the council's whole figure, as before.
    assert results.council_results(world.council, *spring)["audits"] == 3


def test_beside_measures_words_the_question_as_the_newest_tool_loaded(world):
    # A tool loaded later than the results-test tool, under a slug sorting after it: its wording wins.
    later = tools.load(
        TOOL.replace("slug: results-test", "slug: z-later-tool").replace(
            "How good was the work?", "How well was the person involved?"
        )
    )
    AuditTool = type(later)
    AuditTool.objects.filter(pk=later.pk).update(loaded_at=world.tool.loaded_at + timedelta(days=1))
    got = results.beside_measures(world.council, date(2025, 4, 1), date(2025, 6, 30))
    assert got["involved"]["question"] == "How well was the person involved?"
    # The older tool loaded later instead: its wording is the newest.
    AuditTool.objects.filter(pk=later.pk).update(loaded_at=world.tool.loaded_at - timedelta(days=1))
    got = results.beside_measures(world.council, date(2025, 4, 1), date(2025, 6, 30))
    assert got["involved"]["question"] == "How good was the work?"


def test_query_count_does_not_grow_with_the_audits(world, django_assert_max_num_queries):
    # Twenty more completed audits in a new round: still the same number of queries.
    r = _round(world, world.council, "bigger", world.lead)
    b = Builder(world.council, world.lead)
    for n in range(20):
        e = b.enquiry(b.person(f"Big{n}"), world.fd, None, 0, 1, status="open", started_at=at(2025, 4, 3))
        a = Audit.objects.create(
            audit_round=r,
            concern=e.concern,
            enquiry=e,
            person=e.person,
            team=world.fd,
            position=n + 1,
            auditor=world.auditor,
            status="completed",
            completed_at=at(2025, 5, 1 + n % 28),
        )
        AuditAnswer.objects.create(audit=a, question=world.questions["q_quality"], value="good", grade=3)
    with django_assert_max_num_queries(8):
        got = results.round_results(r)
    assert (got["audits"], got["graded"], got["meets"]) == (20, 20, 20)


def test_the_results_partial_renders_without_personal_data(world):
    got = results.council_results(world.council, date(2025, 4, 1), date(2025, 6, 30))
    html = render_to_string("audits/includes/results.html", {"audit_results": got})
    assert "How good was the work?" in html and "Front Door" in html and "govuk-table__caption" in html
    # Neither a reference, nor a person, nor an auditor's comment.
    for a in ("A1", "A2", "A3"):
        assert world.audits[a].reference not in html
    assert "Clear plan" not in html and "Measureson" not in html
    empty = results.council_results(world.council, date(2024, 4, 1), date(2024, 6, 30))
    assert "No case file audits were completed" in render_to_string(
        "audits/includes/results.html", {"audit_results": empty}
    )
