"""Providers' pages, whole-service enquiries and service concerns (docs/providers.md).

Council casework staff (PROVIDERS) see the providers, their history and the council's whole-service
enquiries and service concerns; starting an enquiry and choosing its lead is ALLOCATE's (team managers
and the safeguarding lead); the lead and the enquiry's own lead change it (``for_user(..., "edit")``).
Views are thin: every write is in ``services``.
"""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from msphub.accounts.permissions import ALLOCATE, PROVIDERS
from msphub.accounts.requests import AuthenticatedRequest
from msphub.core.access import Action, get_record, log_shown, record, requires, visible
from msphub.core.forms import posted
from msphub.core.states import StateChanged
from msphub.enquiries.services import as_primary_key

from . import services
from .forms import (
    ActionForm,
    ChangeEnquiryForm,
    CloseForm,
    CloseServiceConcernForm,
    EnquiryForm,
    LinkForm,
    LinkServiceConcernForm,
    ResolveActionForm,
    ServiceConcernForm,
    YearForm,
)
from .models import (
    LinkedConcern,
    ProviderAction,
    ServiceConcern,
    WholeServiceEnquiry,
    providers_of,
)

WSE = WholeServiceEnquiry
# The enquiry's lookup joins nothing: its council, provider and lead are fetched by key after it.
ENQUIRIES = WSE.objects.select_related("council", "provider", "lead")


def _apply(form: Any, error: ValidationError) -> None:
    """A service's refusal, shown on the form by field (or above it)."""
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error)


