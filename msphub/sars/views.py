"""The register of Safeguarding Adults Reviews: the council's safeguarding lead records and updates
reviews; the council's Board viewers read the register and the recommendations without personal
details (``SafeguardingAdultsReview.with_personal_details``)."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from msphub.accounts.permissions import SAR_MANAGE, SAR_REGISTER
from msphub.accounts.requests import AuthenticatedRequest
from msphub.concerns.models import Concern
from msphub.core.access import Action, get_record, log_shown, record, requires, visible
from msphub.core.forms import initial_from, posted
from msphub.core.states import StateChanged
from msphub.core.validators import is_valid_nhs_number, normalise_nhs_number
from msphub.enquiries.models import Enquiry
from msphub.people.models import Person

from . import services
from .forms import (
    AdultForm,
    DecisionForm,
    FindingsForm,
    LinkPersonForm,
    ProgressForm,
    RecommendationForm,
    RegisterFilterForm,
    ReviewForm,
)
from .models import ReviewAdult, ReviewRecommendation, SafeguardingAdultsReview

Review = SafeguardingAdultsReview
R = ReviewRecommendation.Status


def _saved(request: AuthenticatedRequest, review: SafeguardingAdultsReview, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("sars:detail", reference=review.reference)


def _apply(form: Any, error: ValidationError) -> None:
    """A service's refusal, shown on the form by field (or above it)."""
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error)


@require_GET
@requires(SAR_REGISTER)
def register(request: AuthenticatedRequest) -> HttpResponse:
    """The council's reviews, filtered by status, decision and financial year, with how many
    recommendations are open, completed and overdue. A fixed number of queries, however many."""
    reviews = visible(request, Review.objects.all())
    filters = RegisterFilterForm(request.GET or None)
    if filters.is_valid():
        chosen = filters.cleaned_data
        if chosen.get("status"):
            reviews = reviews.filter(status=chosen["status"])
        if chosen.get("decision"):
            reviews = reviews.filter(decision=chosen["decision"])
        year = chosen.get("year")
        if year is not None:
            # Reviews and referrals open at some time in the year: referred by its end, not
            # concluded before it began, and not a referral closed (not progressed) before it began.
            # A referral still pending is open until it is decided, so it stays in every year since.
            reviews = (
                reviews.filter(referred_on__lte=year.end)
                .exclude(concluded_on__lt=year.start)
                .exclude(status=Review.Status.CLOSED, decision_on__lt=year.start)
            )
    today = timezone.localdate()
    overdue = Q(recommendations__status__in=[R.OPEN, R.IN_PROGRESS], recommendations__due_on__lt=today)
    rows = reviews.annotate(
        adult_count=Count("adults", distinct=True),
        died_count=Count("adults", filter=Q(adults__died=True), distinct=True),
        recommendation_count=Count("recommendations", distinct=True),
        completed_count=Count(
            "recommendations", filter=Q(recommendations__status=R.COMPLETED), distinct=True
        ),
        overdue_count=Count("recommendations", filter=overdue, distinct=True),
    ).order_by("-referred_on", "-reference")
    return render(
        request,
        "sars/register.html",
        {
            "reviews": rows,
            "filters": filters,
            "summary": services.recommendation_summary(reviews, today),
            "statuses": R.choices,
        },
    )


