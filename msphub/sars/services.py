"""Every change to the register of Safeguarding Adults Reviews, and the return's SG5 tables.

Writes run inside ``transaction.atomic()`` with the review's row locked, so two people recording at
once cannot both act on a state that has moved on (msphub/core/states.py). The rules a form also
checks (reasons for a decision, a review concluded after it started) are checked here again, so a
caller that is not a form cannot break them either; they raise ``ValidationError`` keyed by field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from msphub.accounts.models import Organisation
from msphub.core.states import StateChanged, lock_status

from .models import AGE_BANDS, THEME_LABELS, ReviewAdult, ReviewRecommendation, SafeguardingAdultsReview

if TYPE_CHECKING:
    from msphub.core.periods import FinancialYear
    from msphub.people.models import Person

Review = SafeguardingAdultsReview
Decision = SafeguardingAdultsReview.Decision
Status = SafeguardingAdultsReview.Status

# The SAC's SG5 labels (docs/sac.md, SG5: confirmed from NHS England's publication code).
SG5A_ROW = "Count of Safeguarding Adult Reviews"
SG5A_DIED = "Where one or more individuals died"
SG5A_NONE_DIED = "Where no individuals died"
SG5B_ROW = "Count of Individuals Involved in Safeguarding Adult Reviews"
SG5B_DIED = "Who suffered serious harm and died"
SG5B_SURVIVED = "Who suffered serious harm and survived"

# The statuses a review moves through once the Board has decided to hold it, in order; a referral
# not progressed is closed at its decision and moves no further.
REVIEW_STATUSES = (Status.IN_PROGRESS, Status.CONCLUDED, Status.PUBLISHED)
REFERRAL_STATUSES = (Status.REFERRED, Status.UNDER_CONSIDERATION)
# The section 44 decisions that arrange a review (the rest are pending or not progressed): the one
# list the register, SG5 and the annual report ask.
HELD_DECISIONS = (Decision.MANDATORY, Decision.DISCRETIONARY)
AGE_BAND_VALUES = frozenset(band for band, _ in AGE_BANDS)
NOT_A_REVIEW = "The Board has not decided to hold this review, so it has no recommendations yet"

_REFERENCE = re.compile(r"SAR-(\d{4})-(\d+)")


def owner_organisations(council: Organisation) -> QuerySet[Organisation]:
    """Who may own a recommendation (or have referred a review): the council and its partner
    agencies."""
    return (
        Organisation.objects.filter(Q(pk=council.pk) | Q(councils=council))
        .distinct()
        .order_by("kind", "name")
    )


def _next_reference(council: Organisation, referred_on: date) -> str:
    """SAR-2026-001: the next number of the council's referrals in the referral's calendar year.

    Called with the council's row locked (``new_review``), so two referrals recorded at once are
    numbered one after the other; the unique constraint stands behind it."""
    prefix = f"SAR-{referred_on.year}-"
    taken = Review.objects.filter(council=council, reference__startswith=prefix).values_list(
        "reference", flat=True
    )
    numbers = [int(m.group(2)) for r in taken if (m := _REFERENCE.fullmatch(r))]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def _check_not_future(**dates: date | None) -> None:
    today = timezone.localdate()
    errors = {name: "The date must be today or in the past" for name, d in dates.items() if d and d > today}
    if errors:
        raise ValidationError(errors)


def new_review(
    council: Organisation,
    user: Any,
    *,
    referred_on: date,
    referring_organisation: Organisation | None = None,
    referred_by: str = "",
    referral_summary: str = "",
) -> SafeguardingAdultsReview:
    """Record a referral for a Safeguarding Adults Review (the register's first entry for it)."""
    _check_not_future(referred_on=referred_on)
    if (
        referring_organisation is not None
        and not owner_organisations(council).filter(pk=referring_organisation.pk).exists()
    ):
        raise ValidationError({"referring_organisation": "Select the council or one of its partner agencies"})
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=council.pk).first()
        return Review.objects.create(
            council=council,
            reference=_next_reference(council, referred_on),
            referred_on=referred_on,
            referring_organisation=referring_organisation,
            referred_by=referred_by.strip(),
            referral_summary=referral_summary.strip(),
            created_by=user,
        )


