"""Temperature-check pages. Who may open what is declared on each view: a page of rounds asks
accounts.permissions (TEMPCHECK, TEMPCHECK_MANAGE); a page of one round looks it up through the
chokepoint (core.access.record, with Round.objects.for_user), so a round outside the user's is a 404.
Every change goes through services.py (docs/tempcheck-rounds.md)."""

from django.contrib import messages
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from msphub.accounts.permissions import TEMPCHECK, TEMPCHECK_MANAGE
from msphub.accounts.requests import AuthenticatedRequest
from msphub.core.access import Action, record, requires, visible
from msphub.core.forms import posted
from msphub.core.imports import ImportRefused
from msphub.core.states import StateChanged

from . import evidence, services
from .analysis import MIN_DECLINED_FOR_NAMES
from .forms import (
    BaselineForm,
    ConversationForm,
    DataQualityNoteForm,
    ImportForm,
    NamingForm,
    RoundEditForm,
    RoundForm,
)
from .models import Question, Respondent, Round


def _rounds(request: AuthenticatedRequest) -> QuerySet[Round]:
    """The rounds the user may see."""
    return visible(request, Round.objects.all())


# A page of one round takes the round named by the URL's slug through the chokepoint, which logs the
# view (the round named by its slug: it has no uuid): it shows councils' answers, some given on
# condition of not being named (docs/security.md).
ROUNDS = Round.objects.select_related("instrument")


def _not_a_baseline(round_: Round) -> bool:
    """Pages about conversations: a baseline has published counts, no respondents."""
    return not round_.aggregate_only


def _created(request: AuthenticatedRequest, round_: Round, done: str) -> HttpResponse:
    """After a round is made or its details saved: its page, if the user may open it; else (a
    national network's lead setting up a regional round, or giving a national round a region: that
    region's lead manages it) the list of rounds, with a message naming the region, rather than a
    page the user would get a 404 for."""
    if _rounds(request).filter(pk=round_.pk).exists():
        messages.success(request, done)
        return redirect("tempcheck:round", slug=round_.slug)
    region = round_.region or "all England"
    messages.success(
        request,
        f"{done}. {round_.title} is a round of {region}: the regional lead of {region} manages it, "
        "so it is not among your rounds",
    )
    return redirect("tempcheck:rounds")


def _load_instrument(request: AuthenticatedRequest) -> HttpResponse | None:
    """Loading the shipped instruments is a change, so it happens only on a POST."""
    if request.method == "POST" and request.POST.get("action") == "load_instrument":
        services.load_shipped_instruments()
        messages.success(request, "The shipped instruments are loaded")
        return redirect(request.path)
    return None


