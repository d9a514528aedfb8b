"""Coding the open answers of a round, codebooks, and named examples of good practice. A round's
page looks the round up through the chokepoint (core.access.record with Round.objects.for_user), so
a round outside the user's is a 404. Every change goes through coding.py."""

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from msphub.accounts.permissions import TEMPCHECK
from msphub.accounts.requests import AuthenticatedRequest
from msphub.core.access import Action, record, requires, visible
from msphub.core.forms import posted

from . import coding as services  # helper C: the coding services
from .forms import ThemeForm
from .models import Answer, Round, Theme

ROUNDS = Round.objects.select_related("instrument")


def _rounds(request: AuthenticatedRequest) -> QuerySet[Round]:
    """The rounds the user may see."""
    return visible(request, Round.objects.all())


@require_http_methods(["GET", "POST"])
@record(ROUNDS, Action.CODE, url_kwarg="slug", arg="round_", log=False)
def coding(request: AuthenticatedRequest, round_: Round, qid: str) -> HttpResponse:
    question = round_.instrument.questions.filter(qid=qid, type="open").first()
    if question is None:
        raise Http404
    themes = list(Theme.objects.filter(round=round_, question=question))
    answers = list(
        Answer.objects.filter(respondent__round=round_, question=question)
        .select_related("respondent")
        .prefetch_related("themes")
        .order_by("respondent__council")
    )
    adding = request.POST.get("action") == "add_theme"
    form = ThemeForm(posted(request) if adding else None)
    if request.method == "POST":
        if adding:
            if form.is_valid():
                services.add_theme(round_, question, form.cleaned_data["label"])
                messages.success(request, "Theme added")
                return redirect("tempcheck:coding", slug=round_.slug, qid=qid)
        else:
            chosen = {
                theme.pk: {int(pk) for pk in request.POST.getlist(f"theme_{theme.pk}") if pk.isdigit()}
                for theme in themes
            }
            services.save_coding(themes, answers, chosen)
            messages.success(request, "Coding saved")
            return redirect("tempcheck:coding", slug=round_.slug, qid=qid)
    rows = [(a, {t.pk for t in a.themes.all()}) for a in answers]
    return render(
        request,
        "tempcheck/coding.html",
        {"round": round_, "question": question, "themes": themes, "rows": rows, "form": form},
    )


@require_GET
@requires(TEMPCHECK)
def good_practice(request: AuthenticatedRequest) -> HttpResponse:
    """Named examples: coded open answers from councils that agreed to be named, by theme and region."""
    rounds = _rounds(request)
    named = Answer.objects.filter(respondent__round__in=rounds, may_name_council=True)
    answers = (
        named.filter(themes__isnull=False)
        .select_related("respondent__round", "question")
        .prefetch_related("themes")
        .distinct()
        .order_by("respondent__council")
    )
    # No label or region holds a NUL (and PostgreSQL refuses one in a comparison).
    theme = request.GET.get("theme", "").replace("\x00", "").strip()
    region = request.GET.get("region", "").replace("\x00", "").strip()
    if theme:
        answers = answers.filter(themes__label__iexact=theme)
    if region:
        answers = answers.filter(respondent__region__iexact=region)
    labels = Theme.objects.filter(round__in=rounds).values_list("label", flat=True).distinct()
    regions = named.values_list("respondent__region", flat=True).distinct()
    return render(
        request,
        "tempcheck/good_practice.html",
        {
            "answers": answers[:200],
            "themes": sorted(set(labels)),
            "regions": sorted(r for r in set(regions) if r),
            "theme": theme,
            "region": region,
        },
    )
