"""The access log for the council's safeguarding lead: who viewed which record, and who signed in
and out, filtered by user, record, date and action, on a page and as a CSV for information
governance. Which entries a lead sees is ``services.for_council``.

Downloading the log is itself logged (an entry of record_type ``services.EXPORT`` whose page is the
download's URL, so its filters are kept); reading the page is not: it shows no person's record.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from msphub.accounts.permissions import SAFEGUARDING_LEAD
from msphub.accounts.requests import AuthenticatedRequest
from msphub.core.access import requires
from msphub.core.downloads import csv_response, csv_text
from msphub.core.models import AccessEvent, AccessLog
from msphub.core.signals import client_ip

from . import services
from .forms import AccessLogFilterForm

PER_PAGE = 25


def _council_id(request: AuthenticatedRequest) -> int:
    """The lead's council; SAFEGUARDING_LEAD lets in only council staff."""
    council_id = request.user.council_id
    assert council_id is not None, "a view without @requires(SAFEGUARDING_LEAD)"
    return council_id


def _filtered(request: AuthenticatedRequest) -> tuple[AccessLogFilterForm, QuerySet[AccessLog] | None]:
    """The filter form as answered in the query string, and the entries it picks out (None when an
    answer is wrong: the form then has the errors to show)."""
    form = AccessLogFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    return form, services.council_log(_council_id(request), form.filters())


@require_GET
@requires(SAFEGUARDING_LEAD)
def access_log(request: AuthenticatedRequest) -> HttpResponse:
    form, entries = _filtered(request)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page")) if entries is not None else None
    rows = [(e, services.record_type_label(e.record_type)) for e in page] if page is not None else []
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "governance/access_log.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "council": request.user.organisation,
            "query": query.urlencode(),
        },
    )


@require_GET
@requires(SAFEGUARDING_LEAD)
def access_log_csv(request: AuthenticatedRequest) -> HttpResponse:
    form, entries = _filtered(request)
    if entries is None:
        # The page says what is wrong with the filters.
        return redirect(f"{reverse('governance:access_log')}?{request.GET.urlencode()}")
    text = csv_text(services.CSV_HEADER, services.csv_rows(entries))
    # Written after the rows are read, so an export is not in its own file; if it cannot be
    # written, nothing is downloaded.
    AccessLog.objects.append(
        user=request.user,
        action=AccessEvent.VIEW,
        record_type=services.EXPORT,
        page=request.get_full_path()[:200],
        ip_address=client_ip(request),
    )
    return csv_response(text, f"access-log-{timezone.localdate():%Y-%m-%d}.csv")


urlpatterns: list[URLPattern] = [
    path("access-log/", access_log, name="access_log"),
    path("access-log.csv", access_log_csv, name="access_log_csv"),
]
