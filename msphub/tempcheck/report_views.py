"""The temperature-check report page and its downloads (JSON, CSV, PDF), all from the same choices.

The round named by the URL is looked up through the chokepoint (core.access.record, with
Round.objects.for_user); the rounds merged into it and compared with it are only those the user may
use (report.choose: their own rounds, and for a lead the national rounds and baselines, aggregates
only); anything else in the query string is left out with a message. Nothing changes on GET but the
access log, which records each download (who, which round, the page with its choices).
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from msphub.accounts.requests import AuthenticatedRequest
from msphub.core.access import Action, log_view, record
from msphub.core.clients import client_ip
from msphub.core.downloads import CSV, JSON, PDF, download
from msphub.core.models import AccessEvent, AccessLog

from . import report
from .models import Round

ROUNDS = Round.objects.select_related("instrument")
# The access-log entry of a report download names the round (its slug: rounds have no uuid); the
# record type is shown as it is in the lead's access log.
DOWNLOAD = "Temperature check report download"


def _log_download(request: AuthenticatedRequest, round_: Round) -> None:
    AccessLog.objects.append(
        user=request.user,
        action=AccessEvent.VIEW,
        record_type=DOWNLOAD,
        record_reference=round_.slug[:40],
        page=request.get_full_path().replace("\x00", "")[:200],
        ip_address=client_ip(request),
    )


def _published_by(request: AuthenticatedRequest) -> str:
    user = request.user
    name = (user.get_full_name() or user.get_username()).strip()
    organisation = getattr(user, "organisation", None)
    return f"{name}, {organisation.name}" if organisation is not None else name


@require_GET
@record(ROUNDS, Action.VIEW, url_kwarg="slug", arg="round_", log=False)
def round_report(request: AuthenticatedRequest, round_: Round) -> HttpResponse:
    choices = report.choose(request.user, round_, request.GET)
    data = report.analyse(choices)
    file_format = request.GET.get("format")
    if file_format in ("json", "csv", "pdf"):
        if file_format == "json":
            response = download(report.as_json(data), JSON)
        elif file_format == "csv":
            response = download(report.as_csv(data), CSV, report.file_name(choices, "csv"))
        else:
            pdf = report.as_pdf(round_, data, published_by=_published_by(request), choices=choices)
            response = download(pdf, PDF, report.file_name(choices, "pdf"))
        # Written once the file is made, so a download that failed is not in the log.
        _log_download(request, round_)
        return response
    # The page itself is a view of the round, logged as every page of a round is (a download is logged
    # once, as a download, above: hence log=False on the decorator).
    log_view(request, round_)
    query = request.GET.copy()
    query.pop("format", None)
    context = report.context(round_, data, published_by=_published_by(request), choices=choices)
    context.update({"choices": choices, "query": query.urlencode()})
    return render(request, "tempcheck/report.html", context)
