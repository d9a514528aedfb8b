"""Coding the open answers of a round, codebooks, the double-coded sample, agreement,
reconciliation, quotes, and named examples of good practice. A round's page looks the round up
through the chokepoint (core.access.record with Round.objects.for_user): coders (the round's
interviewers and the region's lead) code (Action.CODE); the regional lead of the round's region
manages the codebook, the sample, reconciliation and quotes (Action.MANAGE); a round outside the
user's is a 404. Nothing changes on a GET; every change goes through coding.py, in one transaction.
docs/tempcheck-coding.md."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from msphub.accounts.permissions import TEMPCHECK
from msphub.accounts.requests import AuthenticatedRequest
from msphub.core.access import Action, record, requires, visible
from msphub.core.forms import posted
from msphub.core.states import StateChanged

from . import agreement
from . import coding as services
from .coding_forms import (
    CodebookThemeForm,
    MergeForm,
    QuoteForm,
    SampleDrawForm,
    coding_posted,
    ids,
    ids_listed,
    one_id,
    stamps_posted,
)
from .models import Answer, DoubleCoded, Question, Round, Theme

ROUNDS = Round.objects.select_related("instrument")


def _with_answers(round_: Round) -> bool:
    """A baseline (published counts only) has no answers to code."""
    return not round_.aggregate_only


def _rounds(request: AuthenticatedRequest, action: str = "view") -> QuerySet[Round]:
    """The rounds the user may see (or act on)."""
    return visible(request, Round.objects.all(), action)


def _question(round_: Round, qid: str) -> Question:
    """The round's open question ``qid``, or 404 (no question id holds a NUL)."""
    question = None if "\x00" in qid else round_.instrument.questions.filter(qid=qid, type="open").first()
    if question is None:
        raise Http404("No such open question")
    return question


def _manages(request: AuthenticatedRequest, round_: Round) -> bool:
    """Whether the user manages the round (its region's lead), as the chokepoint decides."""
    return _rounds(request, Action.MANAGE).filter(pk=round_.pk).exists()


def _page(
    request: AuthenticatedRequest, template: str, round_: Round, question: Question, **context: Any
) -> HttpResponse:
    context.update({"round": round_, "question": question, "manages": _manages(request, round_)})
    if not context.get("errors"):
        # The page title starts "Error:" when the page shows a problem (base.html asks ``errors``).
        forms = [v for v in context.values() if isinstance(v, Form)]
        forms += [c["form"] for c in context.get("candidates", [])]
        context["errors"] = bool(context.get("problem")) or any(f.errors for f in forms)
    return render(request, template, context)


def _back(name: str, round_: Round, question: Question) -> HttpResponse:
    return redirect(f"tempcheck:{name}", slug=round_.slug, qid=question.qid)


