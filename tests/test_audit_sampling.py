"""The reproducible sample of an audit round (msphub/audits/sampling.py, docs/audits.md).

Riverside's records, written with the ORM (tests/measures_fixtures.Builder) so every date is as
stated; the period is April to June 2025 and rounds read them as at 31 July 2025 unless a test says::

    per team per month (enquiries started in the period):
      Front Door April: FA1..FA5      Front Door May: FM1..FM3     Locality April: LA1, LA2
      no team, June: NT1
      and, not candidates: March (before the period), RX (restricted person, Front Door April),
      MX (merged-away person), SX (its concern set aside), Hillside's HX (another council),
      JUL (started 2 July: after the period)
    themed, Financial or Material Abuse: FA1 (the concern said so), FM1 (the enquiry found it)
    partner enquiries: LA1, LA2 (Riverside Police makes them)
    not achieved (section 42, closed in the period): NA1 (an active outcome not achieved),
      not: NA2 (its only not-achieved outcome was withdrawn), NA3 (other enquiry, not s42),
      NA4 (closed 20 July: after the period), NA5 (fully achieved)
    no enquiry (concerns received in the period, decision "no enquiry" signed off): N1, N2;
      not: N3 (not signed off yet), N4 (decided to make an enquiry), N5 (signed off 3 August,
      after as_at), N6 (set aside)
"""

from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from msphub.audits import sampling, tools
from msphub.audits.models import Audit, AuditRound
from msphub.concerns.models import Concern
from msphub.enquiries.models import Enquiry
from msphub.people.models import Person
from tests.conftest import Cast
from tests.measures_fixtures import FINANCIAL, Builder, at

pytestmark = pytest.mark.django_db


class World:
    pass


def _build() -> World:
    cast = Cast()
    w = World()
    w.cast = cast
    w.council, w.other_council = cast.council, cast.other_council
    w.fd, w.loc = cast.front_door, cast.locality
    w.lead = cast.lead
    w.police = cast.police
    b = Builder(w.council, w.lead)
    w.refs: dict[str, str] = {}

    def enquiry(label, started, team, person=None, **kw):
        person = person or b.person(label)
        e = b.enquiry(person, team, None, 0, 1, status=Enquiry.Status.OPEN, started_at=started, **kw)
        w.refs[label] = e.reference
        return e

    for i in range(1, 6):
        enquiry(
            f"FA{i}", at(2025, 4, i + 1), w.fd, risk_types=(FINANCIAL,) if i == 1 else ("Physical Abuse",)
        )
    for i in range(1, 4):
        e = enquiry(f"FM{i}", at(2025, 5, i + 10), w.fd)
        if i == 1:
            e.found_risk_types.create(risk_type=FINANCIAL)
    enquiry("LA1", at(2025, 4, 20), w.loc, partner=w.police)
    enquiry("LA2", at(2025, 4, 30, 23, 30), w.loc, partner=w.police)
    enquiry("NT1", at(2025, 6, 30, 23, 59), None)
    enquiry("MARCH", at(2025, 3, 31, 23, 59), w.fd)
    enquiry("JUL", at(2025, 7, 2), w.fd)
    enquiry("RX", at(2025, 4, 9), w.fd, person=b.person("Restricted", restricted=True))
    kept = b.person("Kept")
    merged = b.person("Merged")
    enquiry("MX", at(2025, 4, 10), w.fd, person=merged)
    Person.objects.filter(pk=merged.pk).update(
        merged_into=kept, merged_at=timezone.now(), merged_by=w.lead, merge_reason="The same person"
    )
    sx = enquiry("SX", at(2025, 4, 11), w.fd)
    Concern.objects.filter(pk=sx.concern_id).update(set_aside="error")
    other = Builder(w.other_council, cast.other_council_user)
    hx = other.enquiry(
        other.person("Hill"), None, None, 0, 1, status=Enquiry.Status.OPEN, started_at=at(2025, 4, 12)
    )
    w.refs["HX"] = hx.reference

    def closed(label, closed_at, kind="s42", achievements=("Not Achieved",), withdrawn=()):
        # Started in January, before the period, so never a per-team-month candidate.
        e = b.enquiry(
            b.person(label),
            w.fd,
            closed_at,
            0,
            1,
            kind=kind,
            achievements=achievements,
            withdrawn=withdrawn,
            started_at=at(2025, 1, 10),
        )
        w.refs[label] = e.reference

    closed("NA1", at(2025, 5, 5), achievements=("Fully Achieved", "Not Achieved"))
    closed("NA2", at(2025, 5, 6), achievements=("Fully Achieved",), withdrawn=("Not Achieved",))
    closed("NA3", at(2025, 5, 7), kind="other")
    closed("NA4", at(2025, 7, 20))
    closed("NA5", at(2025, 5, 8), achievements=("Fully Achieved",))

    def no_enquiry(label, received, outcome="none", days=2.0, set_aside=""):
        c = b.concern(received, b.person(label), w.fd)
        b.decide(c, outcome, days, pathway="nfa" if outcome == "none" else "")
        if set_aside:
            Concern.objects.filter(pk=c.pk).update(set_aside=set_aside)
        w.refs[label] = c.reference

    no_enquiry("N1", at(2025, 4, 3))
    no_enquiry("N2", at(2025, 6, 3))
    no_enquiry("N3", at(2025, 6, 4), days=None)
    no_enquiry("N4", at(2025, 6, 5), outcome="other")
    no_enquiry("N5", at(2025, 6, 30), days=34)
    no_enquiry("N6", at(2025, 6, 6), set_aside="error")
    w.tool = tools.load_shipped()
    return w


