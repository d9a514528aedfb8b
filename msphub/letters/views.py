"""The letter pages: the lead's templates, an enquiry's and a concern's letters, and a letter's PDF.
Who may open each is declared on it; the writes are the services'."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from msphub.accounts.permissions import LETTER_TEMPLATES
from msphub.accounts.requests import AuthenticatedRequest
from msphub.concerns.models import Concern
from msphub.concerns.views import CONCERNS
from msphub.core.access import Action, log_shown, record, requires, visible
from msphub.core.downloads import pdf_response
from msphub.core.forms import posted
from msphub.enquiries.models import Enquiry
from msphub.enquiries.views import ENQUIRIES

from . import forms, placeholders, services
from .models import ADULT_KINDS, Kind, Letter, LetterTemplate

LETTERS = Letter.objects.select_related("council", "concern", "enquiry", "person")
PDF_TEMPLATES = {
    Kind.OUTCOME_ADULT: "letters/letter_pdf.html",
    Kind.OUTCOME_ADULT_EASY_READ: "letters/letter_easy_read_pdf.html",
    Kind.REFERRER_UPDATE: "letters/letter_pdf.html",
}


def _may(request: AuthenticatedRequest, record_: Enquiry | Concern, action: Action) -> bool:
    """Whether the user may also ``action`` the record the page shows (one query)."""
    rows = type(record_)._default_manager.filter(pk=record_.pk)
    return bool(visible(request, rows, action).exists())


# --- The lead's templates ------------------------------------------------------------------------


@require_GET
@requires(LETTER_TEMPLATES)
def templates(request: AuthenticatedRequest) -> HttpResponse:
    saved = list(visible(request, LetterTemplate.objects.select_related("updated_by")))
    return render(request, "letters/templates.html", {"wordings": services.wordings(saved)})


@require_http_methods(["GET", "POST"])
@requires(LETTER_TEMPLATES)
def template_edit(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    found = Kind.from_slug(kind)
    if found is None:
        raise Http404("No such letter")
    saved = visible(request, LetterTemplate.objects.filter(kind=found)).first()
    current = services.wording(found, saved)
    form = forms.TemplateForm(
        posted(request), kind=found, initial={"subject": current.subject, "body": current.body}
    )
    if request.method == "POST" and form.is_valid():
        council = request.user.organisation
        assert council is not None  # the lead of a council (LETTER_TEMPLATES)
        services.save_template(
            council, found, request.user, form.cleaned_data["subject"], form.cleaned_data["body"]
        )
        messages.success(request, f"{found.label}: your council's text is saved")
        return redirect("letters:templates")
    allowed = [(name, placeholders.DESCRIPTIONS[name]) for name in placeholders.ALLOWED[found]]
    return render(
        request,
        "letters/template_edit.html",
        {"form": form, "kind": found, "current": current, "allowed": allowed},
    )


# --- Producing letters -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES)
def enquiry_letters(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    """The enquiry's outcome letters, for anyone who sees the enquiry; those who may change it
    produce one (standard or easy read)."""
    may_produce = _may(request, enquiry, Action.EDIT)
    if request.method == "POST" and not may_produce:
        raise Http404
    form = forms.OutcomeLetterForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            letter = services.produce_outcome_letter(enquiry, request.user, Kind(form.cleaned_data["kind"]))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{letter.get_kind_display()} produced")
            return redirect("letters:enquiry", reference=enquiry.reference)
    letters = visible(request, Letter.objects.filter(enquiry=enquiry, kind__in=ADULT_KINDS)).select_related(
        "created_by"
    )
    context = {
        "enquiry": enquiry,
        "form": form,
        "may_produce": may_produce,
        "letters": letters,
        "may_update_referrer": _may(request, enquiry.concern, Action.TRIAGE),
    }
    return render(request, "letters/enquiry_letters.html", context)


@require_http_methods(["GET", "POST"])
@record(CONCERNS)
def concern_letters(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    """The updates to the person who raised the concern, for anyone who sees it; those who may triage
    it produce one. The update says only the reference and where the concern is now."""
    may_produce = _may(request, concern, Action.TRIAGE)
    if request.method == "POST" and not may_produce:
        raise Http404
    errors: list[str] = []
    if request.method == "POST":
        try:
            letter = services.produce_referrer_update(concern, request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"{letter.get_kind_display()} produced")
            return redirect("letters:concern", reference=concern.reference)
    letters = visible(
        request, Letter.objects.filter(concern=concern, kind=Kind.REFERRER_UPDATE)
    ).select_related("created_by")
    context = {"concern": concern, "may_produce": may_produce, "letters": letters, "errors": errors}
    return render(request, "letters/concern_letters.html", context)


@require_GET
@record(LETTERS, url_kwarg="uuid")
def letter_pdf(request: AuthenticatedRequest, letter: Letter) -> HttpResponse:
    """A letter as PDF, as it was produced. The download is logged against the letter (by the
    lookup) and against the enquiry or concern it is about, so the record's own log shows it."""
    log_shown(request, [letter.enquiry or letter.concern])
    template = PDF_TEMPLATES[Kind(letter.kind)]
    return pdf_response(request, template, {"letter": letter}, letter.filename)
