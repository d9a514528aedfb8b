from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from msphub.core import charts
from msphub.core.forms import posted

from . import importer, instruments, report
from .analysis import analyse, open_answers
from .forms import ConversationForm, ImportForm, RoundForm, ThemeForm
from .models import Answer, Respondent, Round, Theme


def _rounds(request: HttpRequest, action: str = "view"):
    return Round.objects.for_user(request.user, action)


def _round(request: HttpRequest, slug: str, action: str = "view") -> Round:
    round_ = _rounds(request, action).select_related("instrument").filter(slug=slug).first()
    if round_ is None:
        raise Http404
    return round_


def _no_instrument() -> bool:
    return not instruments.Instrument.objects.exists()


def _require_tempcheck_role(request: HttpRequest) -> None:
    if not (request.user.is_regional_lead or request.user.is_interviewer):
        raise Http404


@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    _require_tempcheck_role(request)
    rounds = _rounds(request).select_related("instrument").order_by("-created_at")
    return render(request, "tempcheck/round_list.html", {"rounds": rounds})


@require_http_methods(["GET", "POST"])
def round_new(request: HttpRequest) -> HttpResponse:
    if not request.user.is_regional_lead:
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "load_instrument":
        # Loading the shipped instrument is a change, so it happens only on a POST.
        instruments.load_shipped()
        return redirect(request.path)
    form = RoundForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if Round.objects.filter(slug=data["slug"]).exists():
            form.add_error("slug", "A round with this short name exists already")
        else:
            with transaction.atomic():
                round_ = Round.objects.create(
                    slug=data["slug"],
                    title=data["title"],
                    instrument=data["instrument"],
                    region=request.user.organisation.region,
                    starts_on=data.get("starts_on"),
                    ends_on=data.get("ends_on"),
                )
                round_.interviewers.set(data["interviewers"])
                Respondent.objects.bulk_create(
                    Respondent(
                        round=round_,
                        respondent_id=f"{data['slug']}-{n:03d}",
                        council=name,
                        region=request.user.organisation.region,
                    )
                    for n, name in enumerate(data["councils"], start=1)
                )
            messages.success(request, f"Round {round_.title} created")
            return redirect("tempcheck:round", slug=round_.slug)
    return render(
        request, "tempcheck/form.html", {"form": form, "title": "Set up a round", "multipart": False}
    )


@require_http_methods(["GET", "POST"])
def round_import(request: HttpRequest) -> HttpResponse:
    if not request.user.is_regional_lead:
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "load_instrument":
        # Loading the shipped instrument is a change, so it happens only on a POST.
        instruments.load_shipped()
        return redirect(request.path)
    form = ImportForm(posted(request), request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = importer.create_round(
                data["slug"],
                data["title"],
                data["instrument"],
                data["responses"].read(),
                region=request.user.organisation.region,
            )
        except importer.ImportRefused as exc:
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
            "no_instrument": _no_instrument(),
        },
    )


@require_GET
def round_detail(request: HttpRequest, slug: str) -> HttpResponse:
    round_ = _round(request, slug)
    respondents = round_.respondents.all()
    open_questions = round_.instrument.questions.filter(type="open")
    return render(
        request,
        "tempcheck/round_detail.html",
        {
            "round": round_,
            "respondents": respondents,
            "open_questions": open_questions,
            "can_manage": request.user.is_regional_lead,
        },
    )


