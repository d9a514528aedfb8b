"""Temperature-check pages. Who may open what is declared on each view: a page of rounds asks
accounts.permissions (TEMPCHECK, TEMPCHECK_MANAGE); a page of one round looks it up through the
chokepoint (core.access.record, with Round.objects.for_user), so a round outside the user's is a 404.
Every change goes through services.py."""

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from msphub.accounts.permissions import TEMPCHECK, TEMPCHECK_MANAGE
from msphub.accounts.requests import AuthenticatedRequest
from msphub.core.access import Action, record, requires, visible
from msphub.core.forms import posted
from msphub.core.imports import ImportRefused

from . import instruments, services
from .forms import ConversationForm, ImportForm, RoundForm
from .models import Round


def _rounds(request: AuthenticatedRequest) -> QuerySet[Round]:
    """The rounds the user may see."""
    return visible(request, Round.objects.all())


# A page of one round takes the round named by the URL's slug through the chokepoint. A round has no
# uuid and holds no one's record, so viewing it writes no access-log entry (log=False).
ROUNDS = Round.objects.select_related("instrument")


def _region(request: AuthenticatedRequest) -> str:
    """The region of a regional lead (TEMPCHECK_MANAGE): blank for a national network."""
    return request.user.network_region or ""


def _load_instrument(request: AuthenticatedRequest) -> HttpResponse | None:
    """Loading the shipped instrument is a change, so it happens only on a POST."""
    if request.method == "POST" and request.POST.get("action") == "load_instrument":
        services.load_shipped_instruments()
        return redirect(request.path)
    return None


@require_GET
@requires(TEMPCHECK)
def round_list(request: AuthenticatedRequest) -> HttpResponse:
    rounds = _rounds(request).select_related("instrument").order_by("-created_at")
    return render(request, "tempcheck/round_list.html", {"rounds": rounds})


@require_http_methods(["GET", "POST"])
@requires(TEMPCHECK_MANAGE)
def round_new(request: AuthenticatedRequest) -> HttpResponse:
    if loaded := _load_instrument(request):
        return loaded
    form = RoundForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if Round.objects.filter(slug=data["slug"]).exists():
            form.add_error("slug", "A round with this short name exists already")
        else:
            new = services.NewRound(
                slug=data["slug"],
                title=data["title"],
                instrument=data["instrument"],
                starts_on=data.get("starts_on"),
                ends_on=data.get("ends_on"),
                councils=data["councils"],
                interviewers=data["interviewers"],
            )
            round_ = services.create_round(new, region=_region(request))
            messages.success(request, f"Round {round_.title} created")
            return redirect("tempcheck:round", slug=round_.slug)
    return render(
        request, "tempcheck/form.html", {"form": form, "title": "Set up a round", "multipart": False}
    )


@require_http_methods(["GET", "POST"])
@requires(TEMPCHECK_MANAGE)
def round_import(request: AuthenticatedRequest) -> HttpResponse:
    if loaded := _load_instrument(request):
        return loaded
    form = ImportForm(posted(request), request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = services.import_round(
                data["slug"], data["title"], data["instrument"], data["responses"].read(), _region(request)
            )
        except ImportRefused as exc:
            problems = exc.problems
        else:
            messages.success(request, f"{round_.respondents.count()} conversations imported")
            return redirect("tempcheck:round", slug=round_.slug)
    return render(
        request,
        "tempcheck/form.html",
        {
            "form": form,
            "title": "Import responses",
            "multipart": True,
            "problems": problems,
            "no_instrument": not instruments.Instrument.objects.exists(),
        },
    )


@require_GET
@record(ROUNDS, Action.VIEW, url_kwarg="slug", arg="round_", log=False)
def round_detail(request: AuthenticatedRequest, round_: Round) -> HttpResponse:
    return render(
        request,
        "tempcheck/round_detail.html",
        {
            "round": round_,
            "respondents": round_.respondents.all(),
            "open_questions": round_.instrument.questions.filter(type="open"),
        },
    )


@require_http_methods(["GET", "POST"])
@record(
    ROUNDS,
    Action.CAPTURE,
    url_kwarg="slug",
    arg="round_",
    log=False,
    where=lambda round_: not round_.aggregate_only,  # a baseline has counts, no conversations
)
def conversation(request: AuthenticatedRequest, round_: Round, respondent_id: str) -> HttpResponse:
    respondent = round_.respondents.filter(respondent_id=respondent_id).first()
    if respondent is None:
        raise Http404
    questions = list(round_.instrument.questions.all())
    form = ConversationForm(
        posted(request),
        questions=questions,
        respondent=respondent,
        initial=ConversationForm.initial_for(questions, respondent),
    )
    if request.method == "POST" and form.is_valid():
        complete = "complete" in request.POST
        services.save_conversation(
            respondent, form.answers(), form.cleaned_data.get("moderation_reason", ""), complete
        )
        messages.success(request, "Conversation saved" + (" and marked complete" if complete else ""))
        return redirect("tempcheck:conversation", slug=round_.slug, respondent_id=respondent_id)
    return render(
        request,
        "tempcheck/conversation.html",
        {"round": round_, "respondent": respondent, "form": form, "questions": questions},
    )