# --- Coding ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@record(ROUNDS, Action.CODE, url_kwarg="slug", arg="round_", where=_with_answers)
def coding(request: AuthenticatedRequest, round_: Round, qid: str) -> HttpResponse:
    """The signed-in coder's own coding of a question's answers: only their ticks are shown and
    saved; suggestions from the answers already coded are shown, never ticked."""
    question = _question(round_, qid)
    codebook = services.find_codebook(round_, qid)
    themes = list(services.offered(codebook).order_by("label"))
    labels = {t.pk: t.label for t in services.themes_of(codebook)}
    answers = list(services.answers_to(round_, question))
    shown = {a.pk for a in answers}
    problems: dict[int, str] = {}
    posted_coding: dict[int, set[int] | None] | None = None
    posted_stamps: dict[int, str] = {}
    saved_note = ""
    if request.method == "POST":
        judgements, both = coding_posted(request.POST, shown)
        stamps = stamps_posted(request.POST, set(judgements))
        if both:
            councils = {a.pk: a.respondent.council for a in answers}
            problems = {
                pk: f"{councils[pk]}'s answer: tick themes or “None of these themes”, not both" for pk in both
            }
            posted_coding, posted_stamps = judgements, stamps
        else:
            result = services.save_page_coding(
                round_, question, request.user, judgements, stamps, ids_listed(request.POST, "themes_shown")
            )
            changed = result.changed
            saved = f"Coding saved ({changed} answer{'s' if changed != 1 else ''} changed)"
            if not result.refused:
                messages.success(request, saved)
                return _back("coding", round_, question)
            # Shown again as stored now, so the coder sees what changed before saving again.
            problems = result.refused
            saved_note = f"{saved}. These answers were not saved:"
    mine = services.own_coding(answers, request.user)
    in_sample = set(DoubleCoded.objects.filter(answer_id__in=shown).values_list("answer_id", flat=True))
    coders = services.coders_of(shown)
    suggested = services.suggestions(round_, question, request.user, _rounds(request, Action.CODE))
    offered = {t.pk for t in themes}
    rows = []
    for answer in answers:
        if posted_coding is not None:
            judged = posted_coding.get(answer.pk)
            chosen, none = (judged or set()), judged is not None and not judged
        else:
            chosen = mine.get(answer.pk, set())
            none = answer.pk in mine and not chosen
        others = [c for c in coders.get(answer.pk, []) if c != request.user.pk]
        hints = {s.theme.pk: s for s in suggested.get(answer.pk, [])}
        rows.append(
            {
                "answer": answer,
                "themes": [
                    {"theme": t, "checked": t.pk in chosen, "suggested": hints.get(t.pk)} for t in themes
                ],
                "none": none,
                "coded": answer.pk in mine,
                "in_sample": answer.pk in in_sample,
                "others": len(others),
                "kept": sorted(labels[t] for t in chosen - offered if t in labels),
                "error": problems.get(answer.pk, ""),
                # The stored coding the page shows, posted back (services.save_page_coding); a page
                # shown again with the posted ticks keeps the stamp it was posted with.
                "stamp": posted_stamps.get(answer.pk) or services.coding_stamp(mine.get(answer.pk)),
            }
        )
    return _page(
        request,
        "tempcheck/coding.html",
        round_,
        question,
        themes=themes,
        rows=rows,
        coded=len(mine),
        themes_shown=services.id_list(t.pk for t in themes),
        saved_note=saved_note,
        errors=[
            (f"theme-{themes[0].pk}-{pk}" if themes else f"card-{pk}", text) for pk, text in problems.items()
        ],
        current="coding",
    )


# --- The codebook ---------------------------------------------------------------------------------------


def _themes_counted(round_: Round, codebook: Any) -> QuerySet[Theme]:
    """The codebook's themes, each with the number of the round's answers whose final coding
    carries it, answers awaiting reconciliation left out (services.counted_codings: the second
    coder, who may read this page, must not see the first coder's coding)."""
    counted = (
        services.counted_codings(Answer.objects.filter(respondent__round=round_))
        .filter(theme=OuterRef("pk"))
        .values("theme")
        .annotate(n=Count("answer", distinct=True))
        .values("n")
    )
    return (
        services.themes_of(codebook)
        .select_related("merged_into")
        .annotate(answers=Coalesce(Subquery(counted), 0))
        # Offered first, then retired, then merged (NULLs first on every database).
        .order_by(F("merged_into_id").asc(nulls_first=True), F("retired_at").asc(nulls_first=True), "label")
    )


@require_GET
@record(ROUNDS, Action.CODE, url_kwarg="slug", arg="round_", where=_with_answers)
def codebook(request: AuthenticatedRequest, round_: Round, qid: str) -> HttpResponse:
    """A question's codebook for the round's region: themes with definitions, how many of the
    round's answers carry each, their frequencies beside another round's, and the history."""
    question = _question(round_, qid)
    book = services.find_codebook(round_, qid)
    others = list(
        _rounds(request, Action.COMPARE)
        .exclude(pk=round_.pk)
        .filter(aggregate_only=False, instrument__questions__qid=qid, instrument__questions__type="open")
        .distinct()
        .order_by("-created_at")
    )
    wanted = request.GET.get("compare", "")
    other = next((r for r in others if r.slug == wanted), None)
    if other is None and "compare" not in request.GET:
        other = next((r for r in others if r.region == round_.region), None)
    comparison = services.theme_comparison([round_], [other]).get(qid, []) if other else []
    sharing = services.rounds_sharing(book, _rounds(request)).order_by("-created_at") if book else []
    answers = services.answers_to(round_, question)
    responses = answers.count()
    unreconciled = services.awaiting_counts(answers).get(question.qid, 0)
    return _page(
        request,
        "tempcheck/codebook.html",
        round_,
        question,
        codebook=book,
        themes=_themes_counted(round_, book),
        responses=responses,
        # The counts leave out answers awaiting reconciliation, so the base does too (as the report's).
        counted=responses - unreconciled,
        unreconciled=unreconciled,
        sharing=sharing,
        others=others,
        other=other,
        comparison=comparison,
        history=services.history(book),
        current="codebook",
    )