def _saved(request: AuthenticatedRequest, enquiry: WholeServiceEnquiry, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("providers:enquiry", reference=enquiry.reference)


def _council(request: AuthenticatedRequest) -> Any:
    council = request.user.organisation
    if council is None:  # PROVIDERS and ALLOCATE are council staff's: never the case
        raise Http404
    return council


def _form_page(request: AuthenticatedRequest, form: Any, title: str, **context: Any) -> HttpResponse:
    return render(request, "providers/form.html", {"form": form, "title": title, **context})


# --- Providers -------------------------------------------------------------------------------------


@require_GET
@requires(PROVIDERS)
def index(request: AuthenticatedRequest) -> HttpResponse:
    """The council's providers (concerns in the last 12 months, open whole-service enquiries, overdue
    provider actions), its open whole-service enquiries and open service concerns."""
    council = _council(request)
    since = timezone.localdate().replace(day=1)
    since = since.replace(year=since.year - 1)
    enquiries = visible(request, WSE.objects.all()).select_related("provider", "lead")
    concerns = visible(request, ServiceConcern.objects.all()).select_related("provider")
    return render(
        request,
        "providers/index.html",
        {
            "providers": services.provider_list(council, since),
            "since": since,
            "enquiries": list(enquiries.order_by("status", "-started_on", "-reference")[:50]),
            "service_concerns": list(concerns.filter(status=ServiceConcern.Status.OPEN)[:50]),
            "can_start": ALLOCATE.allows(request.user),
        },
    )


@require_GET
@requires(PROVIDERS)
def provider(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A provider's history for quality and contract leads: by quarter of a financial year, its
    concerns, enquiries and outcomes, types of risk; its whole-service enquiries, actions and service
    concerns."""
    council = _council(request)
    found = providers_of(council.pk).filter(pk=pk).first()
    if found is None:
        raise Http404
    chooser = YearForm(request.GET or None)
    year = chooser.chosen()
    enquiries = list(
        visible(request, WSE.objects.filter(provider=found)).select_related("lead").order_by("-started_on")
    )
    today = timezone.localdate()
    actions = list(
        visible(request, ProviderAction.objects.filter(whole_service_enquiry__provider=found)).select_related(
            "whole_service_enquiry", "owner_organisation"
        )
    )
    for action in actions:
        action.overdue = action.is_overdue(today) and action.whole_service_enquiry.is_open  # type: ignore[attr-defined]
    return render(
        request,
        "providers/provider.html",
        {
            "provider": found,
            "chooser": chooser,
            "history": services.provider_history(council, found, year),
            "labels": services.LABELS,
            "enquiries": enquiries,
            "actions": actions,
            "service_concerns": list(visible(request, ServiceConcern.objects.filter(provider=found))),
            "can_start": ALLOCATE.allows(request.user),
        },
    )


# --- Whole-service enquiries ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires(ALLOCATE)
def enquiry_new(request: AuthenticatedRequest) -> HttpResponse:
    """Start a whole-service enquiry; from a service concern when ``?from=SVC-...`` names one, or about
    the provider ``?provider=<id>`` names."""
    council = _council(request)
    source = None
    reference = request.GET.get("from", "")
    if reference:
        source = get_record(
            request,
            ServiceConcern.objects.filter(status=ServiceConcern.Status.OPEN),
            "edit",
            reference=reference,
        )
    initial: dict[str, Any] = {"started_on": timezone.localdate()}
    if source is not None:
        initial |= {"provider": source.provider, "about": source.what_happened}
    elif (pk := as_primary_key(request.GET.get("provider", ""))) is not None:
        # From a provider's page: that provider chosen (anything else chooses nothing).
        initial["provider"] = providers_of(council.pk).filter(pk=pk).first()
    form = EnquiryForm(posted(request), council=council, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enquiry = services.start_enquiry(
                council,
                request.user,
                provider=data["provider"],
                lead=data["lead"],
                about=data["about"],
                started_on=data["started_on"],
                service_concern=source,
            )
        except StateChanged as changed:
            form.add_error(None, str(changed))
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return _saved(request, enquiry, f"Whole-service enquiry {enquiry.reference} started")
    return _form_page(request, form, "Start a whole-service enquiry", source=source)


@require_GET
@record(ENQUIRIES, permission=PROVIDERS)
def enquiry(request: AuthenticatedRequest, wholeserviceenquiry: WholeServiceEnquiry) -> HttpResponse:
    found = wholeserviceenquiry
    adults = services.linked_adults(found, request.user)
    # The page names each linked adult: a view of their concern (and enquiry), logged as one.
    log_shown(request, [a.concern for a in adults] + [a.enquiry for a in adults if a.enquiry is not None])
    today = timezone.localdate()
    actions = list(found.actions.select_related("owner_organisation"))
    for action in actions:
        action.overdue = found.is_open and action.is_overdue(today)  # type: ignore[attr-defined]
    return render(
        request,
        "providers/enquiry.html",
        {
            "enquiry": found,
            "adults": adults,
            "actions": actions,
            "service_concerns": list(found.service_concerns.all()),
            "can_edit": WSE.objects.for_user(request.user, "edit").filter(pk=found.pk).exists(),
        },
    )


def _is_open(enquiry: WholeServiceEnquiry) -> bool:
    return enquiry.is_open


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, permission=PROVIDERS, where=_is_open)
def enquiry_change(request: AuthenticatedRequest, wholeserviceenquiry: WholeServiceEnquiry) -> HttpResponse:
    found = wholeserviceenquiry
    form = ChangeEnquiryForm(
        posted(request),
        council=found.council,
        initial={"lead": found.lead, "about": found.about, "findings": found.findings},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_enquiry(found, request.user, **form.cleaned_data)
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("providers:enquiry", reference=found.reference)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return _saved(request, found, "Enquiry updated")
    return _form_page(request, form, "Change the enquiry", enquiry=found)


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, permission=PROVIDERS, where=_is_open)
def enquiry_close(request: AuthenticatedRequest, wholeserviceenquiry: WholeServiceEnquiry) -> HttpResponse:
    found = wholeserviceenquiry
    form = CloseForm(
        posted(request),
        enquiry=found,
        initial={"findings": found.findings, "closed_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.close_enquiry(found, request.user, **form.cleaned_data)
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("providers:enquiry", reference=found.reference)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return _saved(request, found, "Enquiry closed")
    return _form_page(request, form, "Close the enquiry", enquiry=found, button="Close the enquiry")


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, permission=PROVIDERS, where=_is_open)
def enquiry_link(request: AuthenticatedRequest, wholeserviceenquiry: WholeServiceEnquiry) -> HttpResponse:
    """Link an adult's concern (by its reference, or its enquiry's) to the whole-service enquiry."""
    found = wholeserviceenquiry
    form = LinkForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            link = services.link_concern(found, request.user, form.cleaned_data["reference"])
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("providers:enquiry", reference=found.reference)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return _saved(request, found, f"{link.concern.reference} linked")
    return _form_page(request, form, "Link an adult's concern or enquiry", enquiry=found, button="Link")


@require_POST
@record(ENQUIRIES, Action.EDIT, permission=PROVIDERS, where=_is_open)
def enquiry_unlink(
    request: AuthenticatedRequest, wholeserviceenquiry: WholeServiceEnquiry, link: UUID
) -> HttpResponse:
    found = wholeserviceenquiry
    # Only a link the user may see: a restricted person's is a 404 for those it is hidden from.
    linked = get_record(
        request,
        LinkedConcern.objects.filter(whole_service_enquiry=found).select_related("concern"),
        "edit",
        uuid=link,
    )
    try:
        services.unlink_concern(linked, request.user)
    except StateChanged as changed:
        messages.error(request, str(changed))
        return redirect("providers:enquiry", reference=found.reference)
    return _saved(request, found, f"{linked.concern.reference} is no longer linked")


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, permission=PROVIDERS, where=_is_open)
def action_new(request: AuthenticatedRequest, wholeserviceenquiry: WholeServiceEnquiry) -> HttpResponse:
    found = wholeserviceenquiry
    form = ActionForm(posted(request), enquiry=found, initial={"owner_organisation": found.provider})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_action(found, request.user, **form.cleaned_data)
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("providers:enquiry", reference=found.reference)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return _saved(request, found, "Action added")
    return _form_page(request, form, "Add an action", enquiry=found)


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, permission=PROVIDERS, where=_is_open)
def action(
    request: AuthenticatedRequest, wholeserviceenquiry: WholeServiceEnquiry, action: UUID
) -> HttpResponse:
    """Record whether an action was done (or why not)."""
    found = wholeserviceenquiry
    chosen = get_record(
        request,
        ProviderAction.objects.filter(whole_service_enquiry=found, status=ProviderAction.Status.OPEN),
        "edit",
        uuid=action,
    )
    form = ResolveActionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.resolve_action(
                chosen,
                request.user,
                done=data["done"] == "yes",
                not_done_reason=data.get("not_done_reason", ""),
            )
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("providers:enquiry", reference=found.reference)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return _saved(request, found, "Action updated")
    return _form_page(request, form, "Was the action done?", enquiry=found, provider_action=chosen)


# --- Service concerns -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires(PROVIDERS)
def service_concern_new(request: AuthenticatedRequest) -> HttpResponse:
    council = _council(request)
    form = ServiceConcernForm(posted(request), council=council, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            concern = services.record_service_concern(council, request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, f"Service concern {concern.reference} recorded")
            return redirect("providers:service_concern", reference=concern.reference)
    return _form_page(request, form, "Record a concern about a service")


SERVICE_CONCERNS = ServiceConcern.objects.select_related("provider", "raiser_organisation", "recorded_by")


@require_GET
@record(SERVICE_CONCERNS, permission=PROVIDERS)
def service_concern(request: AuthenticatedRequest, serviceconcern: ServiceConcern) -> HttpResponse:
    return render(
        request,
        "providers/service_concern.html",
        {
            "concern": serviceconcern,
            "enquiry": serviceconcern.whole_service_enquiry,
            "can_start": ALLOCATE.allows(request.user),
        },
    )


def _concern_open(concern: ServiceConcern) -> bool:
    return concern.is_open


@require_http_methods(["GET", "POST"])
@record(SERVICE_CONCERNS, Action.EDIT, permission=PROVIDERS, where=_concern_open)
def service_concern_link(request: AuthenticatedRequest, serviceconcern: ServiceConcern) -> HttpResponse:
    """Make the service concern part of an open whole-service enquiry about the same provider."""
    concern = serviceconcern
    choices = visible(request, WSE.objects.open().filter(provider=concern.provider))
    form = LinkServiceConcernForm(posted(request), choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.link_service_concern(concern, form.cleaned_data["enquiry"])
        except StateChanged as changed:
            form.add_error(None, str(changed))
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(
                request, f"{concern.reference} is part of {form.cleaned_data['enquiry'].reference}"
            )
            return redirect("providers:service_concern", reference=concern.reference)
    return _form_page(
        request, form, "Add it to a whole-service enquiry", service_concern=concern, button="Add it"
    )


@require_http_methods(["GET", "POST"])
@record(SERVICE_CONCERNS, Action.EDIT, permission=PROVIDERS, where=_concern_open)
def service_concern_close(request: AuthenticatedRequest, serviceconcern: ServiceConcern) -> HttpResponse:
    concern = serviceconcern
    form = CloseServiceConcernForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.close_service_concern(concern, request.user, form.cleaned_data["closed_reason"])
        except StateChanged as changed:
            form.add_error(None, str(changed))
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, f"{concern.reference} closed")
            return redirect("providers:service_concern", reference=concern.reference)
    return _form_page(
        request, form, "Close it without a whole-service enquiry", service_concern=concern, button="Close it"
    )