@pytest.fixture(scope="module")
def world(module_db, django_db_blocker) -> World:
    with django_db_blocker.unblock():
        return _build()


def make_round(w: World, slug: str = "r", rule: str = AuditRound.Rule.PER_TEAM_MONTH, **fields) -> AuditRound:
    values = {
        "council": w.council,
        "slug": slug,
        "title": f"Round {slug}",
        "tool": w.tool,
        "rule": rule,
        "period_start": date(2025, 4, 1),
        "period_end": date(2025, 6, 30),
        "as_at": date(2025, 7, 31),
        "seed": "spring",
        "sample_size": 2,
        "created_by": w.lead,
    }
    values.update(fields)
    return AuditRound.objects.create(**values)


def labels(w: World, refs) -> set[str]:
    by_ref = {ref: label for label, ref in w.refs.items()}
    return {by_ref[r] for r in refs}


def candidate_labels(w: World, audit_round: AuditRound) -> set[str]:
    return labels(w, [c.reference for c in sampling.candidates(audit_round)])


def test_per_team_month_candidates_and_groups(world):
    r = make_round(world)
    assert candidate_labels(world, r) == {
        "FA1",
        "FA2",
        "FA3",
        "FA4",
        "FA5",
        "FM1",
        "FM2",
        "FM3",
        "LA1",
        "LA2",
        "NT1",
    }
    picked = sampling.drawn(r)
    groups: dict[str, list[str]] = {}
    for d in picked:
        groups.setdefault(d.group, []).append(d.reference)
    fd, loc = world.fd.pk, world.loc.pk
    # Two from each group of at least two; the one-enquiry group gives its one. LA2 started at
    # 23:30 on 30 April, London time (22:30 UTC): April, whatever the database's time zone.
    assert {g: len(v) for g, v in groups.items()} == {
        f"{fd}|2025-04": 2,
        f"{fd}|2025-05": 2,
        f"{loc}|2025-04": 2,
        "none|2025-06": 1,
    }
    assert labels(world, groups[f"{loc}|2025-04"]) == {"LA1", "LA2"}
    assert [d.position for d in picked] == list(range(1, 8))


def test_restricted_only_when_included(world):
    assert "RX" not in candidate_labels(world, make_round(world))
    assert "RX" in candidate_labels(world, make_round(world, "r2", include_restricted=True))


