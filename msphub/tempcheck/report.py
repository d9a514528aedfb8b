"""The temperature-check report as JSON, CSV, HTML and PDF, from analysis.analyse()
(docs/tempcheck-report.md).

Every format is drawn from the same ``data`` (analysis.analyse's dict), so the page, the CSV and the
published PDF cannot disagree. ``choose`` reads the report page's choices (rounds merged, a region cut,
rounds compared, grouped figures) from the query string: only rounds the user may use are taken, and
anything else is left out with a message, never an error page. ``context`` turns ``data`` into the
sections a reader sees: titled charts with a text alternative, tables with total rows, comparisons
with their change and caveat, councils named where they agreed, themes and chosen quotes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone

from msphub.core import charts
from msphub.core.downloads import PDF_UA, csv_text, render_pdf

from . import analysis, coding
from .instruments import CROSSTAB_TYPES
from .models import Question, Respondent, Round

DOCUMENT = "tempcheck/report_document.html"
# The existing CSV columns (a contract: they stay first, in this order).
CSV_HEADER = ["round", "question_id", "item", "category", "count", "n", "percent", "no_response"]
# No more rounds than this merged or compared in one report: each adds columns and queries.
MOST_ROUNDS = 6


# --- Choices from the report page -------------------------------------------------------------------


@dataclass
class Option:
    """A checkbox on the page: the value sent back, what the reader sees, and whether it is ticked."""

    value: str
    label: str
    checked: bool = False


@dataclass
class Choices:
    """What the report covers, from the page's query string, and what the page offers to choose."""

    rounds: tuple[Round, ...]
    region: str | None
    compare: tuple[analysis.Scope, ...]
    chosen: analysis.Chosen | None = None
    messages: list[str] = field(default_factory=list)
    # The page's options: rounds that may be merged in, regions it may be cut to (``region_fixed``:
    # a national round merged by a regional lead is always cut to the lead's region), what it may be
    # compared with, and the grouped figures that may be chosen.
    merge_offer: list[Option] = field(default_factory=list)
    region_offer: list[str] = field(default_factory=list)
    region_fixed: str | None = None
    compare_offer: list[Option] = field(default_factory=list)
    figures_offer: dict[str, Any] = field(default_factory=dict)
    # Keys of compared scopes with councils the user may not see in full (a regional lead's national
    # round, other regions and all): shown only from analysis.MIN_BASE answers.
    restricted: frozenset[str] = frozenset()

    @property
    def scope(self) -> analysis.Scope:
        return analysis.Scope(rounds=self.rounds, region=self.region)


def _values(query: QueryDict, name: str) -> list[str]:
    """The distinct values given for ``name``, in order; anything no slug or region can be (a NUL,
    an overlong value) is dropped, as an unknown one is (``_malformed`` says whether any was)."""
    seen: list[str] = []
    for value in query.getlist(name)[:50]:
        value = value.strip()
        if value and _well_formed(value) and value not in seen:
            seen.append(value)
    return seen


def _well_formed(value: str) -> bool:
    """Whether a (stripped) value could be a slug or region at all: no NUL, not overlong."""
    return len(value) <= 200 and "\x00" not in value


def _malformed(query: QueryDict, *names: str) -> bool:
    """Whether a value given for one of ``names`` was dropped by ``_values`` as no slug or region
    can be, so that the page says some choices were left out rather than dropping it silently."""
    return any(
        value.strip() and not _well_formed(value.strip())
        for name in names
        for value in query.getlist(name)[:50]
    )


def _regions_of(rounds: Iterable[Round]) -> dict[int, list[str]]:
    """Each round's regions (those its councils are in), in one query."""
    found: dict[int, list[str]] = {}
    for round_id, region in (
        Respondent.objects.filter(round__in=list(rounds))
        .exclude(region="")
        .order_by()  # Respondent's default ordering would go into the DISTINCT (one per respondent)
        .values_list("round_id", "region")
        .distinct()
    ):
        names = found.setdefault(round_id, [])
        # A region is matched without regard to case (analysis.respondents): offered once.
        if all(n.casefold() != region.casefold() for n in names):
            names.append(region)
    return {k: sorted(v) for k, v in found.items()}


def _regions(rounds: Iterable[Round]) -> list[str]:
    """The regions the rounds' councils are in, each once (one query)."""
    found: dict[str, str] = {}
    for names in _regions_of(rounds).values():
        for name in names:
            found.setdefault(name.casefold(), name)
    return sorted(found.values())


