"""Case file audits and Safeguarding Adults Reviews built straight in the database, for the tests of
what retention, subject access and merging do with them (tests/test_retention.py,
tests/test_subject_access.py, tests/test_person_merge.py). The audits and sars apps' own tests
drive their services and pages; these tests need only the rows."""

from datetime import date
from typing import Any

from django.utils import timezone

from msphub.accounts.models import User
from msphub.audits.models import Audit, AuditAnswer, AuditQuestion, AuditRound, AuditTool, LearningAction
from msphub.concerns.models import Concern
from msphub.enquiries.models import Enquiry
from msphub.people.models import Person
from msphub.sars.models import ReviewAdult, ReviewRecommendation, SafeguardingAdultsReview

SCALE = [
    {"value": "good", "label": "Good", "grade": 3},
    {"value": "requires_improvement", "label": "Requires improvement", "grade": 2},
    {"value": "inadequate", "label": "Inadequate", "grade": 1},
]
QUESTION = "Were the adult's wishes asked for and recorded in their own words?"
FREE_TEXT_QUESTION = "What went well?"


def audit_tool() -> AuditTool:
    """A two-question tool: one on a scale, one free text."""
    tool, made = AuditTool.objects.get_or_create(
        slug="retention-test-tool", version=1, defaults={"title": "Test audit tool", "source": "{}"}
    )
    if made:
        AuditQuestion.objects.create(
            tool=tool, key="wishes", section="Empowerment", order=1, text=QUESTION, scale=SCALE
        )
        AuditQuestion.objects.create(
            tool=tool, key="went_well", section="Overall", order=2, text=FREE_TEXT_QUESTION, scale=[]
        )
    return tool


def audit_round(lead: User, slug: str = "spring-audit") -> AuditRound:
    today = timezone.localdate()
    return AuditRound.objects.create(
        council_id=lead.organisation_id,
        slug=slug,
        title="Spring case file audit",
        tool=audit_tool(),
        rule=AuditRound.Rule.PER_TEAM_MONTH,
        period_start=date(2021, 1, 1),
        period_end=today,
        as_at=today,
        seed="retention",
        status=AuditRound.Status.OPEN,
        created_by=lead,
        sampled_at=timezone.now(),
    )


def completed_audit(
    within: AuditRound,
    record: Concern | Enquiry,
    auditor: User,
    *,
    value: str = "good",
    comment: str = "",
    went_well: str = "",
    summary: str = "",
    moderates: Audit | None = None,
    **fields: Any,
) -> Audit:
    """A completed audit of ``record`` (an enquiry, or a concern with none), answered."""
    concern = record.concern if isinstance(record, Enquiry) else record
    enquiry = record if isinstance(record, Enquiry) else None
    audit = Audit.objects.create(
        audit_round=within,
        concern=concern,
        enquiry=enquiry,
        person_id=record.person_id,
        team_id=record.team_id,
        position=moderates.position if moderates else Audit.objects.filter(audit_round=within).count() + 1,
        moderates=moderates,
        auditor=auditor,
        summary=summary,
        status=Audit.Status.COMPLETED,
        completed_at=timezone.now(),
        **fields,
    )
    wishes, went_well_question = within.tool.questions.order_by("order")
    AuditAnswer.objects.create(
        audit=audit, question=wishes, value=value, grade=3 if value == "good" else 1, comment=comment
    )
    AuditAnswer.objects.create(audit=audit, question=went_well_question, comment=went_well)
    return audit


def learning_action(audit: Audit, owner: User, text: str, by: User) -> LearningAction:
    return LearningAction.objects.create(
        audit=audit, action=text, owner=owner, due_on=timezone.localdate(), created_by=by
    )


def review_about(
    person: Person | None,
    lead: User,
    *,
    reference: str = "SAR-2021-001",
    summary: str = "",
    findings: str = "",
    pseudonym: str = "Adult A",
    on: date = date(2021, 4, 1),
    recommendation_status: str = ReviewRecommendation.Status.COMPLETED,
) -> SafeguardingAdultsReview:
    """A published review, referred, decided, held and published in 2021, about one adult who died
    (linked to ``person``), with one recommendation."""
    review = SafeguardingAdultsReview.objects.create(
        council_id=lead.organisation_id,
        reference=reference,
        referred_on=on,
        referred_by="Riverside Police",
        referral_summary=summary,
        decision=SafeguardingAdultsReview.Decision.MANDATORY,
        decision_on=date(on.year, on.month, 20),
        decision_reasons="The adult died and agencies could have worked together better",
        status=SafeguardingAdultsReview.Status.PUBLISHED,
        started_on=date(on.year, on.month + 1, 1),
        concluded_on=date(on.year, on.month + 4, 1),
        published_on=date(on.year, on.month + 5, 1),
        themes=["self_neglect"],
        findings=findings,
        created_by=lead,
    )
    ReviewAdult.objects.create(
        review=review,
        pseudonym=pseudonym,
        person=person,
        died=True,
        serious_harm=False,
        age_band="85-94",
        date_of_death=date(on.year, on.month, 2),
    )
    done = recommendation_status == ReviewRecommendation.Status.COMPLETED
    ReviewRecommendation.objects.create(
        review=review,
        number=1,
        text="Agencies share what they know about self-neglect",
        owner_id=lead.organisation_id,
        due_on=date(on.year, on.month + 6, 1),
        status=recommendation_status,
        evidence="A protocol agreed by every agency" if done else "",
        completed_on=date(on.year, on.month + 6, 1) if done else None,
    )
    return review