@require_http_methods(["GET", "POST"])
def conversation(request: HttpRequest, slug: str, respondent_id: str) -> HttpResponse:
    round_ = _round(request, slug, "capture")
    respondent = round_.respondents.filter(respondent_id=respondent_id).first()
    if respondent is None or round_.aggregate_only:
        raise Http404
    questions = list(round_.instrument.questions.all())
    form = ConversationForm(
        posted(request),
        questions=questions,
        respondent=respondent,
        initial=ConversationForm.initial_for(questions, respondent),
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # Closed answers are replaced; open answers are updated in place so their coding stays.
            respondent.answers.exclude(question__type="open").delete()
            kept = []
            for question, item, answer, may_name in form.answers():
                if question.type == "open":
                    obj, _ = Answer.objects.update_or_create(
                        respondent=respondent,
                        question=question,
                        item="",
                        defaults={"answer": answer, "may_name_council": may_name},
                    )
                    kept.append(obj.pk)
                else:
                    Answer.objects.create(respondent=respondent, question=question, item=item, answer=answer)
            respondent.answers.filter(question__type="open").exclude(pk__in=kept).delete()
            respondent.moderation_reason = form.cleaned_data.get("moderation_reason", "")
            respondent.complete = "complete" in request.POST
            respondent.save(update_fields=["moderation_reason", "complete"])
        messages.success(
            request, "Conversation saved" + (" and marked complete" if respondent.complete else "")
        )
        return redirect("tempcheck:conversation", slug=slug, respondent_id=respondent_id)
    return render(
        request,
        "tempcheck/conversation.html",
        {"round": round_, "respondent": respondent, "form": form, "questions": questions},
    )


@require_http_methods(["GET", "POST"])
def coding(request: HttpRequest, slug: str, qid: str) -> HttpResponse:
    round_ = _round(request, slug, "code")
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
    form = ThemeForm(posted(request) if request.POST.get("action") == "add_theme" else None)
    if request.method == "POST":
        if request.POST.get("action") == "add_theme":
            if form.is_valid():
                Theme.objects.get_or_create(round=round_, question=question, label=form.cleaned_data["label"])
                messages.success(request, "Theme added")
                return redirect("tempcheck:coding", slug=slug, qid=qid)
        else:
            with transaction.atomic():
                for theme in themes:
                    chosen = {int(pk) for pk in request.POST.getlist(f"theme_{theme.pk}") if pk.isdigit()}
                    theme.answers.set([a for a in answers if a.pk in chosen])
            messages.success(request, "Coding saved")
            return redirect("tempcheck:coding", slug=slug, qid=qid)
    rows = [(a, {t.pk for t in a.themes.all()}) for a in answers]
    return render(
        request,
        "tempcheck/coding.html",
        {"round": round_, "question": question, "themes": themes, "rows": rows, "form": form},
    )


@require_GET
def round_report(request: HttpRequest, slug: str) -> HttpResponse:
    round_ = _round(request, slug)
    compare_slugs = request.GET.getlist("compare")
    compare = list(_rounds(request).filter(slug__in=compare_slugs).exclude(pk=round_.pk))
    data = analyse(round_, compare)
    file_format = request.GET.get("format")
    if file_format == "json":
        return HttpResponse(report.as_json(data), content_type="application/json")
    if file_format == "csv":
        response = HttpResponse(report.as_csv(data), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{round_.slug}.csv"'
        return response
    if file_format == "pdf":
        response = HttpResponse(report.as_pdf(round_, data), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{round_.slug}.pdf"'
        return response
    questions = {q.qid: q for q in round_.instrument.questions.all()}
    sections = []
    for qid, entries in data["questions"].items():
        for entry in entries:
            entry["chart"] = (
                charts.percent_bars(
                    [{"label": r["category"], "percent": r["percent"]} for r in entry["rows"]]
                )
                if entry["n"]
                else ""
            )
        sections.append({"question": questions[qid], "entries": entries})
    return render(
        request,
        "tempcheck/report.html",
        {
            "round": round_,
            "data": data,
            "sections": sections,
            "open": [(questions[qid], o) for qid, o in open_answers(round_).items()],
            "other_rounds": _rounds(request).exclude(pk=round_.pk),
            "compare_slugs": compare_slugs,
        },
    )


@require_GET
def good_practice(request: HttpRequest) -> HttpResponse:
    """Named examples: coded open answers from councils that agreed to be named, by theme and region."""
    _require_tempcheck_role(request)
    answers = (
        Answer.objects.filter(
            respondent__round__in=_rounds(request), may_name_council=True, themes__isnull=False
        )
        .select_related("respondent__round", "question")
        .prefetch_related("themes")
        .distinct()
        .order_by("respondent__council")
    )
    theme = request.GET.get("theme", "").strip()
    region = request.GET.get("region", "").strip()
    if theme:
        answers = answers.filter(themes__label__iexact=theme)
    if region:
        answers = answers.filter(respondent__region__iexact=region)
    labels = Theme.objects.filter(round__in=_rounds(request)).values_list("label", flat=True).distinct()
    regions = (
        Answer.objects.filter(respondent__round__in=_rounds(request), may_name_council=True)
        .values_list("respondent__region", flat=True)
        .distinct()
    )
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
