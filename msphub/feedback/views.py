"""Independent and direct feedback pages (docs/feedback.md). Who may open each is declared on it; the
rules and every write are in ``services``.

The online pages are PUBLIC (``login_not_required``): they show back nothing about the enquiry but the
reference the person typed, carry nothing personal in their URLs (everything is posted or kept in the
session), and like every page are never cached (``core.middleware.NoStoreMiddleware``)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from msphub.accounts.permissions import FEEDBACK_ASSIGN, FEEDBACK_INTERVIEWS
from msphub.accounts.requests import AuthenticatedRequest
from msphub.core import onetime
from msphub.core.access import Action, record, requires, visible
from msphub.core.clients import client_ip
from msphub.core.forms import posted
from msphub.core.states import StateChanged
from msphub.enquiries.models import Enquiry, Feedback

from . import forms, services
from .models import FeedbackAssignment

# An enquiry's lookup joins the council and the person only (as enquiries.views.ENQUIRIES).
ENQUIRIES = Enquiry.objects.select_related("council", "person")
ASSIGNMENTS = FeedbackAssignment.objects.select_related(
    "enquiry__council", "enquiry__person", "representative"
)
# Finished assignments the lead's page lists, newest first.
FINISHED_SHOWN = 50


def _assignable(enquiry: Enquiry) -> bool:
    return services.assignable(Enquiry.objects.filter(pk=enquiry.pk)).exists()


def _show_errors(form: BaseForm, error: ValidationError) -> None:
    """A service's refusal on the form, by its question where it names one (the error summary links
    to it), else at the top."""
    if not hasattr(error, "error_dict"):
        for problem in error.messages:
            form.add_error(None, problem)
        return
    for field, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


# --- The lead --------------------------------------------------------------------------------------


@require_GET
@requires(FEEDBACK_ASSIGN)
def assignments(request: AuthenticatedRequest) -> HttpResponse:
    """Enquiries waiting for feedback to assign, the assignments waiting for an answer, and the
    latest finished (with those that lapsed or were answered another way). References only: names
    are on the page that assigns one (logged)."""
    due = (
        services.assignable(visible(request, Enquiry.objects.all(), "feedback"))
        .select_related("lead_practitioner")
        .order_by("closed_at", "reference")
    )
    related = ("enquiry", "interviewer__organisation")
    waiting = visible(request, FeedbackAssignment.objects.waiting()).select_related(*related)
    finished = services.finished(visible(request, FeedbackAssignment.objects.all()), FINISHED_SHOWN)
    return render(
        request,
        "feedback/assignments.html",
        {
            "due": due,
            "waiting": waiting.order_by("assigned_at", "pk"),
            "finished": finished,
            "interviewers_exist": services.interviewers(request.user.organisation_id).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.FEEDBACK, permission=FEEDBACK_ASSIGN, where=_assignable)
def assign(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    form = forms.AssignForm(
        posted(request),
        interviewers=services.interviewers(enquiry.council_id),
        representatives=services.representatives(enquiry),
        adult_name=enquiry.person.full_name,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.assign(enquiry, request.user, form.cleaned_data["interviewer"], form.representative())
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("feedback:assignments")
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"Feedback on {enquiry.reference} assigned")
            return redirect("feedback:assignments")
    return render(request, "feedback/assign.html", {"enquiry": enquiry, "form": form})


@require_POST
@record(ASSIGNMENTS, Action.MANAGE, url_kwarg="uuid", field="uuid", permission=FEEDBACK_ASSIGN)
def withdraw(request: AuthenticatedRequest, feedbackassignment: FeedbackAssignment) -> HttpResponse:
    try:
        services.withdraw(feedbackassignment, request.user)
    except StateChanged as changed:
        messages.error(request, str(changed))
    else:
        messages.success(request, f"Assignment of {feedbackassignment.enquiry.reference} withdrawn")
    return redirect("feedback:assignments")


# --- The interviewer -----------------------------------------------------------------------------


@require_GET
@requires(FEEDBACK_INTERVIEWS)
def interviews(request: AuthenticatedRequest) -> HttpResponse:
    """The interviewer's assignments waiting for an answer: reference and whom to contact only; the
    contact details are on each one's page, whose every view is logged."""
    waiting = visible(request, FeedbackAssignment.objects.all()).select_related("enquiry__council")
    return render(request, "feedback/interviews.html", {"waiting": waiting.order_by("assigned_at", "pk")})


