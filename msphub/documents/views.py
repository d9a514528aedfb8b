"""The document pages: adding one to a person, a concern or an enquiry, its page, its download and
marking it as entered in error. Each is a ``record`` looked up through the permission chokepoint
(404 to anyone who may not see it); writes are the services'."""

from operator import attrgetter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from msphub.accounts.requests import AuthenticatedRequest
from msphub.concerns.models import Concern
from msphub.core.access import Action, log_shown, record
from msphub.core.downloads import download
from msphub.core.forms import posted
from msphub.core.states import StateChanged
from msphub.enquiries.models import Enquiry
from msphub.people.models import Person

from . import services
from .forms import InErrorForm, UploadForm
from .models import Document

PEOPLE = Person.objects.select_related("council")
CONCERNS = Concern.objects.select_related("council", "person")
ENQUIRIES = Enquiry.objects.select_related("council", "person")
DOCUMENTS = Document.objects.select_related(
    "person", "concern", "enquiry", "uploaded_by", "entered_in_error_by"
)


def _linked(concern: Concern) -> bool:
    """A document always belongs to a person: a concern takes one once it is linked to its adult."""
    return concern.person_id is not None


def _not_in_error(document: Document) -> bool:
    return not document.is_entered_in_error


def _upload(
    request: AuthenticatedRequest, on: Person | Concern | Enquiry, caption: str, back: str
) -> HttpResponse:
    files = request.FILES if request.method == "POST" else None
    form = UploadForm(posted(request), files)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = services.add_document(request.user, on, data["file"], data["kind"], data["title"])
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"file": exc.messages}
            for name, problems in errors.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect(back)
        else:
            messages.success(request, "Document added")
            return redirect("documents:detail", uuid=document.uuid)
    return render(
        request, "documents/upload.html", {"form": form, "on": on, "caption": caption, "back": back}
    )


@require_http_methods(["GET", "POST"])
@record(PEOPLE, Action.EDIT, url_kwarg="uuid")
def upload_for_person(request: AuthenticatedRequest, person: Person) -> HttpResponse:
    return _upload(request, person, person.full_name, reverse("people:detail", args=[person.uuid]))


@require_http_methods(["GET", "POST"])
@record(CONCERNS, Action.TRIAGE, where=_linked)
def upload_for_concern(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    back = reverse("concerns:detail", args=[concern.reference])
    return _upload(request, concern, f"Concern {concern.reference}", back)


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, where=attrgetter("is_editable"))
def upload_for_enquiry(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    back = reverse("enquiries:detail", args=[enquiry.reference])
    return _upload(request, enquiry, f"Enquiry {enquiry.reference}", back)


@require_GET
@record(DOCUMENTS, url_kwarg="uuid")
def detail(request: AuthenticatedRequest, document: Document) -> HttpResponse:
    # The page names the person too: their view is logged with the document's.
    log_shown(request, [document.person])
    may_mark = (
        not document.is_entered_in_error
        and Document.objects.for_user(request.user, Action.EDIT).filter(pk=document.pk).exists()
    )
    return render(request, "documents/detail.html", {"document": document, "may_mark": may_mark})


@require_GET
@record(DOCUMENTS, url_kwarg="uuid")
def download_file(request: AuthenticatedRequest, document: Document) -> HttpResponse:
    """The file, always as an attachment named by the document's uuid (never shown in the browser,
    where a PDF's or an office file's scripts could run in msphub's origin), sandboxed in case a
    browser shows it anyway. The lookup logged the download."""
    if not document.has_file:
        raise Http404("The file was removed under retention")
    try:
        content = services.read_file(document)
    except FileNotFoundError as exc:
        raise Http404("No such file") from exc
    response = download(content, document.content_type, document.download_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@require_http_methods(["GET", "POST"])
@record(DOCUMENTS, Action.EDIT, url_kwarg="uuid", where=_not_in_error)
def entered_in_error(request: AuthenticatedRequest, document: Document) -> HttpResponse:
    form = InErrorForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.mark_in_error(document, request.user, form.cleaned_data["reason"])
        except ValidationError as exc:
            for error in exc.messages:
                form.add_error("reason", error)
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("documents:detail", uuid=document.uuid)
        else:
            messages.success(request, "The document is marked as entered in error")
            return redirect("documents:detail", uuid=document.uuid)
    return render(request, "documents/entered_in_error.html", {"document": document, "form": form})