def test_records_after_as_at_are_left_out(world):
    r = make_round(world, as_at=date(2025, 5, 11))
    # FM1 started 10:00 on 11 May (in); FM2 and FM3 later; LA1/LA2/NT1 are all before or after.
    assert candidate_labels(world, r) == {"FA1", "FA2", "FA3", "FA4", "FA5", "FM1", "LA1", "LA2"}


def test_themed_reads_the_concern_and_the_findings(world):
    r = make_round(world, rule=AuditRound.Rule.THEMED, risk_type=FINANCIAL, sample_size=10)
    assert candidate_labels(world, r) == {"FA1", "FM1"}


def test_partner_enquiries(world):
    r = make_round(world, rule=AuditRound.Rule.PARTNER_ENQUIRIES)
    assert candidate_labels(world, r) == {"LA1", "LA2"}


def test_not_achieved(world):
    r = make_round(world, rule=AuditRound.Rule.NOT_ACHIEVED)
    assert candidate_labels(world, r) == {"NA1"}
    # A later as_at takes in NA4, closed 20 July, once the period covers it.
    r2 = make_round(world, "r2", rule=AuditRound.Rule.NOT_ACHIEVED, period_end=date(2025, 7, 31))
    assert candidate_labels(world, r2) == {"NA1", "NA4"}
    r3 = make_round(
        world, "r3", rule=AuditRound.Rule.NOT_ACHIEVED, period_end=date(2025, 7, 31), as_at=date(2025, 7, 19)
    )
    assert candidate_labels(world, r3) == {"NA1"}


def test_no_enquiry(world):
    r = make_round(world, rule=AuditRound.Rule.NO_ENQUIRY, sample_size=10)
    assert candidate_labels(world, r) == {"N1", "N2"}
    drawn = sampling.drawn(r)
    assert all(d.enquiry_id is None for d in drawn)
    r2 = make_round(world, "r2", rule=AuditRound.Rule.NO_ENQUIRY, as_at=date(2025, 8, 3))
    assert candidate_labels(world, r2) == {"N1", "N2", "N5"}


def test_another_council_never(world):
    for rule in AuditRound.Rule.values:
        r = make_round(
            world,
            f"c-{rule}".replace("_", "-"),
            rule=rule,
            risk_type=FINANCIAL,
            include_restricted=True,
            as_at=date(2026, 1, 1),
        )
        assert "HX" not in candidate_labels(world, r)
        assert not {"MX", "SX", "N6", "HX"} & candidate_labels(world, r)


def test_same_seed_same_sample_different_seed_different(world):
    r = make_round(world, sample_size=1)
    again = make_round(world, "again", sample_size=1)
    assert sampling.drawn(r) == sampling.drawn(again)
    # Over the three groups of two or more, 1 from each: at least one of several seeds differs.
    samples = {
        tuple(
            d.reference for d in sampling.drawn(make_round(world, f"s{n}", seed=f"seed {n}", sample_size=1))
        )
        for n in range(6)
    }
    assert len(samples) > 1


def test_draw_stores_the_sample_once(world, django_assert_max_num_queries):
    r = make_round(world)
    expected = sampling.drawn(r)
    with django_assert_max_num_queries(8):
        audits = sampling.draw(r)
    r.refresh_from_db()
    assert r.status == AuditRound.Status.OPEN and r.sampled_at is not None
    assert [(a.position, a.reference) for a in audits] == [(d.position, d.reference) for d in expected]
    first = audits[0]
    enquiry = Enquiry.objects.get(reference=first.reference)
    assert (first.concern_id, first.enquiry_id, first.person_id, first.team_id) == (
        enquiry.concern_id,
        enquiry.pk,
        enquiry.person_id,
        enquiry.team_id,
    )
    # Drawing again (even after new records arrive) never draws again.
    Builder(world.council, world.lead).enquiry(
        Builder(world.council, world.lead).person("Late"),
        world.fd,
        None,
        0,
        1,
        status="open",
        started_at=at(2025, 4, 15),
    )
    assert [a.pk for a in sampling.draw(r)] == [a.pk for a in audits]
    assert Audit.objects.filter(audit_round=r).count() == len(expected)