def _sheet_page(
    request: AuthenticatedRequest, assignment: FeedbackAssignment, template: str, **context: Any
) -> HttpResponse:
    """A page of one assignment: shown with the contact details, logged against the assignment, its
    enquiry and its person (GET, or a POST shown again with its errors)."""
    services.log_sheet_shown(request, assignment)
    sheet = services.contact_sheet(assignment)
    return render(request, template, {"assignment": assignment, "sheet": sheet, **context})


@require_http_methods(["GET", "POST"])
@record(
    ASSIGNMENTS, Action.FEEDBACK, url_kwarg="uuid", field="uuid", permission=FEEDBACK_INTERVIEWS, log=False
)
def interview(request: AuthenticatedRequest, feedbackassignment: FeedbackAssignment) -> HttpResponse:
    """Whom to contact, how, and the feedback questions to record their answers."""
    assignment = feedbackassignment
    initial: dict[str, Any] = {"asked_on": timezone.localdate()}
    if assignment.representative is not None:
        rep = assignment.representative
        initial["representative_relationship"] = rep.relationship or rep.get_kind_display()
    form = forms.IndependentFeedbackForm(posted(request), version=assignment.version, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v is not None}
        try:
            services.record_independent(assignment, request.user, data)
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("feedback:interviews")
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"Feedback on {assignment.enquiry.reference} recorded. Thank you")
            return redirect("feedback:interviews")
    return _sheet_page(request, assignment, "feedback/interview.html", form=form)


@require_http_methods(["GET", "POST"])
@record(
    ASSIGNMENTS, Action.FEEDBACK, url_kwarg="uuid", field="uuid", permission=FEEDBACK_INTERVIEWS, log=False
)
def no_feedback(request: AuthenticatedRequest, feedbackassignment: FeedbackAssignment) -> HttpResponse:
    """The person could not be reached, or did not want to give feedback."""
    assignment = feedbackassignment
    form = forms.NoFeedbackForm(posted(request), initial={"outcome_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.close_without_feedback(
                assignment, request.user, form.cleaned_data["outcome"], form.cleaned_data["outcome_on"]
            )
        except StateChanged as changed:
            messages.error(request, str(changed))
        except ValidationError as error:
            _show_errors(form, error)
            return _sheet_page(request, assignment, "feedback/no_feedback.html", form=form)
        else:
            messages.success(request, f"{assignment.enquiry.reference}: {assignment.get_status_display()}")
        return redirect("feedback:interviews")
    return _sheet_page(request, assignment, "feedback/no_feedback.html", form=form)


# --- Online, for the person or their representative: PUBLIC ---------------------------------------------

# What the session keeps between the pages (server-side; nothing of it is in a URL or a cookie):
# the reference a code was asked for, with whose contact details matched (if any: the pages do not
# say), and then who is answering.
PENDING = "feedback_online_pending"
ANSWERING = "feedback_online_answering"


def _posted_reference(group: str, request: HttpRequest) -> str:
    """django-ratelimit's key: the reference asked about, so one reference cannot be tried from many
    addresses (text that is not a reference counts against the address, as the other limit does)."""
    reference = services.normalise_reference(request.POST.get("reference", ""))
    return reference or f"address:{client_ip(request)}"


def _start_again() -> HttpResponse:
    return redirect("feedback:online_start")


@login_not_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate="20/h", method="POST", block=True)
@ratelimit(key=_posted_reference, rate="5/h", method="POST", block=True)
def online_start(request: HttpRequest) -> HttpResponse:
    """The reference and the phone number or email address; a code goes there if they match, and
    the next page says the same whether or not they did."""
    form = forms.OnlineStartForm(posted(request))
    if request.method == "POST" and form.is_valid():
        reference, contact = form.cleaned_data["reference"], form.cleaned_data["contact"]
        # A new start ends any earlier verification in this browser (a shared computer).
        onetime.forget(request, services.PURPOSE)
        subject = onetime.begin(request, services.PURPOSE, services.normalise_reference(reference))
        match = services.send_online_code(reference, contact, subject)
        request.session[PENDING] = {"reference": reference, "version": match.version if match else ""}
        request.session.pop(ANSWERING, None)
        return redirect("feedback:online_code")
    return render(request, "feedback/online_start.html", {"form": form})