def choose(user: Any, round_: Round, query: QueryDict) -> Choices:
    """The rounds, region, comparisons and grouped figures the page asks for, as far as ``user`` may
    have them (docs/tempcheck-report.md, "Who may choose what"); anything else is left out with a
    message that does not say whether a round exists.

    - Merge: the user's own rounds (those they may view) with the same instrument; a regional lead
      may also merge a national round, and the report is then cut to the lead's region (the
      national round's other councils are not theirs to see). A baseline merges with nothing.
    - Region: any region the merged rounds' councils are in, for a user who may see all of them.
    - Compare: Round.objects.for_user(user, "compare"): a lead's own region's rounds and the national
      rounds and baselines (aggregates only), and for a regional lead a national round's councils
      of their region ("slug@Region"). A merged round is offered too once the report is cut to a
      region (London against all of England).
    """
    messages: list[str] = []
    viewable = Round.objects.for_user(user, "view")
    comparable = Round.objects.for_user(user, "compare")
    lead_region = getattr(user, "network_region", None)
    national_lead = lead_region == ""

    merge_offer: list[Round] = []
    if not round_.aggregate_only:
        merge_q = Q(pk__in=viewable.values("pk"))
        if lead_region:  # a regional lead (a national lead's region is "")
            merge_q |= Q(pk__in=comparable.filter(region="").values("pk"))
        merge_offer = list(
            Round.objects.filter(merge_q, aggregate_only=False, instrument__slug=round_.instrument.slug)
            .exclude(pk=round_.pk)
            .select_related("instrument")
            .order_by("-created_at", "title")
        )
    by_slug = {r.slug: r for r in merge_offer}
    asked = [s for s in _values(query, "merge") if s != round_.slug]
    merged = [by_slug[s] for s in asked if s in by_slug][: MOST_ROUNDS - 1]
    if len(merged) < len(asked) or _malformed(query, "merge"):
        messages.append(
            "Some rounds could not be merged into this report (not found, or not yours to merge)."
        )
    rounds = (round_, *merged)

    own = set(viewable.filter(pk__in=[r.pk for r in rounds]).values_list("pk", flat=True))
    region_fixed = lead_region if lead_region and any(r.pk not in own for r in rounds) else None
    region: str | None = None
    asked_region = query.get("region", "").strip()
    if region_fixed is not None:
        region_offer, region = [region_fixed], region_fixed
        if asked_region and asked_region.casefold() != region_fixed.casefold():
            messages.append(
                f"This report is always cut to {region_fixed} (it has a national round's councils): "
                "the region asked for was left out."
            )
    else:
        region_offer = _regions(rounds)
        matched = [r for r in region_offer if r.lower() == asked_region.lower()]
        if matched:
            region = matched[0]
        elif asked_region:
            messages.append("No council in this report is in the region asked for: the report is not cut.")

    # What may be compared with: whole rounds (not those in the report unless it is cut), for a
    # regional lead each national round's councils of their own region, and for a national lead
    # each region of every national round (its own round's too: England against London).
    in_report = {r.pk for r in rounds}
    offer: list[tuple[str, analysis.Scope, str]] = []
    comparable_rounds = list(comparable.select_related("instrument").order_by("-created_at", "title"))
    over = _fieldwork_over(comparable_rounds, timezone.localdate()) if lead_region else set()
    national_regions = (
        _regions_of(r for r in comparable_rounds if not r.region and not r.aggregate_only)
        if national_lead
        else {}
    )
    for other in comparable_rounds:
        if lead_region and not other.region and not other.aggregate_only and other.pk not in over:
            # A national round still being filled in is not offered whole to a regional lead: its
            # other regions' answers could be read off one conversation at a time as n grows.
            if other.pk not in in_report:
                own_cut = analysis.Scope((other,), lead_region)
                offer.append(
                    (f"{other.slug}@{lead_region}", own_cut, f"{other.title}: its {lead_region} councils")
                )
            continue
        # A national round in a report cut to a region is offered whole (the region against England).
        if other.pk not in in_report or (region is not None and not other.region):
            offer.append((other.slug, analysis.Scope((other,)), f"{other.title}{_kind(other)}"))
        if lead_region and not other.region and not other.aggregate_only:
            own_cut = analysis.Scope((other,), lead_region)
            offer.append(
                (f"{other.slug}@{lead_region}", own_cut, f"{other.title}: its {lead_region} councils")
            )
        for name in national_regions.get(other.pk, []):
            offer.append(
                (
                    f"{other.slug}@{name}",
                    analysis.Scope((other,), name),
                    f"{other.title}: its {name} councils",
                )
            )
    current = analysis.Scope(rounds, region).key
    # The report itself is not offered (a national round's own region when the report is cut to it).
    offer = [o for o in offer if o[1].key != current]
    # Matched without regard to case, as ``region`` is ("national-2016@london").
    offered = {value.casefold(): scope for value, scope, _label in offer}
    # No more are read than can be used, so that a long query string cannot make many queries.
    given = _values(query, "compare")
    asked_compare = given[:MOST_ROUNDS]
    compare: list[analysis.Scope] = []
    for value in asked_compare:
        scope = offered.get(value.casefold())
        if scope is not None and all(c.key != scope.key for c in compare):
            compare.append(scope)
    if len(compare) < len(given) or _malformed(query, "compare"):
        messages.append(
            "Some of what was asked to compare with could not be (not found, not yours to compare, "
            f"the report itself, or more than {MOST_ROUNDS})."
        )
    chosen_keys = {c.key for c in compare}
    restricted = frozenset(c.key for c in compare if _not_in_full(c, lead_region))

    chosen = analysis.chosen_from(query, round_.instrument)
    messages.extend(chosen.messages)
    # A NUL-only value is cleaned to nothing by chosen_from, which then says nothing: said here.
    said = any("cross-tab" in m for m in chosen.messages)
    if _malformed(query, "crosstab_rows", "crosstab_columns") and not chosen.crosstabs and not said:
        messages.append("A cross-tab was asked for a question this report does not have: left out.")
    return Choices(
        rounds=rounds,
        region=region,
        compare=tuple(compare),
        chosen=chosen,
        messages=messages,
        merge_offer=[
            Option(r.slug, r.title + ("" if r.region else " (national)"), r in merged) for r in merge_offer
        ],
        region_offer=region_offer,
        region_fixed=region_fixed,
        compare_offer=[Option(value, label, scope.key in chosen_keys) for value, scope, label in offer],
        figures_offer=_figures_offer(round_, chosen),
        restricted=restricted,
    )