@require_http_methods(["GET", "POST"])
@record(ROUNDS, Action.MANAGE, url_kwarg="slug", arg="round_", where=_with_answers)
def theme_new(request: AuthenticatedRequest, round_: Round, qid: str) -> HttpResponse:
    question = _question(round_, qid)
    form = CodebookThemeForm(posted(request), codebook=services.find_codebook(round_, qid))
    if request.method == "POST" and form.is_valid():
        try:
            theme = services.add_theme(
                round_, question, form.cleaned_data["label"], form.cleaned_data["definition"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Theme “{theme.label}” added")
            return _back("codebook", round_, question)
    return _page(
        request, "tempcheck/codebook_theme_new.html", round_, question, form=form, current="codebook"
    )


@require_http_methods(["GET", "POST"])
@record(ROUNDS, Action.MANAGE, url_kwarg="slug", arg="round_", where=_with_answers)
def theme(request: AuthenticatedRequest, round_: Round, qid: str, theme_id: int) -> HttpResponse:
    """Change a theme: its name and definition; merge it into another; retire it or bring it back;
    delete it if nobody has used it."""
    question = _question(round_, qid)
    found = (
        services.themes_of(services.find_codebook(round_, qid))
        .filter(pk=theme_id)
        .select_related("merged_into")
        .first()
    )
    if found is None:
        raise Http404("No such theme in this codebook")
    action = request.POST.get("action", "change") if request.method == "POST" else ""
    initial = {"label": found.label, "definition": found.definition}
    form = CodebookThemeForm(
        request.POST if action == "change" else None, codebook=found.codebook, theme=found, initial=initial
    )
    merge = MergeForm(request.POST if action == "merge" else None, theme=found)
    problem = ""
    # The name and definition the page shows, posted back (services.change_theme refuses a stale
    # page); a form shown again for a mistake keeps those it was posted with.
    posted_label, posted_definition = request.POST.get("shown_label"), request.POST.get("shown_definition")
    shown = None if posted_label is None or posted_definition is None else (posted_label, posted_definition)
    shown_label, shown_definition = shown or (found.label, found.definition)
    if request.method == "POST" and found.merged_into_id is not None:
        problem = f"This theme has been merged into “{found.merged_into}”: change that theme instead"
    elif request.method == "POST":
        try:
            if action == "change" and form.is_valid():
                services.change_theme(
                    found,
                    form.cleaned_data["label"],
                    form.cleaned_data["definition"],
                    shown=shown,
                )
                messages.success(request, "Theme changed")
                return _back("codebook", round_, question)
            if action == "merge" and merge.is_valid():
                into = merge.cleaned_data["into"]
                services.merge_theme(found, into)
                messages.success(request, f"“{found.label}” merged into “{into.label}”")
                return _back("codebook", round_, question)
            if action in ("retire", "restore"):
                (services.retire_theme if action == "retire" else services.restore_theme)(found)
                messages.success(request, "Theme retired" if action == "retire" else "Theme brought back")
                return _back("codebook", round_, question)
            if action == "delete":
                services.delete_theme(found)
                messages.success(request, f"Theme “{found.label}” deleted")
                return _back("codebook", round_, question)
            if action not in ("change", "merge"):
                problem = "Choose what to do with the theme"
        except StateChanged as changed:
            problem = str(changed)  # the form keeps what was posted; saved again, it is accepted
            shown_label, shown_definition = found.label, found.definition
        except ValidationError as exc:
            problem = " ".join(exc.messages)
    return _page(
        request,
        "tempcheck/codebook_theme.html",
        round_,
        question,
        theme=found,
        form=form,
        merge=merge,
        problem=problem,
        shown_label=shown_label,
        shown_definition=shown_definition,
        in_use=services.in_use(found),
        current="codebook",
    )


# --- The double-coded sample -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@record(ROUNDS, Action.MANAGE, url_kwarg="slug", arg="round_", where=_with_answers)
def coding_sample(request: AuthenticatedRequest, round_: Round, qid: str) -> HttpResponse:
    """The lead chooses the answers each coded by two coders: a random draw of a number or share
    of them (reproducible), or by ticking them."""
    question = _question(round_, qid)
    answers = list(services.answers_to(round_, question))
    shown = {a.pk for a in answers}
    sample = {
        s.answer_id: s
        for s in DoubleCoded.objects.filter(answer_id__in=shown).select_related("reconciled_by")
    }
    action = request.POST.get("action", "ticks") if request.method == "POST" else ""
    draw = SampleDrawForm(request.POST if action == "draw" else None, total=len(answers), initial={"draw": 1})
    problem = ""
    if request.method == "POST":
        try:
            if action == "draw":
                if draw.is_valid():
                    added, removed = services.draw_sample(
                        round_, question, draw.cleaned_data["size"], draw.cleaned_data["draw"]
                    )
                    messages.success(request, f"Sample drawn: {added} answers added, {removed} removed")
                    return _back("coding_sample", round_, question)
            else:
                on_page = ids(request.POST, "shown") & shown
                ticked = ids(request.POST, "sampled") & on_page
                as_shown = ids_listed(request.POST, "sample_as_shown")
                if as_shown is None:  # a script from before the field: the sample as read here
                    added, removed = services.set_sample(round_, question, (set(sample) - on_page) | ticked)
                else:
                    added, removed = services.set_sample_from_page(
                        round_, question, on_page, ticked, as_shown
                    )
                messages.success(request, f"Sample saved: {added} answers added, {removed} removed")
                return _back("coding_sample", round_, question)
        except StateChanged as changed:
            problem = str(changed)
            # Shown as it is now, so that saving again starts from the sample as changed.
            sample = {
                s.answer_id: s
                for s in DoubleCoded.objects.filter(answer_id__in=shown).select_related("reconciled_by")
            }
        except ValidationError as exc:
            problem = " ".join(exc.messages)
    rows = [{"answer": a, "sample": sample.get(a.pk)} for a in answers]
    return _page(
        request,
        "tempcheck/coding_sample.html",
        round_,
        question,
        rows=rows,
        draw=draw,
        problem=problem,
        sample_as_shown=services.id_list(sample),
        in_sample=len(sample),
        reconciled=sum(1 for s in sample.values() if s.reconciled_at),
        current="coding_sample",
    )


# --- Agreement and reconciliation ---------------------------------------------------------------------


@require_GET
@record(ROUNDS, Action.MANAGE, url_kwarg="slug", arg="round_", where=_with_answers)
def coding_agreement(request: AuthenticatedRequest, round_: Round, qid: str) -> HttpResponse:
    """Percent agreement and Cohen's kappa on the double-coded sample, per theme and overall."""
    question = _question(round_, qid)
    answers = services.sampled(round_, question)
    report = services.agreement_for(round_, question, answers)
    rows = [
        {
            "theme": theme,
            "figures": figures,
            "percent": agreement.show_percent(figures.percent),
            "kappa": agreement.show_kappa(figures.kappa),
            "words": agreement.in_words(figures.kappa),
        }
        for theme, figures in report.themes
    ]
    overall = report.overall
    return _page(
        request,
        "tempcheck/coding_agreement.html",
        round_,
        question,
        report=report,
        rows=rows,
        overall={
            "percent": agreement.show_percent(overall.percent),
            "kappa": agreement.show_kappa(overall.kappa),
            "words": agreement.in_words(overall.kappa),
        },
        waiting=report.sample - report.double_coded,
        disagreements=sum(1 for s in answers if s.double_coded and s.disagreement),
        current="coding_agreement",
    )


def _posted_state(request: AuthenticatedRequest, name: str) -> str:
    """A reconciliation state (Sampled.expected) as the page posted it back, NULs dropped, bounded."""
    return request.POST.get(name, "").replace("\x00", "")[:2000]


@require_http_methods(["GET", "POST"])
@record(ROUNDS, Action.MANAGE, url_kwarg="slug", arg="round_", where=_with_answers)
def coding_reconcile(request: AuthenticatedRequest, round_: Round, qid: str) -> HttpResponse:
    """The disagreements in the double-coded sample, answer by answer, and the lead's final coding
    of each (under a lock on its place in the sample: a reconciliation made meanwhile is shown,
    not overwritten)."""
    question = _question(round_, qid)
    problem, problem_answer = "", None
    if request.method == "POST":
        action = request.POST.get("action", "reconcile")
        if action == "accept":
            # Each agreed answer as the page showed it (Sampled.expected), posted back.
            shown = {i: _posted_state(request, f"expected_{i}") for i in ids(request.POST, "agreed")}
            done, left = services.accept_agreed(round_, question, request.user, shown)
            messages.success(
                request, f"{done} answer{'s' if done != 1 else ''} on which the coders agree reconciled"
            )
            if left:
                messages.error(
                    request,
                    f"{left} answer{'s' if left != 1 else ''} changed since the page was shown "
                    f"(a coder's change or another reconciliation) and {'were' if left != 1 else 'was'} "
                    "left as they are: check them below",
                )
            return _back("coding_reconcile", round_, question)
        answer_id = one_id(request.POST, "answer")
        target = next((s for s in services.sampled(round_, question) if s.answer.pk == answer_id), None)
        # The reconciliation and each coder's coding as the page showed them (Sampled.expected).
        expected = _posted_state(request, "expected")
        if target is None:
            problem = "Choose an answer of the double-coded sample to reconcile"
        elif not target.double_coded:
            problem = f"{target.answer.respondent.council}'s answer has not been coded by two coders yet"
            problem_answer = target.answer.pk
        else:
            try:
                services.reconcile(
                    round_, question, target.answer.pk, request.user, ids(request.POST, "final"), expected
                )
            except StateChanged as changed:
                problem, problem_answer = str(changed), target.answer.pk
            else:
                messages.success(request, f"{target.answer.respondent.council}'s answer reconciled")
                return redirect(
                    reverse("tempcheck:coding_reconcile", args=[round_.slug, qid]) + f"#answer-{answer_id}"
                )
    codebook = services.find_codebook(round_, qid)
    themes = {t.pk: t for t in services.themes_of(codebook).filter(merged_into__isnull=True)}
    offered = {pk for pk, t in themes.items() if t.retired_at is None}
    answers = services.sampled(round_, question)
    # Still to reconcile first (disagreements first), then waiting for a second coder, then done.
    answers.sort(key=lambda s: (s.final is not None, not s.disagreement, not s.double_coded))
    rows = []
    for s in answers:
        given = set().union(*s.codings) if s.codings else set()
        choices = [
            themes[pk]
            for pk in sorted(offered | given, key=lambda pk: themes[pk].label.lower())
            if pk in themes
        ]
        rows.append(
            {
                "s": s,
                "themes": [
                    {
                        "theme": t,
                        "by": [t.pk in c for c in s.codings],
                        "differs": t.pk in s.disagreement,
                        "checked": t.pk in (s.final if s.final is not None else s.agreed),
                    }
                    for t in choices
                ],
            }
        )
    agreed = sum(1 for s in answers if s.acceptable)
    return _page(
        request,
        "tempcheck/coding_reconcile.html",
        round_,
        question,
        rows=rows,
        agreed=agreed,
        problem=problem,
        problem_answer=problem_answer,
        current="coding_reconcile",
    )


# --- Quotes -------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@record(ROUNDS, Action.MANAGE, url_kwarg="slug", arg="round_", where=_with_answers)
def coding_quotes(request: AuthenticatedRequest, round_: Round, qid: str) -> HttpResponse:
    """The lead picks the quotes the report shows for each theme and excerpts them."""
    question = _question(round_, qid)
    codebook = services.find_codebook(round_, qid)
    counted = _themes_counted(round_, codebook).filter(merged_into__isnull=True)
    themes = [t for t in counted if getattr(t, "answers", 0)]  # those with answers to quote
    data = request.POST if request.method == "POST" else request.GET
    wanted = one_id(data, "theme")
    current = next((t for t in themes if t.pk == wanted), None)
    bound: tuple[int, QuoteForm] | None = None
    problem, problem_answer = "", None
    if request.method == "POST" and current is None:
        # Never the first theme instead: a quote posted for one theme is never saved under another.
        gone = services.themes_of(codebook).filter(pk=wanted or 0).select_related("merged_into").first()
        if gone is not None and gone.merged_into is not None:
            problem = (
                f"This theme has been merged into “{gone.merged_into.label}” since this page was shown: "
                "choose the quote under that theme"
            )
            current = next((t for t in themes if t.pk == gone.merged_into_id), None)
        else:
            problem = "Choose a theme"
    elif request.method == "POST" and current is not None:
        answer_id = one_id(request.POST, "answer")
        if request.POST.get("action") == "remove":
            quote = (
                services.quotes_for(round_, question)
                .filter(theme=current, pk=one_id(request.POST, "quote") or 0)
                .first()
            )
            if quote is not None:
                services.remove_quote(quote)
                messages.success(request, "Quote removed")
            else:
                messages.success(request, "That quote had already been removed")
            return redirect(
                reverse("tempcheck:coding_quotes", args=[round_.slug, qid]) + f"?theme={current.pk}"
            )
        answer = services.quotable(round_, question, current).filter(pk=answer_id or 0).first()
        if answer is None:
            problem = "Choose an answer that carries this theme"
        else:
            form = QuoteForm(request.POST, prefix=f"answer-{answer.pk}", text=answer.answer)
            shown_excerpt = request.POST.get("shown_excerpt")
            if form.is_valid():
                try:
                    services.choose_quote(
                        round_,
                        question,
                        answer.pk,
                        current,
                        form.cleaned_data["excerpt"],
                        request.user,
                        expected=None if shown_excerpt is None else shown_excerpt.replace("\x00", ""),
                    )
                except StateChanged as changed:
                    # Shown again with the stored quote, so the lead sees what changed.
                    problem, problem_answer = str(changed), answer.pk
                except ValidationError as exc:
                    form.add_error(None, exc)
                    bound = (answer.pk, form)
                else:
                    messages.success(request, f"Quote from {answer.respondent.council}'s answer chosen")
                    return redirect(
                        reverse("tempcheck:coding_quotes", args=[round_.slug, qid]) + f"?theme={current.pk}"
                    )
            else:
                bound = (answer.pk, form)
    if current is None and themes:
        current = themes[0]
    quotes = list(services.quotes_for(round_, question).filter(theme=current)) if current else []
    chosen = {q.answer_id: q for q in quotes}
    candidates = []
    if current is not None:
        for answer in services.quotable(round_, question, current):
            if bound is not None and bound[0] == answer.pk:
                form = bound[1]
            else:
                excerpt = chosen[answer.pk].excerpt if answer.pk in chosen else answer.answer
                form = QuoteForm(
                    prefix=f"answer-{answer.pk}", text=answer.answer, initial={"excerpt": excerpt}
                )
            candidates.append(
                {
                    "answer": answer,
                    "form": form,
                    "quote": chosen.get(answer.pk),
                    # The quote shown, posted back: a change made meanwhile is refused, not overwritten.
                    "shown_excerpt": chosen[answer.pk].excerpt if answer.pk in chosen else "",
                }
            )
    return _page(
        request,
        "tempcheck/coding_quotes.html",
        round_,
        question,
        themes=themes,
        current_theme=current,
        quotes=quotes,
        candidates=candidates,
        bound=bound,
        problem=problem,
        problem_answer=problem_answer,
        current="coding_quotes",
    )


# --- Good practice --------------------------------------------------------------------------------------


@require_GET
@requires(TEMPCHECK)
def good_practice(request: AuthenticatedRequest) -> HttpResponse:
    """Named examples: answers from councils that agreed to be named, whose final coding carries a
    theme, by theme and region."""
    # No label or region holds a NUL (and PostgreSQL refuses one in a comparison).
    theme = request.GET.get("theme", "").replace("\x00", "").strip()[:200]
    region = request.GET.get("region", "").replace("\x00", "").strip()[:100]
    rounds = _rounds(request)
    answers, labels = services.good_practice(rounds, theme, region)
    named = Answer.objects.filter(respondent__round__in=rounds, may_name_council=True)
    regions = named.values_list("respondent__region", flat=True).distinct()
    return render(
        request,
        "tempcheck/good_practice.html",
        {
            "answers": answers[:200],
            "themes": labels,
            "regions": sorted(r for r in set(regions) if r),
            "theme": theme,
            "region": region,
        },
    )
