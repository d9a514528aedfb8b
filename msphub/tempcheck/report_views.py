"""The temperature-check report page and its downloads (JSON, CSV, PDF). The round named by the URL
is looked up through the chokepoint (core.access.record, with Round.objects.for_user); rounds to
compare with are those the user may compare (Action.COMPARE), others are ignored."""

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from msphub.accounts.requests import AuthenticatedRequest
from msphub.core.access import Action, record, visible
from msphub.core.downloads import CSV, JSON, PDF, download

from . import report
from .analysis import analyse
from .models import Round

ROUNDS = Round.objects.select_related("instrument")


def _rounds(request: AuthenticatedRequest) -> QuerySet[Round]:
    """The rounds the user may see."""
    return visible(request, Round.objects.all())


@require_GET
@record(ROUNDS, Action.VIEW, url_kwarg="slug", arg="round_", log=False)
def round_report(request: AuthenticatedRequest, round_: Round) -> HttpResponse:
    compare_slugs = request.GET.getlist("compare")
    compare = list(_rounds(request).filter(slug__in=compare_slugs).exclude(pk=round_.pk))
    data = analyse(round_, compare)
    file_format = request.GET.get("format")
    if file_format == "json":
        return download(report.as_json(data), JSON)
    if file_format == "csv":
        return download(report.as_csv(data), CSV, f"{round_.slug}.csv")
    if file_format == "pdf":
        return download(report.as_pdf(round_, data), PDF, f"{round_.slug}.pdf")
    context = report.context(round_, data)
    context.update({"other_rounds": _rounds(request).exclude(pk=round_.pk), "compare_slugs": compare_slugs})
    return render(request, "tempcheck/report.html", context)