def _kind(round_: Round) -> str:
    """What kind of round a compare option is, after its title, unless the title already says it
    ("MSP evaluation 2014/15 (published counts)" is not followed by "(published figures)")."""
    title = round_.title.casefold()
    if round_.aggregate_only:
        return "" if "published" in title else " (published figures)"
    return "" if round_.region else " (national)"


def _fieldwork_over(rounds: list[Round], today: date) -> set[int]:
    """The rounds whose fieldwork is over: the end date has passed, or every council in it is
    complete (no answer can still be added). One query, whatever the number of rounds."""
    over = {r.pk for r in rounds if r.ends_on is not None and r.ends_on < today}
    counted = (
        Respondent.objects.filter(round__in=[r for r in rounds if r.pk not in over])
        .order_by()
        .values("round_id")
        .annotate(open=Count("pk", filter=Q(complete=False)))
    )
    return over | {row["round_id"] for row in counted if not row["open"]}


def _not_in_full(scope: analysis.Scope, lead_region: str | None) -> bool:
    """Whether a regional lead may not see all of a compared scope's councils: a national round
    (not published counts) not cut to the lead's own region. A national lead sees them all."""
    if not lead_region or scope.aggregate_only:
        return False
    own = (scope.region or "").casefold() == lead_region.casefold()
    return any(not r.region for r in scope.rounds) and not own


def _figures_offer(round_: Round, chosen: analysis.Chosen) -> dict[str, Any]:
    """The grouped figures the page offers (analysis.chosen_from's parameters): categories of a
    question to combine ("group.<question id>"), items of a grid to average ("items.<question id>"),
    and two questions to cross-tabulate, each ticked as now chosen."""
    questions = [q for q in round_.instrument.questions.all() if q.is_closed]
    groups = []
    for q in questions:
        ticked = {c for g in chosen.groups.get(q.qid, []) for c in g["categories"]}
        groups.append(
            {
                "question": q,
                "name": f"group.{q.qid}",
                "options": [Option(c, c, c in ticked) for c in q.categories],
            }
        )
    items = []
    for q in questions:
        if q.type == "grid":
            ticked = {i for g in chosen.item_groups.get(q.qid, []) for i in g["items"]}
            items.append(
                {
                    "question": q,
                    "name": f"items.{q.qid}",
                    "options": [Option(i, i, i in ticked) for i in q.items],
                }
            )
    tab = chosen.crosstabs[0] if chosen.crosstabs else {}
    tabbable = [q for q in questions if q.type in CROSSTAB_TYPES]
    return {
        "groups": groups,
        "items": items,
        "crosstab": [Option(q.qid, q.text, False) for q in tabbable],
        "crosstab_rows": tab.get("rows", ""),
        "crosstab_columns": tab.get("columns", ""),
        "any": bool(chosen),
    }


def analyse(choices: Choices) -> dict[str, Any]:
    """The figures for the choices; rounds that cannot make one report (analysis.ScopeError, which
    choose's offers should never lead to) give the URL's round alone, saying why."""
    try:
        return analysis.analyse(
            choices.scope, compare=list(choices.compare), chosen=choices.chosen, restricted=choices.restricted
        )
    except analysis.ScopeError as exc:
        choices.messages.append(f"{exc}: the report is of {choices.rounds[0].title} alone.")
        choices.rounds, choices.region, choices.compare = choices.rounds[:1], None, ()
        return analysis.analyse(choices.scope, compare=[], chosen=choices.chosen)


# --- JSON and CSV -------------------------------------------------------------------------------------


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def _comparisons(data: dict[str, Any]) -> list[dict[str, Any]]:
    """What the report is compared with, in order: the key its figures are under in each question's
    ``comparisons`` and the label a reader sees (the title, with the region of a cut)."""
    listed = data.get("comparisons") or [
        {"slug": s, "title": s, "region": None} for s in data.get("compared_with", [])
    ]
    return [{**c, "key": c["slug"], "label": c.get("title") or c["slug"]} for c in listed]


def _by_category(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["category"]: r for r in rows}