def record_decision(
    review: SafeguardingAdultsReview, user: Any, *, decision: str, decision_on: date, reasons: str
) -> SafeguardingAdultsReview:
    """The Board's section 44 decision, with its date and reasons. A review (mandatory or
    discretionary) is then in progress; a referral not progressed is closed. Decided once."""
    errors: dict[str, str] = {}
    if decision not in (Decision.MANDATORY, Decision.DISCRETIONARY, Decision.NOT_PROGRESSED):
        errors["decision"] = "Select the decision"
    if not reasons.strip():
        errors["decision_reasons"] = "Enter the reasons for the decision"
    if decision_on < review.referred_on:
        errors["decision_on"] = "The date of the decision must be on or after the date it was referred"
    if errors:
        raise ValidationError(errors)
    _check_not_future(decision_on=decision_on)
    with transaction.atomic():
        lock_status(
            review, [Decision.PENDING], StateChanged("The decision has already been recorded"), "decision"
        )
        review.refresh_from_db()
        review.decision = decision
        review.decision_on = decision_on
        review.decision_reasons = reasons.strip()
        review.status = Status.CLOSED if decision == Decision.NOT_PROGRESSED else Status.IN_PROGRESS
        review._change_reason = "Section 44 decision recorded"  # type: ignore[attr-defined]
        review.save()
    return review


def check_progress(
    review: SafeguardingAdultsReview,
    status: str,
    started_on: date | None,
    concluded_on: date | None,
    published_on: date | None,
) -> dict[str, str]:
    """What is wrong with these status and dates for ``review`` (field: message), or nothing."""
    errors: dict[str, str] = {}
    allowed = REVIEW_STATUSES if review.is_review else REFERRAL_STATUSES
    if review.status == Status.CLOSED:
        errors["status"] = "This referral was not progressed, so it has no review to update"
        return errors
    if status not in allowed:
        errors["status"] = (
            "Select in progress, concluded or published"
            if review.is_review
            else "Record the section 44 decision before the review's progress"
        )
    today = timezone.localdate()
    for name, value in (
        ("started_on", started_on),
        ("concluded_on", concluded_on),
        ("published_on", published_on),
    ):
        if value and value > today:
            errors[name] = "The date must be today or in the past"
    if status in (Status.CONCLUDED, Status.PUBLISHED) and not concluded_on:
        errors["concluded_on"] = "Enter the date the review concluded"
    if status == Status.PUBLISHED and not published_on:
        errors["published_on"] = "Enter the date the report was published"
    if concluded_on and not started_on:
        errors.setdefault("started_on", "Enter the date the review started")
    if started_on and concluded_on and concluded_on < started_on:
        errors.setdefault(
            "concluded_on", "The date the review concluded must be on or after the date it started"
        )
    if concluded_on and published_on and published_on < concluded_on:
        errors.setdefault(
            "published_on", "The date of publication must be on or after the date the review concluded"
        )
    if started_on and review.decision_on and started_on < review.decision_on:
        errors.setdefault("started_on", "The date the review started must be on or after the decision")
    if status == Status.IN_PROGRESS and concluded_on:
        errors.setdefault("status", "A review with a date it concluded is concluded or published")
    return errors


def update_progress(
    review: SafeguardingAdultsReview,
    user: Any,
    *,
    status: str,
    started_on: date | None,
    concluded_on: date | None,
    published_on: date | None,
    reviewer: str = "",
) -> SafeguardingAdultsReview:
    """The review's status, its dates and who is leading it."""
    errors = check_progress(review, status, started_on, concluded_on, published_on)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        expected = REVIEW_STATUSES if review.is_review else REFERRAL_STATUSES
        lock_status(review, expected, StateChanged("Someone else changed this review first: check it again"))
        review.status = status
        review.started_on = started_on
        review.concluded_on = concluded_on
        review.published_on = published_on
        review.reviewer = reviewer.strip()
        review.save(update_fields=["status", "started_on", "concluded_on", "published_on", "reviewer"])
    return review


def update_findings(
    review: SafeguardingAdultsReview,
    user: Any,
    *,
    themes: list[str],
    family_involvement: str,
    family_involvement_note: str,
    findings: str,
) -> SafeguardingAdultsReview:
    """The review's themes, how the family took part and what it found."""
    unknown = [t for t in themes if t not in THEME_LABELS]
    if unknown:
        raise ValidationError({"themes": "Select themes from the list"})
    if family_involvement not in SafeguardingAdultsReview.FamilyInvolvement.values:
        raise ValidationError({"family_involvement": "Select how the family was involved"})
    with transaction.atomic():
        Review.objects.select_for_update().filter(pk=review.pk).first()
        review.themes = [key for key in THEME_LABELS if key in themes]  # the list's order, once each
        review.family_involvement = family_involvement
        review.family_involvement_note = family_involvement_note.strip()
        review.findings = findings.strip()
        review.save(update_fields=["themes", "family_involvement", "family_involvement_note", "findings"])
    return review