@require_http_methods(["GET", "POST"])
@requires(SAR_MANAGE)
def new_review(request: AuthenticatedRequest) -> HttpResponse:
    council = request.user.organisation
    assert council is not None  # SAR_MANAGE: a council's safeguarding lead
    form = ReviewForm(posted(request), council=council)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.new_review(council, request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return _saved(request, review, f"Referral {review.reference} recorded")
    return render(request, "sars/form.html", {"form": form, "title": "Record a referral for a review"})


def _adults_shown(request: AuthenticatedRequest, review: SafeguardingAdultsReview) -> QuerySet[ReviewAdult]:
    adults = review.adults.all()
    if review.with_personal_details(request.user):
        return adults.select_related("person")
    # The Board's page never reads a person's record at all.
    return adults.defer("person", "date_of_death")


@require_GET
@record(Review.objects.select_related("council", "referring_organisation"), permission=SAR_REGISTER)
def detail(request: AuthenticatedRequest, safeguardingadultsreview: SafeguardingAdultsReview) -> HttpResponse:
    review = safeguardingadultsreview
    personal = review.with_personal_details(request.user)
    adults = list(_adults_shown(request, review))
    if personal:
        # Seeing the linked person on the review is a view of the person's record.
        log_shown(request, [a.person for a in adults if a.person is not None])
    recommendations = list(review.recommendations.select_related("owner"))
    today = timezone.localdate()
    for r in recommendations:
        r.overdue = r.is_overdue(today)  # type: ignore[attr-defined]
    return render(
        request,
        "sars/detail.html",
        {
            "review": review,
            "personal": personal,
            "adults": adults,
            "recommendations": recommendations,
            "manage": SAR_MANAGE.allows(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@record(
    Review.objects.all(),
    Action.EDIT,
    permission=SAR_MANAGE,
    where=lambda r: r.decision == Review.Decision.PENDING,
)
def decision(
    request: AuthenticatedRequest, safeguardingadultsreview: SafeguardingAdultsReview
) -> HttpResponse:
    review = safeguardingadultsreview
    form = DecisionForm(posted(request), review=review)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_decision(
                review,
                request.user,
                decision=data["decision"],
                decision_on=data["decision_on"],
                reasons=data["decision_reasons"],
            )
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("sars:detail", reference=review.reference)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return _saved(request, review, "Decision recorded")
    return render(
        request, "sars/form.html", {"form": form, "review": review, "title": "Record the section 44 decision"}
    )


@require_http_methods(["GET", "POST"])
@record(
    Review.objects.all(), Action.EDIT, permission=SAR_MANAGE, where=lambda r: r.status != Review.Status.CLOSED
)
def progress(
    request: AuthenticatedRequest, safeguardingadultsreview: SafeguardingAdultsReview
) -> HttpResponse:
    review = safeguardingadultsreview
    form = ProgressForm(posted(request), review=review, initial=initial_from(review, ProgressForm))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_progress(
                review,
                request.user,
                status=data["status"],
                started_on=data.get("started_on"),
                concluded_on=data.get("concluded_on"),
                published_on=data.get("published_on"),
                reviewer=data.get("reviewer", ""),
            )
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("sars:detail", reference=review.reference)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return _saved(request, review, "Status and dates updated")
    return render(request, "sars/form.html", {"form": form, "review": review, "title": "Status and dates"})


@require_http_methods(["GET", "POST"])
@record(Review.objects.all(), Action.EDIT, permission=SAR_MANAGE)
def findings(
    request: AuthenticatedRequest, safeguardingadultsreview: SafeguardingAdultsReview
) -> HttpResponse:
    review = safeguardingadultsreview
    form = FindingsForm(posted(request), initial=initial_from(review, FindingsForm))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_findings(review, request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return _saved(request, review, "Themes and findings saved")
    return render(
        request,
        "sars/form.html",
        {"form": form, "review": review, "title": "Themes, family involvement and findings"},
    )


@require_http_methods(["GET", "POST"])
@record(Review.objects.all(), Action.EDIT, permission=SAR_MANAGE)
def adult(
    request: AuthenticatedRequest,
    safeguardingadultsreview: SafeguardingAdultsReview,
    adult: UUID | None = None,
) -> HttpResponse:
    """Add an adult the review is about, or (``adult``, its uuid) change one."""
    review = safeguardingadultsreview
    found = (
        get_record(request, ReviewAdult.objects.filter(review=review), Action.EDIT, uuid=adult)
        if adult
        else None
    )
    form = AdultForm(posted(request), initial=initial_from(found, AdultForm) if found else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_adult(review, request.user, adult=found, **form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return _saved(request, review, "Adult saved")
    title = f"Change {found.pseudonym}" if found else "Add an adult the review is about"
    return render(request, "sars/form.html", {"form": form, "review": review, "title": title})


def _find_person(request: AuthenticatedRequest, text: str) -> tuple[Person | None, str]:
    """The person an NHS number or a concern's or enquiry's reference names, found through the
    people's, concerns' and enquiries' own chokepoints; else why not (a message for the form)."""
    text = text.strip().upper()
    not_found = "No record you can see matches that: check the NHS number or reference"
    if text.startswith(("CON-", "ENQ-")):
        model: type[Concern] | type[Enquiry] = Concern if text.startswith("CON-") else Enquiry
        found = list(
            visible(request, model.objects.all())
            .filter(reference=text)
            .values_list("person_id", flat=True)[:1]
        )
        if not found:
            return None, not_found
        person_id = found[0]
        if person_id is None:
            return None, "That record is not linked to a person yet"
        # The person through the people's own chokepoint too (a restricted record stays closed).
        person = visible(request, Person.objects.all()).filter(pk=person_id).first()
        return (person, "") if person is not None else (None, not_found)
    number = normalise_nhs_number(text)
    if not is_valid_nhs_number(number):
        return None, "Enter a real NHS number (10 digits), or a reference like CON-2026-000123"
    people = list(visible(request, Person.objects.all()).filter(nhs_number=number)[:2])
    if not people:
        return None, not_found
    if len(people) > 1:
        return None, "More than one record has that NHS number: use a concern or enquiry reference"
    return people[0], ""


@require_http_methods(["GET", "POST"])
@record(Review.objects.all(), Action.EDIT, permission=SAR_MANAGE)
def link_person(
    request: AuthenticatedRequest, safeguardingadultsreview: SafeguardingAdultsReview, adult: UUID
) -> HttpResponse:
    """The lead links an adult of the review to the person's record (or removes the link)."""
    review = safeguardingadultsreview
    found = get_record(
        request, ReviewAdult.objects.filter(review=review).select_related("review"), Action.EDIT, uuid=adult
    )
    if request.method == "POST" and "unlink" in request.POST:
        services.link_person(found, request.user, None)
        return _saved(request, review, f"{found.pseudonym} is no longer linked to a person's record")
    form = LinkPersonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        person, problem = _find_person(request, form.cleaned_data["find"])
        if person is None:
            form.add_error("find", problem)
        else:
            try:
                services.link_person(found, request.user, person)
            except ValidationError as exc:
                form.add_error("find", exc.message_dict.get("person", exc.messages))
            else:
                return _saved(request, review, f"{found.pseudonym} linked to the person's record")
    if found.person is not None:
        # The page names the linked person, on a GET and when a failed POST shows it again.
        log_shown(request, [found.person])
    return render(
        request,
        "sars/link_person.html",
        {
            "form": form,
            "review": review,
            "adult": found,
            "title": f"Link {found.pseudonym} to a person's record",
        },
    )


@require_http_methods(["GET", "POST"])
@record(
    Review.objects.all(),
    Action.EDIT,
    permission=SAR_MANAGE,
    # Recommendations are a held review's: a referral pending or not progressed has none (404).
    where=lambda r: r.decision in services.HELD_DECISIONS,
)
def recommendation(
    request: AuthenticatedRequest,
    safeguardingadultsreview: SafeguardingAdultsReview,
    recommendation: UUID | None = None,
) -> HttpResponse:
    """Add a recommendation, or (``recommendation``, its uuid) change one and record its progress."""
    review = safeguardingadultsreview
    found = (
        get_record(
            request, ReviewRecommendation.objects.filter(review=review), Action.EDIT, uuid=recommendation
        )
        if recommendation
        else None
    )
    initial = initial_from(found, RecommendationForm) if found else None
    form = RecommendationForm(
        posted(request), council=review.council, progress=found is not None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if found is None:
                services.add_recommendation(
                    review, request.user, text=data["text"], owner=data["owner"], due_on=data["due_on"]
                )
            else:
                services.update_recommendation(found, request.user, **data)
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("sars:detail", reference=review.reference)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return _saved(request, review, "Recommendation saved")
    title = f"Recommendation {found.number}" if found else "Add a recommendation"
    return render(request, "sars/form.html", {"form": form, "review": review, "title": title})