def as_csv(data: dict[str, Any]) -> str:
    """One row per category of each closed question (and grid item), the existing columns first;
    then the councils named (those that agreed, where the report names councils), then for each
    compared round its count, n, per cent and the change in percentage points; then the grid item's
    improvement score and, for each compared round, the change in it and the comparison's caveat
    (the same on every row of the item); last, ``figure``, what the row is.

    The grouped figures the page shows are extra rows in the same columns (docs/tempcheck-report.md,
    "The CSV"): each question's combined answers after its own rows (``category`` is the combined
    answers' label), each grid's averages over items after the grid (``item`` is the group's
    label), and the cross-tabs last (``question_id`` "<rows> by <columns>", ``item`` the row's
    answer, ``category`` the column's); ``figure`` says which, and whether it was declared in the
    instrument or chosen on the page."""
    compared = _comparisons(data)
    header = [*CSV_HEADER, "councils"]
    for c in compared:
        header += [
            f"{c['label']}: count",
            f"{c['label']}: n",
            f"{c['label']}: percent",
            f"{c['label']}: change",
        ]
    header.append("improvement_score")
    for c in compared:
        header += [f"{c['label']}: improvement score change", f"{c['label']}: caveat"]
    header.append("figure")

    def blank(value: Any) -> Any:
        return "" if value is None else value

    def kind(what: str, figure: dict[str, Any]) -> str:
        return f"{what} ({'chosen' if figure.get('chosen') else 'declared'})"

    # The scope's key, as compared_with keys a scope: a merged or cut report is told apart from
    # its first round's own CSV.
    slugs = [r["slug"] for r in data.get("rounds") or [{"slug": data["round"]}]]
    key = "+".join(slugs) + (f"@{data['region']}" if data.get("region") else "")
    empty_tail = ["", ""] * len(compared)

    def compared_cells(other: dict[str, Any] | None, there: dict[str, Any] | None) -> list[Any]:
        """A compared scope's count, n, per cent and change for one category (or combined answers)."""
        if other is None or there is None:
            return ["", "", "", ""]
        return [
            blank(there.get("count")),
            blank(other["n"]),
            blank(there.get("percent")),
            blank(there.get("change")),
        ]

    def entry_rows(qid: str, entry: dict[str, Any]) -> Iterable[list[Any]]:
        for row in entry["rows"]:
            line = [
                key, qid, entry["item"] or "", row["category"], row["count"], entry["n"],
                row["percent"], entry["no_response"], "; ".join(row.get("councils") or []),
            ]  # fmt: skip
            for c in compared:
                other = entry.get("comparisons", {}).get(c["key"])
                there = _by_category(other["rows"]).get(row["category"]) if other else None
                line += compared_cells(other, there)
            line.append(blank(entry.get("improvement_score")))
            for c in compared:
                other = entry.get("comparisons", {}).get(c["key"]) or {}
                line += [blank(other.get("change")), blank(other.get("caveat"))]
            line.append("answer")
            yield line
        # Combined answers: the same n and no response as the question's (or item's) own rows.
        for group in entry.get("groups") or []:
            line = [
                key, qid, entry["item"] or "", group["label"], blank(group.get("count")), entry["n"],
                blank(group.get("percent")), entry["no_response"], "; ".join(group.get("councils") or []),
            ]  # fmt: skip
            for c in compared:
                other = entry.get("comparisons", {}).get(c["key"])
                there = next(
                    (g for g in (other or {}).get("groups") or [] if g["label"] == group["label"]), None
                )
                line += compared_cells(other, there)
            line.append("")
            for c in compared:
                other = entry.get("comparisons", {}).get(c["key"]) or {}
                line += ["", blank(other.get("caveat"))]
            line.append(kind("combined answers", group))
            yield line

    def average_rows(qid: str, group: dict[str, Any]) -> Iterable[list[Any]]:
        # A mean of the items' shares has no count or single n (the items' bases are in the page).
        shares = [(r["category"], r) for r in group.get("rows") or []]
        shares += [(g["label"], g) for g in group.get("groups") or []]
        for i, (category, share) in enumerate(shares):
            line = [key, qid, group["label"], category, "", "", blank(share.get("percent")), "", ""]
            for c in compared:
                other = (group.get("comparisons") or {}).get(c["key"])
                there = (other or {}).get("rows", []) + (other or {}).get("groups", [])
                if other is None or i >= len(there):
                    line += ["", "", "", ""]
                    continue
                line += ["", "", blank(there[i].get("percent")), blank(there[i].get("change"))]
            line.append("")
            for c in compared:
                other = (group.get("comparisons") or {}).get(c["key"]) or {}
                line += ["", blank(other.get("caveat"))]
            line.append(kind("average over items", group))
            yield line

    def crosstab_rows(tab: dict[str, Any]) -> Iterable[list[Any]]:
        # Cross-tabs are of this report's councils only: no comparison columns.
        qid = f"{tab['rows_question']} by {tab['columns_question']}"
        for row in tab.get("rows") or []:
            for cell in row["cells"]:
                line = [
                    key, qid, row["category"], cell["category"], cell["count"], row["n"],
                    blank(cell["percent"]), "", "; ".join(cell.get("councils") or []),
                ]  # fmt: skip
                line += ["", "", "", ""] * len(compared) + [""] + empty_tail
                line.append(kind("cross-tab", tab))
                yield line

    def rows() -> Iterable[list[Any]]:
        item_groups = data.get("item_groups") or {}
        for qid, entries in data["questions"].items():
            for entry in entries:
                yield from entry_rows(qid, entry)
            for group in item_groups.get(qid) or []:
                yield from average_rows(qid, group)
        for tab in data.get("crosstabs") or []:
            yield from crosstab_rows(tab)

    return csv_text(header, rows())


# --- The page and the document -------------------------------------------------------------------------


def asked_only(condition: str) -> str:
    """Who a conditional question was asked, as one sentence, worded as the conversation form words
    it (analysis.asked_only: the condition may or may not start with "asked" or "only")."""
    words = analysis.asked_only(condition)
    return f"Asked only {words}." if words else ""


def _pct(value: int | None) -> str:
    return "–" if value is None else f"{value}%"


def _signed(value: int | None) -> str:
    """A change or score with its sign (a true minus sign, as print uses), "–" where not known."""
    if value is None:
        return "–"
    return f"+{value}" if value > 0 else ("0" if value == 0 else f"−{-value}")


