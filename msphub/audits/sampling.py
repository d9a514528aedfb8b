"""The reproducible sample of an audit round (the rules are written out in docs/audits.md).

A round's rule, period, ``as_at`` day and seed decide its sample, whenever it is drawn and on any
database: the candidates are read as they stood at the end of ``as_at`` (nothing started, closed or
received later), put in order of reference (sorted here, in Python, so a database's collation cannot
change it), and drawn with ``random.Random(f"{seed}|{group}")``, a generator seeded by text alone.

``drawn`` computes the sample and writes nothing; ``draw`` stores it as the round's first audits,
once: a round already sampled keeps its audits for good.
"""

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import models, transaction
from django.utils import timezone

from msphub.concerns.models import Concern, ConcernRiskType, Decision, counted_concern
from msphub.core.periods import Period
from msphub.enquiries.models import DesiredOutcome, Enquiry, EnquiryRiskType

from .models import Audit, AuditRound

ALL = "all"


@dataclass(frozen=True)
class Drawn:
    """One sampled record: the enquiry (or, for a concern that did not become one, the concern)."""

    position: int
    reference: str
    concern_id: int
    enquiry_id: int | None
    person_id: int | None
    team_id: int | None
    # The group it was drawn from: "all", or "<team id or none>|<YYYY-MM>" for per team per month.
    group: str


@dataclass(frozen=True)
class _Candidate:
    reference: str
    concern_id: int
    enquiry_id: int | None
    person_id: int | None
    team_id: int | None
    group: str


def _as_at_end(audit_round: AuditRound) -> datetime:
    """The first moment after the ``as_at`` day, in London time: records are read as they stood then."""
    return Period(audit_round.as_at, audit_round.as_at).end_before


def _enquiries(audit_round: AuditRound) -> models.QuerySet:
    """The enquiries any enquiry rule may draw from: the round's council, on a counted concern,
    started by the end of ``as_at``, the person not merged away, and not restricted unless the
    round includes restricted records."""
    qs = Enquiry.objects.filter(
        counted_concern("concern__"),
        council_id=audit_round.council_id,
        started_at__lt=_as_at_end(audit_round),
        person__merged_into__isnull=True,
    )
    if not audit_round.include_restricted:
        qs = qs.filter(person__restricted=False)
    return qs


def _started_in_period(audit_round: AuditRound) -> dict:
    return Period(audit_round.period_start, audit_round.period_end).lookup("started_at")


def _enquiry_candidates(qs: models.QuerySet, per_team_month: bool = False) -> list[_Candidate]:
    rows = qs.values_list("reference", "concern_id", "pk", "person_id", "team_id", "started_at")
    candidates = []
    for reference, concern_id, pk, person_id, team_id, started_at in rows:
        group = ALL
        if per_team_month:
            month = timezone.localtime(started_at).strftime("%Y-%m")
            group = f"{team_id if team_id is not None else 'none'}|{month}"
        candidates.append(_Candidate(reference, concern_id, pk, person_id, team_id, group))
    return candidates


def candidates(audit_round: AuditRound) -> list[_Candidate]:
    """Every record the round's rule could draw, read with one query."""
    rule = audit_round.rule
    Rule = AuditRound.Rule
    if rule == Rule.PER_TEAM_MONTH:
        qs = _enquiries(audit_round).filter(**_started_in_period(audit_round))
        return _enquiry_candidates(qs, per_team_month=True)
    if rule == Rule.THEMED:
        risk = audit_round.risk_type
        raised = ConcernRiskType.objects.filter(concern_id=models.OuterRef("concern_id"), risk_type=risk)
        found = EnquiryRiskType.objects.filter(enquiry_id=models.OuterRef("pk"), risk_type=risk)
        qs = _enquiries(audit_round).filter(
            models.Exists(raised) | models.Exists(found), **_started_in_period(audit_round)
        )
        return _enquiry_candidates(qs)
    if rule == Rule.NOT_ACHIEVED:
        end = _as_at_end(audit_round)
        not_met = DesiredOutcome.objects.filter(
            enquiry_id=models.OuterRef("pk"), withdrawn_on__isnull=True, achievement="Not Achieved"
        )
        closed = Period(audit_round.period_start, audit_round.period_end).lookup("closed_at")
        qs = (
            _enquiries(audit_round)
            .filter(kind=Enquiry.Kind.SECTION_42, status=Enquiry.Status.CLOSED, **closed)
            .filter(closed_at__lt=end)
            .filter(models.Exists(not_met))
        )
        return _enquiry_candidates(qs)
    if rule == Rule.PARTNER_ENQUIRIES:
        qs = _enquiries(audit_round).filter(
            making_organisation__isnull=False, **_started_in_period(audit_round)
        )
        return _enquiry_candidates(qs)
    if rule == Rule.NO_ENQUIRY:
        end = _as_at_end(audit_round)
        received = Period(audit_round.period_start, audit_round.period_end).lookup("received_at")
        qs = (
            Concern.objects.counted()
            .filter(council_id=audit_round.council_id, **received)
            .filter(received_at__lt=end)
            .filter(decision__outcome=Decision.Outcome.NO_ENQUIRY, decision__signed_off_at__lt=end)
        )
        # A concern not yet linked to a person has no restriction to respect; a merged-away person
        # never appears (merging moves their concerns to the record kept).
        qs = qs.exclude(person__merged_into__isnull=False)
        if not audit_round.include_restricted:
            qs = qs.exclude(person__restricted=True)
        rows = qs.values_list("reference", "pk", "person_id", "team_id")
        return [_Candidate(ref, pk, None, person_id, team_id, ALL) for ref, pk, person_id, team_id in rows]
    raise ValueError(f"Unknown sampling rule {rule!r}")