def test_moderation_picks(world):
    r = make_round(world, moderation_percent=20)
    audits = sampling.draw(r)
    picks = sampling.moderation_picks(r)
    # ceil(20% of 7) = 2
    assert len(picks) == 2 and set(picks) <= set(audits)
    assert [a.pk for a in sampling.moderation_picks(r)] == [a.pk for a in picks]
    assert sampling.moderation_count(7, 0) == 0 and sampling.moderation_count(7, 100) == 7
    assert sampling.moderation_count(10, 25) == 3


def test_command_prints_the_same_references_twice(world, capsys):
    r = make_round(world, "command-round")
    call_command("audit_sample", "--round", "command-round")
    first = capsys.readouterr().out.split()
    call_command("audit_sample", "--round", "command-round")
    assert capsys.readouterr().out.split() == first
    assert first == [d.reference for d in sampling.drawn(r)]


def test_command_says_when_no_record_met_the_rule(world, capsys):
    # A period with no records at all: nothing printed, a word on stderr, and no error.
    make_round(world, "empty-round", period_start=date(2020, 1, 1), period_end=date(2020, 1, 31))
    call_command("audit_sample", "--round", "empty-round")
    out = capsys.readouterr()
    assert out.out == "" and out.err.strip() == "No records met the round's rule"
    assert AuditRound.objects.get(slug="empty-round").status == AuditRound.Status.OPEN


def test_the_stored_draw_is_the_record_when_records_change_later(world, capsys):
    """docs/audits.md: ``drawn()`` repeats a sample only over unchanged data; once a sampled record
    changes, a fresh computation can differ, but the stored sample (and audit_sample) does not."""
    r = make_round(world, "changed-later")
    call_command("audit_sample", "--round", "changed-later")
    printed = capsys.readouterr().out.split()
    stored = [(a.position, a.reference, a.team_id) for a in sampling.first_audits(r)]
    assert printed == [ref for _, ref, _ in stored] == [d.reference for d in sampling.drawn(r)]
    # After the draw, a sampled person is restricted and another sampled enquiry moves team.
    first = Enquiry.objects.get(reference=printed[0])
    Person.objects.filter(pk=first.person_id).update(restricted=True)
    moved = Enquiry.objects.get(reference=printed[1])
    Enquiry.objects.filter(pk=moved.pk).update(team=world.loc if moved.team_id != world.loc.pk else world.fd)
    assert printed[0] not in [d.reference for d in sampling.drawn(r)], "a fresh computation changes"
    call_command("audit_sample", "--round", "changed-later")
    assert capsys.readouterr().out.split() == printed
    assert [(a.position, a.reference, a.team_id) for a in sampling.first_audits(r)] == stored


def test_command_unknown_round(world):
    with pytest.raises(CommandError, match="No audit round 'nope'"):
        call_command("audit_sample", "--round", "nope")


@settings(max_examples=30, deadline=None)
@given(
    size=st.integers(min_value=0, max_value=6),
    seed=st.text(max_size=20),
    rule=st.sampled_from(AuditRound.Rule.values),
)
def test_a_sample_is_a_bounded_subset_of_the_candidates(world, size, seed, rule):
    r = AuditRound(
        council=world.council,
        tool=world.tool,
        rule=rule,
        risk_type=FINANCIAL,
        seed=seed,
        sample_size=size,
        period_start=date(2025, 4, 1),
        period_end=date(2025, 6, 30),
        as_at=date(2025, 7, 31) + timedelta(days=size),
    )
    pool = sampling.candidates(r)
    picked = sampling.drawn(r)
    assert {d.reference for d in picked} <= {c.reference for c in pool}
    assert len({d.reference for d in picked}) == len(picked)
    per_group: dict[str, int] = {}
    for d in picked:
        per_group[d.group] = per_group.get(d.group, 0) + 1
    assert all(n <= size for n in per_group.values())
    for group in {c.group for c in pool}:
        available = sum(1 for c in pool if c.group == group)
        assert per_group.get(group, 0) == min(size, available)