def _share_in_words(words: str) -> str:
    """analysis.in_words as a reader says it of responses: "About a fifth of responses", "Half of
    responses", "All responses", "Very few responses", "None"."""
    if not words:
        return "–"
    if words == "none":
        return "None"
    if words in ("all", "almost all", "very few"):
        return f"{words[0].upper()}{words[1:]} responses"
    return f"{words[0].upper()}{words[1:]} of responses"


class _Numbers:
    """Figure and table numbers, in reading order through the document."""

    def __init__(self) -> None:
        self.figures = 0
        self.tables = 0

    def figure(self) -> int:
        self.figures += 1
        return self.figures

    def table(self) -> int:
        self.tables += 1
        return self.tables


def _bars(
    numbers: _Numbers, title: str, rows: list[tuple[str, int | None]], what: str
) -> dict[str, Any] | None:
    """A titled bar chart of percentages; its text alternative names every bar and its figure."""
    shown = [(label, pct) for label, pct in rows if pct is not None]
    if not shown:
        return None
    src = charts.percent_bars([{"label": label, "percent": pct} for label, pct in shown])
    alt = f"Bar chart of {what}: " + "; ".join(f"{label} {pct}%" for label, pct in shown) + "."
    return {"number": numbers.figure(), "title": title, "src": src, "alt": alt}


def _paired(
    numbers: _Numbers,
    title: str,
    rows: list[tuple[str, int | None, int | None]],
    names: list[str],
    *,
    percent: bool,
) -> dict[str, Any] | None:
    """A titled chart of this report beside another, two bars per row (per cent, or scores)."""
    shown = [r for r in rows if r[1] is not None or r[2] is not None]
    if not shown:
        return None
    src = charts.paired_bars(
        [{"label": label, "values": [a, b]} for label, a, b in shown], names, percent=percent
    )
    show = _pct if percent else _signed
    alt = (
        f"Bar chart comparing {names[0]} (first bar) with {names[1]} (second bar), "
        f"{'per cent' if percent else 'improvement scores'}: "
        + "; ".join(f"{label} {show(a)} against {show(b)}" for label, a, b in shown)
        + "."
    )
    return {"number": numbers.figure(), "title": title, "src": src, "alt": alt}


def _closed(
    question: Question, entry: dict[str, Any], compared: list[dict[str, Any]], this: str, numbers: _Numbers
) -> dict[str, Any]:
    """A single, multi or rating question: its titled chart, its table (each category with its
    number, per cent, the councils named and, for each compared round, its per cent and the change;
    a total row), the change charts and the combined answers. A compared round that did not ask
    the question (or counted none of it) has no columns here."""
    compared = [c for c in compared if c["key"] in entry.get("comparisons", {})]
    columns = []
    for c in compared:
        other = entry.get("comparisons", {}).get(c["key"])
        columns.append(
            {"label": c["label"], "n": other["n"] if other else None, "caveat": (other or {}).get("caveat")}
        )
    rows = []
    for row in entry["rows"]:
        others = []
        for c in compared:
            other = entry.get("comparisons", {}).get(c["key"])
            there = _by_category(other["rows"]).get(row["category"]) if other else None
            others.append(
                {
                    "label": c["label"],
                    "percent": _pct(there["percent"]) if there else "–",
                    "change": _signed(there.get("change")) if there else "–",
                }
            )
        rows.append(
            {
                "category": row["category"],
                "count": row["count"],
                "percent": _pct(row["percent"]),
                "councils": row.get("councils") or [],
                "others": others,
            }
        )
    chart = (
        _bars(
            numbers,
            question.text,
            [(r["category"], r["percent"]) for r in entry["rows"]],
            f"the answers to “{question.text}” (n = {entry['n']})",
        )
        if entry["n"]
        else None
    )
    table = {
        "number": numbers.table(),
        "rows": rows,
        "columns": columns,
        "named": any(r["councils"] for r in rows),
        "n": entry["n"],
        "no_response": entry.get("no_response", 0),
        "multi": question.type == "multi",
    }
    change_charts = []
    for c in compared:
        other = entry.get("comparisons", {}).get(c["key"])
        if other is None:
            continue
        there = _by_category(other["rows"])
        chart_ = _paired(
            numbers,
            f"{this} and {c['label']}: {question.text}",
            [
                (r["category"], r["percent"], (there.get(r["category"]) or {}).get("percent"))
                for r in entry["rows"]
            ],
            [this, c["label"]],
            percent=True,
        )
        if chart_:
            change_charts.append(chart_)
    groups = []
    for g in entry.get("groups") or []:
        changes = []
        for c in compared:
            other = entry.get("comparisons", {}).get(c["key"]) or {}
            there = next((o for o in other.get("groups") or [] if o["label"] == g["label"]), None)
            changes.append(
                {
                    "label": c["label"],
                    "percent": _pct((there or {}).get("percent")),
                    "change": _signed((there or {}).get("change")),
                }
            )
        groups.append(
            {
                **g,
                "percent_text": _pct(g.get("percent")),
                "count_text": "–" if g.get("count") is None else g["count"],
                "others": changes,
            }
        )
    return {
        "chart": chart,
        "table": table,
        "change_charts": change_charts,
        "groups": groups,
        "groups_table": numbers.table() if groups else None,
    }