def _group_order(group: str) -> tuple:
    """Groups in order of month, then team (the team-less group last in its month)."""
    if group == ALL:
        return (0, "", 0)
    team, month = group.split("|")
    return (1, month, int(team) if team != "none" else math.inf)


def drawn(audit_round: AuditRound) -> list[Drawn]:
    """The records the round's rule picks, in position order. Pure: it writes nothing."""
    groups: dict[str, list[_Candidate]] = defaultdict(list)
    for candidate in candidates(audit_round):
        groups[candidate.group].append(candidate)
    picked: list[_Candidate] = []
    for group in sorted(groups, key=_group_order):
        pool = sorted(groups[group], key=lambda c: c.reference)
        chosen = random.Random(f"{audit_round.seed}|{group}").sample(
            pool, min(audit_round.sample_size, len(pool))
        )
        picked.extend(sorted(chosen, key=lambda c: c.reference))
    return [
        Drawn(n, c.reference, c.concern_id, c.enquiry_id, c.person_id, c.team_id, c.group)
        for n, c in enumerate(picked, start=1)
    ]


def first_audits(audit_round: AuditRound) -> list[Audit]:
    """The round's sampled audits (not moderations), in position order."""
    return list(
        Audit.objects.filter(audit_round=audit_round, moderates__isnull=True)
        .select_related("concern", "enquiry")
        .order_by("position")
    )


def draw(audit_round: AuditRound) -> list[Audit]:
    """Store the round's sample as its first audits and open the round, once.

    Under a lock of the round's row, so two people pressing "draw" at once draw once: a round
    already sampled (not a draft any more) returns the audits it has and never draws again."""
    with transaction.atomic():
        status = (
            AuditRound.objects.select_for_update()
            .filter(pk=audit_round.pk)
            .values_list("status", flat=True)
            .first()
        )
        if status != AuditRound.Status.DRAFT:
            audit_round.refresh_from_db()
            return first_audits(audit_round)
        Audit.objects.bulk_create(
            Audit(
                audit_round=audit_round,
                concern_id=d.concern_id,
                enquiry_id=d.enquiry_id,
                person_id=d.person_id,
                team_id=d.team_id,
                position=d.position,
            )
            for d in drawn(audit_round)
        )
        audit_round.status = AuditRound.Status.OPEN
        audit_round.sampled_at = timezone.now()
        audit_round.save(update_fields=["status", "sampled_at"])
    return first_audits(audit_round)


def moderation_count(first: int, percent: int) -> int:
    """How many of ``first`` audits a second auditor moderates: ``percent`` per cent, rounded up."""
    return -(-first * percent // 100)


def moderation_picks(audit_round: AuditRound) -> list[Audit]:
    """Which of the round's first audits a second auditor moderates: ceil(moderation_percent% of
    them), drawn from the round's seed (group "moderation"), in position order."""
    audits = first_audits(audit_round)
    n = moderation_count(len(audits), audit_round.moderation_percent)
    chosen = random.Random(f"{audit_round.seed}|moderation").sample(audits, n)
    return sorted(chosen, key=lambda a: a.position)