def _check_adult(died: bool, date_of_death: date | None) -> None:
    if date_of_death and not died:
        raise ValidationError({"date_of_death": "Only give a date of death for an adult who died"})
    _check_not_future(date_of_death=date_of_death)


def save_adult(
    review: SafeguardingAdultsReview,
    user: Any,
    *,
    adult: ReviewAdult | None = None,
    pseudonym: str,
    died: bool,
    serious_harm: bool,
    age_band: str,
    date_of_death: date | None = None,
) -> ReviewAdult:
    """Add an adult the review is about (``adult`` None) or change one."""
    _check_adult(died, date_of_death)
    if age_band not in AGE_BAND_VALUES:
        raise ValidationError({"age_band": "Select their age band"})
    pseudonym = pseudonym.strip()
    if not pseudonym:
        raise ValidationError({"pseudonym": "Enter what the review calls them, like Adult A"})
    with transaction.atomic():
        Review.objects.select_for_update().filter(pk=review.pk).first()
        # Checked with the review locked, so two people adding "Adult A" at once cannot both pass it
        # (the unique constraint, case-sensitive, is only the last line).
        clash = ReviewAdult.objects.filter(review=review, pseudonym__iexact=pseudonym)
        if adult is not None:
            clash = clash.exclude(pk=adult.pk)
        if clash.exists():
            raise ValidationError(
                {"pseudonym": "Another adult in this review has that name: give each a different one"}
            )
        adult = adult or ReviewAdult(review=review)
        adult.pseudonym = pseudonym
        adult.died = died
        adult.serious_harm = serious_harm
        adult.age_band = age_band
        adult.date_of_death = date_of_death if died else None
        adult.save()
    return adult


def link_person(adult: ReviewAdult, user: Any, person: Person | None) -> ReviewAdult:
    """Link the adult to a person's record of the review's council (or unlink it, ``person`` None).
    The lead's alone: the view found ``person`` through the people app's chokepoint."""
    if not adult.review.with_personal_details(user):
        raise StateChanged("Only the safeguarding lead links a review to a person")
    if person is not None and person.council_id != adult.review.council_id:
        raise ValidationError({"person": "Choose a person of this council"})
    with transaction.atomic():
        ReviewAdult.objects.select_for_update().filter(pk=adult.pk).first()
        adult.person = person
        adult._change_reason = "Person linked" if person else "Person unlinked"  # type: ignore[attr-defined]
        adult.save(update_fields=["person"])
    return adult


def _check_owner(review: SafeguardingAdultsReview, owner: Organisation | None) -> None:
    if owner is None or not owner_organisations(review.council).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": "Select the organisation that owns the recommendation"})


def add_recommendation(
    review: SafeguardingAdultsReview, user: Any, *, text: str, owner: Organisation | None, due_on: date | None
) -> ReviewRecommendation:
    """A recommendation of the review, numbered after the last: only of a review the Board decided
    to hold (``StateChanged`` otherwise: the decision is read under the review's row lock)."""
    if review.decision not in HELD_DECISIONS:
        raise StateChanged(NOT_A_REVIEW)
    errors: dict[str, str] = {}
    if not text.strip():
        errors["text"] = "Enter the recommendation"
    try:
        _check_owner(review, owner)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if due_on is None:
        errors["due_on"] = "Enter the due date"
    if errors:
        raise ValidationError(errors)
    assert owner is not None and due_on is not None  # checked above
    with transaction.atomic():
        decision = Review.objects.select_for_update().filter(pk=review.pk).values_list("decision", flat=True)
        if decision.first() not in HELD_DECISIONS:
            raise StateChanged(NOT_A_REVIEW)
        last = review.recommendations.order_by("-number").values_list("number", flat=True).first() or 0
        return ReviewRecommendation.objects.create(
            review=review, number=last + 1, text=text.strip(), owner=owner, due_on=due_on
        )