def _grid(
    question: Question,
    entries: list[dict[str, Any]],
    compared: list[dict[str, Any]],
    this: str,
    numbers: _Numbers,
) -> dict[str, Any]:
    """A grid question as one table (items by categories, as the published tables are) after the
    chart of its first category across the items; the combined answers per item; the councils
    named per item and answer; and for each compared round the improvement scores (a chart and a
    table) and each category's change."""
    categories = list(question.categories)
    first = categories[0] if categories else ""
    across = _bars(
        numbers,
        f"“{first}” across the items: {question.text}",
        [(e["item"], _by_category(e["rows"]).get(first, {}).get("percent")) for e in entries],
        f"the share answering “{first}” for each item",
    )
    items = []
    for entry in entries:
        by_cat = _by_category(entry["rows"])
        items.append(
            {
                "item": entry["item"],
                "cells": [
                    {"count": by_cat[c]["count"], "percent": _pct(by_cat[c]["percent"])}
                    if c in by_cat
                    else {"count": "–", "percent": "–"}
                    for c in categories
                ],
                "n": entry["n"],
                "no_response": entry.get("no_response", 0),
                "score": entry.get("improvement_score"),
                "score_text": _signed(entry.get("improvement_score")),
            }
        )
    has_scores = len(categories) >= 4 and any(i["score"] is not None for i in items)
    table = numbers.table()
    labels = [g["label"] for g in (entries[0].get("groups") or [])] if entries else []
    groups = []
    for e in entries:
        by_label = {g["label"]: g for g in e.get("groups") or []}
        groups.append(
            {
                "item": e["item"],
                "cells": [
                    {
                        "count": "–"
                        if by_label.get(lab, {}).get("count") is None
                        else by_label[lab]["count"],
                        "percent": _pct(by_label.get(lab, {}).get("percent")),
                    }
                    for lab in labels
                ],
            }
        )
    named = [
        {"item": e["item"], "category": r["category"], "councils": r["councils"]}
        for e in entries
        for r in e["rows"]
        if r.get("councils")
    ]
    # Numbered in the order they are shown: the combined answers and the councils named come
    # before the comparisons.
    groups_table = numbers.table() if labels else None
    named_table = numbers.table() if named else None
    comparisons = []
    for c in compared:
        rows = []
        for e in entries:
            other = e.get("comparisons", {}).get(c["key"])
            if other is None:
                continue
            there, here = _by_category(other["rows"]), _by_category(e["rows"])
            rows.append(
                {
                    "item": e["item"],
                    "n": other["n"],
                    "score": e.get("improvement_score"),
                    "other_score": other.get("improvement_score"),
                    "score_text": _signed(e.get("improvement_score")),
                    "other_score_text": _signed(other.get("improvement_score")),
                    "change_text": _signed(other.get("change")),
                    "cells": [
                        {
                            "percent": _pct(here[cat]["percent"]) if cat in here else "–",
                            "other": _pct(there[cat]["percent"]) if cat in there else "–",
                            "change": _signed(there[cat].get("change")) if cat in there else "–",
                        }
                        for cat in categories
                    ],
                    "caveat": other.get("caveat"),
                }
            )
        if not rows:
            continue
        chart = None
        if has_scores:
            chart = _paired(
                numbers,
                f"Improvement scores, {this} and {c['label']}: {question.text}",
                [(r["item"], r["score"], r["other_score"]) for r in rows],
                [this, c["label"]],
                percent=False,
            )
        comparisons.append(
            {
                "label": c["label"],
                "rows": rows,
                "chart": chart,
                "score_table": numbers.table() if has_scores else None,
                "table": numbers.table(),
                "missing": [e["item"] for e in entries if c["key"] not in e.get("comparisons", {})],
            }
        )
    return {
        "categories": categories,
        "items": items,
        "has_scores": has_scores,
        "across": across,
        "table": table,
        "group_labels": labels,
        "groups": groups if labels else [],
        "groups_table": groups_table,
        "named": named,
        "named_table": named_table,
        "comparisons": comparisons,
    }


def _item_groups(
    groups: list[dict[str, Any]], compared: list[dict[str, Any]], numbers: _Numbers
) -> dict[str, Any]:
    """Averages over named groups of a grid's items (analysis: the mean of the items' exact shares,
    rounded once), with the combined answers and, for each compared round, the change."""
    categories = [r["category"] for r in groups[0]["rows"]] if groups else []
    group_labels = [g["label"] for g in groups[0].get("groups") or []] if groups else []
    rows = []
    for g in groups:
        others = []
        for c in compared:
            other = (g.get("comparisons") or {}).get(c["key"])
            if other is None:
                continue
            others.append(
                {
                    "label": c["label"],
                    "cells": [
                        f"{_pct(r.get('percent'))} ({_signed(r.get('change'))})" for r in other["rows"]
                    ],
                    "groups": [
                        f"{_pct(r.get('percent'))} ({_signed(r.get('change'))})"
                        for r in other.get("groups") or []
                    ],
                    "caveat": other.get("caveat"),
                }
            )
        rows.append(
            {
                "label": g["label"],
                "items": g.get("items") or [],
                "bases": g.get("bases") or [],
                "cells": [_pct(r.get("percent")) for r in g["rows"]],
                "groups": [_pct(r.get("percent")) for r in g.get("groups") or []],
                "others": others,
            }
        )
    return {"number": numbers.table(), "categories": categories, "group_labels": group_labels, "rows": rows}


def _title(data: dict[str, Any]) -> str:
    """The rounds' titles in words (never their slugs)."""
    titles = [r["title"] for r in data.get("rounds") or [{"title": data["title"]}]]
    return titles[0] if len(titles) == 1 else f"{', '.join(titles[:-1])} and {titles[-1]}"