def _form_page(request: AuthenticatedRequest, form, title: str, **context) -> HttpResponse:
    """A set-up or import page, offering to load the shipped instruments when one is not stored."""
    return render(
        request,
        "tempcheck/form.html",
        {"form": form, "title": title, "to_load": services.shipped_not_loaded(), **context},
    )


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
    form = RoundForm(posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new = services.NewRound(
            slug=data["slug"],
            title=data["title"],
            instrument=data["instrument"],
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            councils=data["councils"],
            interviewers=data["interviewers"],
            method=data["method"],
            named=data["named"],
        )
        try:
            round_ = services.create_round(new, region=data["region"])
        except IntegrityError:  # the same short name taken a moment ago by someone else
            form.add_error("slug", "A round with this short name exists already")
        else:
            return _created(request, round_, f"Round {round_.title} created")
    return _form_page(request, form, "Set up a round", multipart=False)


@require_http_methods(["GET", "POST"])
@requires(TEMPCHECK_MANAGE)
def round_import(request: AuthenticatedRequest) -> HttpResponse:
    if loaded := _load_instrument(request):
        return loaded
    form = ImportForm(posted(request), request.FILES or None, user=request.user)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = services.import_round(
                data["slug"],
                data["title"],
                data["instrument"],
                data["responses"].read(),
                data["region"],
                named=data["named"],
            )
        except ImportRefused as exc:
            problems = exc.problems
        else:
            return _created(request, round_, f"{round_.respondents.count()} conversations imported")
    return _form_page(request, form, "Import responses", multipart=True, problems=problems)


@require_http_methods(["GET", "POST"])
@requires(TEMPCHECK_MANAGE)
def baseline_import(request: AuthenticatedRequest) -> HttpResponse:
    """Published counts of an earlier round (a baseline to compare with), as on the command line."""
    if loaded := _load_instrument(request):
        return loaded
    form = BaselineForm(posted(request), request.FILES or None, user=request.user)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = services.import_baseline(
                data["slug"], data["title"], data["instrument"], data["counts"].read(), data["region"]
            )
        except ImportRefused as exc:
            problems = exc.problems
        else:
            return _created(request, round_, f"{round_.aggregate_counts.count()} published counts imported")
    title = "Import a baseline (published counts)"
    return _form_page(request, form, title, multipart=True, problems=problems)


def _may_manage(request: AuthenticatedRequest, round_: Round) -> bool:
    """The round's regional lead (the same rule as the pages that change it: Action.MANAGE)."""
    return Round.objects.for_user(request.user, Action.MANAGE).filter(pk=round_.pk).exists()


@require_GET
@record(ROUNDS, Action.VIEW, url_kwarg="slug", arg="round_")
def round_detail(request: AuthenticatedRequest, round_: Round) -> HttpResponse:
    questions = list(round_.instrument.questions.all())
    texts = {q.qid: q.text for q in questions}
    notes = [(texts.get(n.qid, ""), n) for n in round_.data_quality_notes.select_related("added_by")]
    respondents = list(round_.respondents.all())
    return render(
        request,
        "tempcheck/round_detail.html",
        {
            "round": round_,
            "respondents": respondents,
            "named": sum(r.may_name for r in respondents),
            # Whether the report will list the names at all (1 or 2 declining withholds every name).
            "naming": services.naming(round_),
            "open_questions": [q for q in questions if q.type == "open"],
            "notes": notes,
            "can_manage": _may_manage(request, round_),
        },
    )


@require_http_methods(["GET", "POST"])
@record(ROUNDS, Action.MANAGE, url_kwarg="slug", arg="round_")
def round_edit(request: AuthenticatedRequest, round_: Round) -> HttpResponse:
    """The round's title, region (a national network's lead only), dates and method (the report's
    title page and method section)."""
    initial = {
        "title": round_.title,
        "starts_on": round_.starts_on,
        "ends_on": round_.ends_on,
        "method": round_.method,
    }
    form = RoundEditForm(posted(request), initial=initial, user=request.user, round_=round_)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.update_round(
                round_,
                data["title"],
                data.get("starts_on"),
                data.get("ends_on"),
                data["method"],
                region=data.get("region"),
            )
        except StateChanged as changed:  # coded since the form was checked
            form.add_error("region", str(changed))
        else:
            return _created(request, saved, "Round details saved")
    return render(
        request,
        "tempcheck/round_form.html",
        {"round": round_, "form": form, "title": "Change the round\u2019s details", "button": "Save"},
    )


@require_http_methods(["GET", "POST"])
@record(ROUNDS, Action.MANAGE, url_kwarg="slug", arg="round_", where=_not_a_baseline)
def round_named(request: AuthenticatedRequest, round_: Round) -> HttpResponse:
    """Which councils agreed to be named in the report's tables."""
    respondents = list(round_.respondents.order_by("council"))
    form = NamingForm(posted(request), respondents=respondents)
    if request.method == "POST" and form.is_valid():
        count = services.set_named(round_, form.cleaned_data["named"])
        message = f"{count} of {len(respondents)} councils agreed to be named in the tables"
        # Said at once, not left for the report's method section: the lead may have just ticked a
        # number that withholds every name.
        if note := services.naming(round_)["note"]:
            message += f". {note}"
        messages.success(request, message)
        return redirect("tempcheck:round", slug=round_.slug)
    return render(
        request,
        "tempcheck/round_form.html",
        {
            "round": round_,
            "form": form,
            "title": "Councils named in the tables",
            "button": "Save",
            "intro": "A council that agreed to be identifiable has its name listed beside each of its "
            "answers in the report\u2019s tables (as the London report does), when every council "
            f"agreed or at least {MIN_DECLINED_FOR_NAMES} declined; otherwise no council is named. "
            "Consent to be named beside a quote is asked for each open answer, on the conversation "
            "form.",
            "note": services.naming(round_)["note"],
        },
    )


@require_http_methods(["GET", "POST"])
@record(ROUNDS, Action.MANAGE, url_kwarg="slug", arg="round_")
def round_notes(request: AuthenticatedRequest, round_: Round) -> HttpResponse:
    """The round's data-quality notes: added (tied to a question or to the whole report) and removed."""
    questions = list(round_.instrument.questions.all())
    removing = request.method == "POST" and request.POST.get("action") == "remove"
    form = DataQualityNoteForm(None if removing else posted(request), questions=questions)
    if removing:
        note = request.POST.get("note", "")
        if not note.isascii() or not note.isdigit() or len(note) > 18:
            raise Http404
        removed = services.remove_note(round_, int(note))
        messages.success(request, "Note removed" if removed else "That note was removed already")
        return redirect("tempcheck:round_notes", slug=round_.slug)
    if request.method == "POST" and form.is_valid():
        services.add_note(round_, form.cleaned_data["qid"], form.cleaned_data["text"], request.user)
        messages.success(request, "Note added")
        return redirect("tempcheck:round_notes", slug=round_.slug)
    texts = {q.qid: q.text for q in questions}
    notes = [(texts.get(n.qid, ""), n) for n in round_.data_quality_notes.select_related("added_by")]
    return render(request, "tempcheck/round_notes.html", {"round": round_, "form": form, "notes": notes})


def _evidence(round_: Round, respondent: Respondent, questions: list[Question]) -> dict[str, str]:
    """{qid: the council's measured figure, in words} for the questions that declare a benchmark
    measure (one query a measure). The figure is the published one of the council being
    interviewed, from the round's region (docs/tempcheck-rounds.md, "Evidence")."""
    year = evidence.round_year(round_)
    declared = {q.qid: m for q in questions if (m := evidence.declared(q))}
    figures = {
        measure: evidence.measured(
            [respondent.council], year, measure, within=evidence.round_scope(round_)
        ).get(respondent.council)
        for measure in {m["measure"] for m in declared.values()}
    }
    return {
        qid: evidence.describe(respondent.council, figures[m["measure"]], m, year)
        for qid, m in declared.items()
    }


@require_http_methods(["GET", "POST"])
@record(ROUNDS, Action.CAPTURE, url_kwarg="slug", arg="round_", where=_not_a_baseline)
def conversation(request: AuthenticatedRequest, round_: Round, respondent_id: str) -> HttpResponse:
    if "\x00" in respondent_id:  # no respondent id holds one (and PostgreSQL refuses it in a query)
        raise Http404
    respondent = round_.respondents.filter(respondent_id=respondent_id).first()
    if respondent is None:
        raise Http404
    questions = list(round_.instrument.questions.all())
    initial = ConversationForm.initial_for(questions, respondent)
    completing = request.method == "POST" and "complete" in request.POST
    form = ConversationForm(
        posted(request), questions=questions, respondent=respondent, completing=completing, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_conversation(
                respondent,
                form.answers(),
                data.get("moderation_reason", ""),
                completing,
                data["may_name"],
                data["may_name_shown"],
                form.consent_shown(),
            )
        except services.ConversationRefused as exc:
            form.add_error(None, str(exc))
        else:
            if saved.reopened:
                message = (
                    "Conversation saved. It is no longer marked complete: the ratings differ and no "
                    "reason is given"
                )
            else:
                message = "Conversation saved" + (" and marked complete" if saved.complete else "")
            if saved.naming_kept:
                message += (
                    ". Whether the council agreed to be named in the tables was changed by someone "
                    "else while this page was open, so it was kept as they left it: "
                    + ("named" if saved.may_name else "not named")
                )
            for text, consent in saved.consent_kept:
                message += (
                    f". Whether the council agreed to be named beside a quote from its answer to "
                    f"\u201c{text}\u201d was changed by someone else while this page was open, so it was "
                    "kept as they left it: " + ("named" if consent else "not named")
                )
            if saved.quotes_removed:
                n = saved.quotes_removed
                message += (
                    f". {n} quote{'s' if n != 1 else ''} chosen from the old wording of an open answer "
                    f"{'are' if n != 1 else 'is'} no longer its words and {'were' if n != 1 else 'was'} "
                    "removed"
                )
            messages.success(request, message)
            return redirect("tempcheck:conversation", slug=round_.slug, respondent_id=respondent_id)
    form.evidence = _evidence(round_, respondent, questions)
    unanswered = ConversationForm.unanswered(questions, initial)
    return render(
        request,
        "tempcheck/conversation.html",
        {
            "round": round_,
            "respondent": respondent,
            "form": form,
            "questions": questions,
            "unanswered": unanswered,
            "started": len(unanswered) < len(questions),
            "reason_outstanding": ConversationForm.reason_outstanding(questions, initial),
        },
    )