def update_recommendation(
    recommendation: ReviewRecommendation,
    user: Any,
    *,
    text: str,
    owner: Organisation | None,
    due_on: date | None,
    status: str,
    evidence: str = "",
    completed_on: date | None = None,
    not_accepted_reason: str = "",
) -> ReviewRecommendation:
    """A recommendation's wording, owner, due date and progress: completed with its evidence and
    date, or not accepted with the reason."""
    S = ReviewRecommendation.Status
    errors: dict[str, str] = {}
    if not text.strip():
        errors["text"] = "Enter the recommendation"
    try:
        _check_owner(recommendation.review, owner)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if due_on is None:
        errors["due_on"] = "Enter the due date"
    if status not in S.values:
        errors["status"] = "Select the recommendation's progress"
    if status == S.COMPLETED:
        if not evidence.strip():
            errors["evidence"] = "Enter the evidence that it was completed"
        if completed_on is None:
            errors["completed_on"] = "Enter the date it was completed"
        elif completed_on > timezone.localdate():
            errors["completed_on"] = "The date it was completed must be today or in the past"
    if status == S.NOT_ACCEPTED and not not_accepted_reason.strip():
        errors["not_accepted_reason"] = "Enter why the recommendation was not accepted"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        ReviewRecommendation.objects.select_for_update().filter(pk=recommendation.pk).first()
        recommendation.text = text.strip()
        recommendation.owner = owner  # type: ignore[assignment]
        recommendation.due_on = due_on  # type: ignore[assignment]
        recommendation.status = status
        recommendation.evidence = evidence.strip()
        recommendation.completed_on = completed_on if status == S.COMPLETED else None
        recommendation.not_accepted_reason = not_accepted_reason.strip() if status == S.NOT_ACCEPTED else ""
        recommendation.save()
    return recommendation


# --- figures -----------------------------------------------------------------------------------


def recommendation_summary(
    reviews: QuerySet[SafeguardingAdultsReview], on: date | None = None
) -> dict[str, int]:
    """The recommendations of ``reviews`` by status, and how many are overdue: one query."""
    S = ReviewRecommendation.Status
    today = on or timezone.localdate()
    recommendations = ReviewRecommendation.objects.filter(review__in=reviews)
    counted = recommendations.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(status__in=[S.OPEN, S.IN_PROGRESS], due_on__lt=today)),
        **{status: Count("pk", filter=Q(status=status)) for status in S.values},
    )
    return counted


def concluded_reviews(
    council: Organisation | None, year: FinancialYear
) -> QuerySet[SafeguardingAdultsReview]:
    """What SG5 counts: reviews the Board decided to hold (mandatory or discretionary) that concluded
    in the financial year (docs/sac.md, SG5: msphub's choice, not confirmed from the guidance)."""
    reviews = Review.objects.filter(
        decision__in=HELD_DECISIONS,
        status__in=[Status.CONCLUDED, Status.PUBLISHED],
        **year.date_lookup("concluded_on"),
    )
    return reviews if council is None else reviews.filter(council=council)


def concluded_without_adults(council: Organisation | None, year: FinancialYear) -> list[str]:
    """The references of the reviews SG5a counts (``concluded_reviews``) that have no adult recorded,
    so SG5b cannot count anyone for them: the return's warnings name them (one query)."""
    return list(
        concluded_reviews(council, year)
        .filter(~Exists(ReviewAdult.objects.filter(review=OuterRef("pk"))))
        .order_by("reference")
        .values_list("reference", flat=True)
    )


def sg5(council: Organisation | None, year: FinancialYear) -> dict[str, list[tuple[str, str, int]]]:
    """SG5a and SG5b for a council (or every council) and a financial year, as (row, column, count),
    counted in the database in two queries; empty when no review concluded in the year.

    SG5a counts each review once: "where one or more individuals died" if any of its adults died.
    SG5b counts each adult of those reviews once: died, or survived serious harm. An adult who
    neither died nor suffered serious harm (a discretionary review, say) is in neither column."""
    reviews = concluded_reviews(council, year)
    someone_died = Exists(ReviewAdult.objects.filter(review=OuterRef("pk"), died=True))
    counted = reviews.aggregate(
        died=Count("pk", filter=Q(someone_died)),
        none_died=Count("pk", filter=~Q(someone_died)),
        n=Count("pk"),
    )
    if not counted["n"]:
        return {}
    adults = ReviewAdult.objects.filter(review__in=reviews).aggregate(
        # Named apart from the fields they count (an aggregate may not share a field's name).
        adults_died=Count("pk", filter=Q(died=True)),
        adults_survived=Count("pk", filter=Q(died=False, serious_harm=True)),
    )
    return {
        "SG5a": [(SG5A_ROW, SG5A_DIED, counted["died"]), (SG5A_ROW, SG5A_NONE_DIED, counted["none_died"])],
        "SG5b": [
            (SG5B_ROW, SG5B_DIED, adults["adults_died"]),
            (SG5B_ROW, SG5B_SURVIVED, adults["adults_survived"]),
        ],
    }