def _rounds(data: dict[str, Any]) -> list[Round]:
    slugs = [r["slug"] for r in data.get("rounds") or [{"slug": data["round"]}]]
    found = {r.slug: r for r in Round.objects.filter(slug__in=slugs).select_related("instrument")}
    return [found[s] for s in slugs if s in found]


def _scope_of(key: str) -> analysis.Scope | None:
    """A compared scope from its key ("slug", "slug+slug", "...@Region"), for a report made
    without the page's choices (the command); None if a round has gone."""
    slugs, _, region = key.partition("@")
    wanted = slugs.split("+")
    found = {r.slug: r for r in Round.objects.filter(slug__in=wanted).select_related("instrument")}
    if any(s not in found for s in wanted):
        return None
    return analysis.Scope(tuple(found[s] for s in wanted), region or None)


def _date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _when(round_: Round) -> str:
    start, end = round_.starts_on, round_.ends_on
    if start and end:
        return _date(start) if start == end else f"{_date(start)} to {_date(end)}"
    if start or end:
        return f"from {_date(start)}" if start else f"until {_date(end)}"  # type: ignore[arg-type]
    return "Not recorded"


def _person(user: Any) -> str:
    return (user.get_full_name() or user.get_username()).strip()


def _themes(
    scope: analysis.Scope,
    compare: Sequence[analysis.Scope],
    compared: list[dict[str, Any]],
    restricted: frozenset[str] = frozenset(),
) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The open questions' themes over the report's councils (coding.open_answers), and each theme's
    frequency beside its frequency in each compared scope with answers (coding.theme_comparison;
    a baseline has none). For a scope the user may not see in full (``restricted``: Choices), a
    question's other figures are shown only from analysis.MIN_BASE councils answering it there, as
    every other comparison is: below it they are "–" with the note why."""
    kept = analysis.respondents(scope)
    opened = coding.open_answers(list(scope.rounds), kept)
    labels = {c["key"]: c["label"] for c in compared}
    by_qid: dict[str, list[dict[str, Any]]] = {}
    for other in compare:
        if other.aggregate_only:
            continue
        found = coding.theme_comparison(
            list(scope.rounds), list(other.rounds), kept, analysis.respondents(other)
        )
        for qid, rows in found.items():
            if not rows:
                continue
            label = labels.get(other.key, other.title)
            # The councils there answering the question (one answer each): counted plus awaiting.
            answered = rows[0]["other_counted"] + rows[0]["other_unreconciled"]
            hidden = other.key in restricted and answered < analysis.MIN_BASE
            if hidden:
                # One council's answer could be told from a theme's count below the base.
                gone = ("other_count", "other_percent", "change", "other_counted", "other_unreconciled")
                rows = [{**r, **dict.fromkeys(gone)} for r in rows]
            by_qid.setdefault(qid, []).append(
                {
                    "label": label,
                    "rows": [{**r, "change_text": _signed(r.get("change"))} for r in rows],
                    "suppressed": hidden,
                    "note": analysis.not_shown(other.title) if hidden else "",
                }
            )
    return opened, by_qid


def _area(data: dict[str, Any], rounds: Sequence[Round]) -> str:
    """Where the report's councils are: the region cut to, or the rounds' own region, or all of
    England ("" for rounds of several regions)."""
    regions = {r.region for r in rounds}
    return (
        data.get("region")
        or (next(iter(regions)) if len(regions) == 1 and "" not in regions else "")
        or ("England" if regions == {""} else "")
    )


def _this(data: dict[str, Any], rounds: Sequence[Round]) -> str:
    """This report's name in chart titles and legends: a round's title, or, for merged rounds or a
    cut, "this report (London, 33 councils)" (the rounds' titles joined with "and" before the other
    scope's, itself maybe merged, could not be read)."""
    if len(rounds) <= 1 and not data.get("region"):
        return str(data.get("title") or _title(data))
    councils = len(data.get("councils") or [])
    where = _area(data, rounds)
    count = f"{councils} council{'' if councils == 1 else 's'}"
    return f"this report ({where}, {count})" if where else f"this report ({count})"


def context(
    round_: Any = None,
    data: dict[str, Any] | None = None,
    *,
    published_by: str | None = None,
    choices: Choices | None = None,
) -> dict[str, Any]:
    """The report's page and document context, all from ``data`` (``round_`` is kept for callers
    that pass the first round: the rounds shown are data["rounds"])."""
    assert data is not None
    rounds = list(choices.rounds) if choices is not None else _rounds(data)
    if not rounds and isinstance(round_, Round):
        rounds = [round_]
    scope = analysis.Scope(tuple(rounds), data.get("region"))
    compared = _comparisons(data)
    if choices is not None:
        compare = list(choices.compare)
    else:
        compare = [s for s in (_scope_of(c["key"]) for c in compared) if s is not None]
    instrument = rounds[0].instrument
    questions = list(instrument.questions.all())
    texts = {q.qid: q.text for q in questions}
    this = _this(data, rounds)
    numbers = _Numbers()
    restricted = choices.restricted if choices is not None else frozenset()
    opened, theme_comparisons = _themes(scope, compare, compared, restricted)
    evidence = data.get("evidence") or {}
    item_groups = data.get("item_groups") or {}
    roadmap = data.get("roadmap")
    sections: list[dict[str, Any]] = []
    unanswered: list[str] = []  # open questions nobody in the report answered (a closed-answers file)
    for question in questions:
        section: dict[str, Any] = {"number": len(sections) + 1, "question": question}
        if not question.is_closed:
            found = opened.get(question.qid) or {}
            if not found.get("responses"):
                unanswered.append(question.text)
                continue
            themes = [
                {**t, "words": _share_in_words(t.get("in_words") or "")} for t in found.get("themes") or []
            ]
            section.update(
                kind="open",
                anchor=f"open-{question.qid}",
                responses=found.get("responses", 0),
                counted=found.get("counted", found.get("responses", 0)),
                unreconciled=found.get("unreconciled", 0),
                themes=themes,
                table=numbers.table() if themes else None,
                comparisons=[
                    {**c, "table": numbers.table()} for c in theme_comparisons.get(question.qid, [])
                ],
            )
            sections.append(section)
            continue
        entries = data["questions"].get(question.qid)
        if entries is None:
            continue
        section.update(
            kind="grid" if question.type == "grid" else "closed",
            anchor=f"q-{question.qid}",
            asked_only=asked_only(question.condition) if question.condition else "",
            note=next((e.get("note") for e in entries if e.get("note")), ""),
        )
        if question.type == "grid":
            section["grid"] = _grid(question, entries, compared, this, numbers)
        else:
            section.update(_closed(question, entries[0], compared, this, numbers))
        if item_groups.get(question.qid):
            section["item_groups"] = _item_groups(item_groups[question.qid], compared, numbers)
        if question.qid in evidence:
            found = evidence[question.qid]
            section["evidence"] = {
                **found,
                "any_figures": any(r.get("councils_with_figures") for r in found.get("by_category") or []),
                "table": numbers.table(),
                "named_table": numbers.table() if found.get("named") else None,
            }
        if roadmap and roadmap.get("question") == question.qid:
            cumulative = roadmap.get("cumulative") or []
            section["roadmap"] = {
                "highest": roadmap.get("highest_step") or [],
                "named": any(r.get("councils") for r in roadmap.get("highest_step") or []),
                "cumulative": cumulative,
                "note": roadmap.get("note") or "",
                "n": roadmap.get("n"),
                "highest_table": numbers.table(),
                "chart": _bars(
                    numbers,
                    f"Councils that reached at least each step: {question.text}",
                    [(r["category"], r.get("percent")) for r in cumulative],
                    "the share of councils that reached at least each step",
                ),
                "cumulative_table": numbers.table(),
            }
        sections.append(section)
    crosstabs = [{**x, "number": numbers.table()} for x in data.get("crosstabs") or []]
    councils = data.get("councils") or []
    notes = [
        {"question": n.get("question") or texts.get(n.get("qid") or "", ""), "text": n["text"]}
        for n in data.get("data_quality_notes") or []
    ]
    moderation = [
        {**m, "moderates_text": texts.get(m["moderates"], "")} for m in data.get("moderation") or []
    ]
    starts = [r.starts_on for r in rounds if r.starts_on]
    ends = [r.ends_on for r in rounds if r.ends_on]
    area = _area(data, rounds)
    # The interviewers of a round cut to a region are not listed: they may have spoken only with its
    # other regions' councils (analysis.rounds_in_full).
    in_full = {r.pk for r in analysis.rounds_in_full(scope)}
    naming = data.get("naming") or {}
    return {
        "round": rounds[0],
        "rounds": [
            {
                "round": r,
                "when": _when(r),
                "in_full": r.pk in in_full,
                "interviewers": sorted(_person(u) for u in r.interviewers.all()) if r.pk in in_full else [],
            }
            for r in rounds
        ],
        "data": data,
        "title": _title(data),
        "region": data.get("region"),
        # Where the councils are: the region cut to, or the rounds' own region, or all of England.
        "area": area,
        "when": f"{_date(min(starts))} to {_date(max(ends))}" if starts and ends else "",
        "published_by": published_by,
        "printed_on": _date(timezone.localdate()),
        "compared": compared,
        "sections": sections,
        "crosstabs": crosstabs,
        "councils": councils,
        "named_councils": sum(1 for c in councils if c.get("named")),
        # How many agreed to be named, and why no names are listed when they are withheld.
        "agreed_councils": naming.get("agreed", sum(1 for c in councils if c.get("named"))),
        "naming_note": naming.get("note") or "",
        "unanswered": unanswered,
        "notes": notes,
        "moderation": moderation,
        "warnings": data.get("warnings") or [],
    }


def as_html(
    round_: Any, data: dict[str, Any], *, published_by: str | None = None, choices: Choices | None = None
) -> str:
    return render_to_string(DOCUMENT, context(round_, data, published_by=published_by, choices=choices))


def as_pdf(
    round_: Any, data: dict[str, Any], *, published_by: str | None = None, choices: Choices | None = None
) -> bytes:
    """The published report: a tagged PDF/UA-1 document (its language, headings, tables with their
    captions, and every chart's text alternative in the structure a screen reader follows)."""
    return render_pdf(
        DOCUMENT, context(round_, data, published_by=published_by, choices=choices), variant=PDF_UA
    )


def file_name(choices: Choices, extension: str) -> str:
    """The download's name: the rounds' short names and the region (a file name, not shown in the
    document)."""
    stem = "+".join(r.slug for r in choices.rounds)
    if choices.region:
        stem += "-" + "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in choices.region.lower())
    return f"{stem[:150]}-report.{extension}"