@login_not_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate="30/h", method="POST", block=True)
def online_code(request: HttpRequest) -> HttpResponse:
    # No limit by reference here: a code's tries belong to the session that asked for it
    # (onetime.begin), so nobody else can use them up; the start page limits asking per reference.
    pending = request.session.get(PENDING)
    if not pending:
        return _start_again()
    form = forms.OnlineCodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        if services.check_online_code(request, pending["reference"], form.cleaned_data["code"]):
            return redirect("feedback:online_who")
        form.add_error("code", "That code is not right, or it has run out. Check it, or ask for a new code")
    return render(request, "feedback/online_code.html", {"form": form})


def _verified(request: HttpRequest) -> Enquiry | None:
    enquiry = services.verified_enquiry(request)
    if enquiry is None:
        request.session.pop(ANSWERING, None)
    return enquiry


@login_not_required
@require_http_methods(["GET", "POST"])
def online_who(request: HttpRequest) -> HttpResponse:
    """Who is answering: the adult, or someone answering about them (and who they are to them)."""
    enquiry = _verified(request)
    if enquiry is None:
        return _start_again()
    versions = services.open_versions(enquiry)
    if not versions:
        return render(request, "feedback/online_answered.html", {"reference": enquiry.reference})
    suggested = request.session.get(PENDING, {}).get("version") or ""
    initial = {
        "answering": suggested if suggested in versions else (versions[0] if len(versions) == 1 else "")
    }
    form = forms.OnlineWhoForm(posted(request), versions=versions, initial=initial)
    if request.method == "POST" and form.is_valid():
        request.session[ANSWERING] = {
            "reference": enquiry.reference,
            "version": form.cleaned_data["answering"],
            "relationship": form.cleaned_data["relationship"],
        }
        return redirect("feedback:online_questions")
    return render(request, "feedback/online_who.html", {"form": form, "reference": enquiry.reference})


@login_not_required
@require_http_methods(["GET", "POST"])
def online_questions(request: HttpRequest) -> HttpResponse:
    """The feedback questions in easy read, every one optional, then the person's own words."""
    enquiry = _verified(request)
    if enquiry is None:
        return _start_again()
    answering = request.session.get(ANSWERING) or {}
    if (
        answering.get("reference") != enquiry.reference
        or answering.get("version") not in Feedback.Version.values
    ):
        return redirect("feedback:online_who")
    version = answering["version"]
    form = forms.OnlineAnswersForm(posted(request), version=version)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v is not None}
        data.update(version=version, representative_relationship=answering.get("relationship", ""))
        try:
            services.record_online(request, enquiry, data)
        except ValidationError:
            # Answered meanwhile in another tab or by someone else: back to who is answering.
            request.session.pop(ANSWERING, None)
            return redirect("feedback:online_who")
        except StateChanged:
            return _start_again()
        request.session.pop(ANSWERING, None)
        request.session.pop(PENDING, None)
        return redirect("feedback:online_done")
    return render(
        request,
        "feedback/online_questions.html",
        {"form": form, "reference": enquiry.reference, "adult": version == Feedback.Version.ADULT},
    )


@login_not_required
@require_GET
def online_done(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/online_done.html")
