"""The Board's annual report pages: the years, the pack (page and PDF), writing a section and its
history, and agreeing the report. The register's people (the council's safeguarding lead and its
Board viewers) read the pack (ANNUAL_REPORT, ``AnnualReport.objects.for_user``), since it prints the
reviews, findings and recommendations; only the safeguarding lead writes and agrees it
(ANNUAL_REPORT_EDIT). The pack holds no record-level data (aggregates, pseudonyms and approved quotes
only), so viewing and downloading it is not access-logged."""

from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from msphub.accounts.models import Organisation
from msphub.accounts.permissions import ANNUAL_REPORT, ANNUAL_REPORT_EDIT
from msphub.accounts.requests import AuthenticatedRequest
from msphub.core.access import Action, record, requires, visible
from msphub.core.downloads import PDF, download, pdf_response, render_pdf
from msphub.core.forms import posted
from msphub.core.history import changes_for
from msphub.core.states import StateChanged

from . import services
from .forms import MembersForm, NewReportForm, SectionForm
from .models import AnnualReport, Section

REPORTS = AnnualReport.objects.select_related("council")


def _council(request: AuthenticatedRequest) -> Organisation:
    council = request.user.aggregates_council
    assert council is not None, "a view without @requires(ANNUAL_REPORT)"
    return council


def _pack_url(report: AnnualReport) -> str:
    return reverse("annualreport:pack", args=[report.year])


def _section_key(key: str) -> str:
    """A section key from the URL; anything else is not a page (404)."""
    if key not in Section.values:
        raise Http404("No such section")
    return key


@require_GET
@requires(ANNUAL_REPORT)
def index(request: AuthenticatedRequest) -> HttpResponse:
    reports = visible(request, AnnualReport.objects.all()).order_by("-year")
    return render(
        request,
        "annualreport/index.html",
        {
            "council": _council(request),
            "reports": reports,
            "can_start": ANNUAL_REPORT_EDIT.allows(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@requires(ANNUAL_REPORT_EDIT)
def new(request: AuthenticatedRequest) -> HttpResponse:
    council = _council(request)
    taken = set(AnnualReport.objects.filter(council=council).values_list("year", flat=True))
    form = NewReportForm(posted(request), taken=taken)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.create_report(council, form.cleaned_data["year"], request.user)
        except services.ReportExists as exists:
            form.add_error("year", str(exists))
        else:
            messages.success(request, f"The {report.financial_year} report is started: write its sections")
            return redirect(_pack_url(report))
    return render(request, "annualreport/new.html", {"council": council, "form": form})


def _check_year(view: Any) -> Any:
    """A year outside the reports' range (before 2015-16 or after this one) is a 404 before any
    lookup: the URL takes any whole number, and one too large for the database must not reach it."""

    @wraps(view)  # keeps the view's declared access (``view.access``)
    def wrapped(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not services.is_report_year(kwargs["year"]):
            raise Http404("No report for that year")
        return view(request, *args, **kwargs)

    return wrapped


def _pack_context(request: AuthenticatedRequest, report: AnnualReport) -> dict[str, Any]:
    pack = services.build_pack(report)
    return {
        "pack": pack,
        "report": report,
        "sections": list(pack.sections.values()),
        "can_edit": report.is_draft and ANNUAL_REPORT_EDIT.allows(request.user),
    }


@require_GET
@_check_year
@record(REPORTS, Action.VIEW, url_kwarg="year", arg="report", permission=ANNUAL_REPORT, log=False)
def pack(request: AuthenticatedRequest, report: AnnualReport) -> HttpResponse:
    if not report.is_draft and report.agreed_body:
        # The report as agreed, not drawn again from the record.
        return render(
            request, "annualreport/pack.html", {"report": report, "agreed_body": report.agreed_body}
        )
    context = _pack_context(request, report)
    context["missing"] = services.missing_sections(report) if context["can_edit"] else []
    return render(request, "annualreport/pack.html", context)


@require_GET
@_check_year
@record(REPORTS, Action.VIEW, url_kwarg="year", arg="report", permission=ANNUAL_REPORT, log=False)
def pack_pdf(request: AuthenticatedRequest, report: AnnualReport) -> HttpResponse:
    filename = f"annual-report-{report.financial_year}-{report.council.ons_code or report.council.pk}.pdf"
    if not report.is_draft and report.agreed_pdf:
        return download(bytes(report.agreed_pdf), PDF, filename)
    # A tagged PDF (core.downloads): headings, tables with their captions and lists in its structure.
    return pdf_response(request, "annualreport/pack_pdf.html", _print_context(request, report), filename)


def _print_context(request: AuthenticatedRequest, report: AnnualReport) -> dict[str, Any]:
    context = _pack_context(request, report)
    context["can_edit"] = False
    return context


def _frozen(request: AuthenticatedRequest) -> Any:
    """What ``services.agree`` keeps of the pack: its body as the page shows it, and its PDF."""

    def frozen(report: AnnualReport) -> tuple[str, bytes]:
        context = _print_context(request, report)
        body = render_to_string("annualreport/_pack_body.html", context, request=request)
        return body, render_pdf("annualreport/pack_pdf.html", context, request)

    return frozen


@require_http_methods(["GET", "POST"])
@_check_year
@record(REPORTS, Action.EDIT, url_kwarg="year", arg="report", permission=ANNUAL_REPORT_EDIT, log=False)
def section_edit(request: AuthenticatedRequest, report: AnnualReport, key: str) -> HttpResponse:
    key = _section_key(key)
    existing = {s.member_id: s.text for s in report.sections.filter(key=key)}
    form: SectionForm | MembersForm
    if key == Section.MEMBERS:
        members = services.members(report.council)
        initial = {MembersForm.name_for(m): existing.get(m.pk, "") for m in members}
        form = MembersForm(posted(request), members=members, initial=initial)
    else:
        form = SectionForm(posted(request), key=key, initial={"text": existing.get(None, "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.save_section(report, key, form.texts(), request.user)
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect(_pack_url(report))
        messages.success(request, f"“{Section(key).label}” is saved")
        return redirect(_pack_url(report) + f"#{key}")
    return render(
        request,
        "annualreport/section_edit.html",
        {"report": report, "key": key, "title": Section(key).label, "form": form},
    )


@require_GET
@_check_year
@record(REPORTS, Action.VIEW, url_kwarg="year", arg="report", permission=ANNUAL_REPORT, log=False)
def section_history(request: AuthenticatedRequest, report: AnnualReport, key: str) -> HttpResponse:
    key = _section_key(key)
    entries = changes_for([services.section_history(report, key)], request.user)
    return render(
        request,
        "annualreport/section_history.html",
        {"report": report, "key": key, "title": Section(key).label, "entries": entries},
    )


@require_POST
@_check_year
@record(REPORTS, Action.SIGN_OFF, url_kwarg="year", arg="report", permission=ANNUAL_REPORT_EDIT, log=False)
def agree(request: AuthenticatedRequest, report: AnnualReport) -> HttpResponse:
    try:
        services.agree(report, request.user, _frozen(request))
    except (services.NotReady, StateChanged) as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"The {report.financial_year} report is agreed")
    return redirect(_pack_url(report))
