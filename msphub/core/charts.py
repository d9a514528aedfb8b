"""Static SVG charts drawn with matplotlib, used as images with a text alternative and a table beside them.

They are embedded as data: URIs so the page's Content-Security-Policy (no inline styles) is kept,
and WeasyPrint draws the same images in the PDF.

Each chart is drawn on its own ``Figure`` (matplotlib's object API, not pyplot): pyplot keeps every
open figure in one global registry, which is neither needed nor safe when several requests draw at
once. A chart is a pure function of its figures and labels (the SVG carries no date, and its ids come
from a fixed salt), so the last ``CHARTS_KEPT`` charts drawn are kept by content: a dashboard opened
again with the same figures reuses its charts instead of spending a tenth of a second on each.
"""

import base64
import functools
import io
import json
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on a server
from matplotlib.figure import Figure  # noqa: E402

matplotlib.rcParams.update(
    {"svg.fonttype": "none", "font.family": "sans-serif", "font.size": 10, "svg.hashsalt": "msphub"}
)
BLUE = "#1d70b8"
COLOURS = ["#1d70b8", "#d53880", "#00703c", "#f47738", "#4c2c92"]
# Charts kept by content, per process: each is an SVG of some tens of kilobytes.
CHARTS_KEPT = 64


def _encode(figure: Figure) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue().encode()).decode()


def _kept_by_content(draw: Callable[..., str]) -> Callable[..., str]:
    """``draw``'s charts kept by the content of its arguments (JSON-encoded: lists and dicts of
    figures and labels), so the same figures are drawn once."""

    @functools.lru_cache(maxsize=CHARTS_KEPT)
    def drawn(arguments: str) -> str:
        args, kwargs = json.loads(arguments)
        return draw(*args, **kwargs)

    @functools.wraps(draw)
    def chart(*args: Any, **kwargs: Any) -> str:
        return drawn(json.dumps([args, kwargs], sort_keys=True, default=str))

    return chart


def _figure(figsize: tuple[float, float]) -> tuple[Figure, Any]:
    figure = Figure(figsize=figsize)
    return figure, figure.subplots()


@_kept_by_content
def percent_bars(rows: list[dict[str, Any]], label_key: str = "label") -> str:
    """Horizontal bars of percentages, one per row (rows without a denominator are left out)."""
    rows = [r for r in rows if r.get("percent") is not None]
    height = max(1.5, 0.42 * len(rows) + 0.6)
    figure, axes = _figure(figsize=(8, height))
    labels = [str(r[label_key]) for r in rows][::-1]
    values = [r["percent"] for r in rows][::-1]
    bars = axes.barh(labels, values, color=BLUE)
    axes.set_xlim(0, 100)
    axes.set_xlabel("Per cent")
    axes.bar_label(bars, labels=[f"{v:.0f}%" for v in values], padding=3)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return _encode(figure)


@_kept_by_content
def monthly_lines(series: dict[str, list[dict[str, Any]]], labels: dict[str, str]) -> str:
    """One line per measure over the months (percentages)."""
    figure, axes = _figure(figsize=(8, 3.6))
    # Every line is drawn against one sorted list of months, so the axis runs in date order.
    months = sorted({p["month"] for points in series.values() for p in points})
    position = {month: i for i, month in enumerate(months)}
    # A month not yet over (``complete`` False) is drawn with a hollow point and labelled as such, so
    # a month one day old is not read like a whole one.
    incomplete = {p["month"] for points in series.values() for p in points if not p.get("complete", True)}
    for colour, (measure_id, points) in zip(COLOURS, series.items(), strict=False):
        shown = [p for p in points if p["percent"] is not None]
        axes.plot(
            [position[p["month"]] for p in shown],
            [p["percent"] for p in shown],
            marker="o",
            color=colour,
            label=labels[measure_id],
        )
        partial = [p for p in shown if p["month"] in incomplete]
        axes.plot(
            [position[p["month"]] for p in partial],
            [p["percent"] for p in partial],
            linestyle="none",
            marker="o",
            markerfacecolor="white",
            markeredgecolor=colour,
        )
    axes.set_xticks(range(len(months)), [m + " (incomplete)" if m in incomplete else m for m in months])
    axes.set_ylim(0, 100)
    axes.set_ylabel("Per cent")
    axes.tick_params(axis="x", labelrotation=45)
    axes.legend(loc="lower left", fontsize=8, frameon=False)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return _encode(figure)


@_kept_by_content
def count_bars(rows: list[dict[str, Any]], label_key: str, value_key: str) -> str:
    height = max(1.5, 0.42 * len(rows) + 0.6)
    figure, axes = _figure(figsize=(8, height))
    labels = [str(r[label_key]) for r in rows][::-1]
    values = [r[value_key] for r in rows][::-1]
    bars = axes.barh(labels, values, color=BLUE)
    axes.bar_label(bars, padding=3)
    axes.set_xlabel("Number")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return _encode(figure)


@_kept_by_content
def paired_bars(
    rows: list[dict[str, Any]],
    names: list[str],
    *,
    label_key: str = "label",
    percent: bool = True,
) -> str:
    """Two bars per row, side by side: ``rows[i]["values"]`` holds two figures (this round and the
    round it is compared with, named by ``names`` in the legend), percentages (0 to 100) or, with
    ``percent`` False, scores that may be negative (an improvement score runs from -100 to 100).
    A missing figure (None) leaves its bar out, so a category one round did not ask is not drawn
    as 0. The second series is hatched as well as coloured, so the two can be told apart in grey."""
    height = max(1.8, 0.62 * len(rows) + 0.9)
    figure, axes = _figure(figsize=(8, height))
    labels = [str(r[label_key]) for r in rows][::-1]
    positions = list(range(len(labels)))
    bar = 0.38
    for index, (name, colour, hatch) in enumerate(
        zip(names[:2], (BLUE, "#f47738"), ("", "//"), strict=False)
    ):
        values = [r["values"][index] for r in rows][::-1]
        shown = [(p, v) for p, v in zip(positions, values, strict=True) if v is not None]
        # The first series above the second within each row (rows run bottom to top).
        offset = bar / 2 if index == 0 else -bar / 2
        bars = axes.barh(
            [p + offset for p, _ in shown],
            [v for _, v in shown],
            height=bar,
            color=colour,
            hatch=hatch,
            edgecolor="#0b0c0c" if hatch else colour,
            linewidth=0.4,
            label=name,
        )
        text = [f"{v:.0f}%" if percent else f"{v:+.0f}" for _, v in shown]
        axes.bar_label(bars, labels=text, padding=3, fontsize=8)
    axes.set_yticks(positions, labels)
    axes.set_ylim(-0.6, len(labels) - 0.4)
    if percent:
        axes.set_xlim(0, 100)
        axes.set_xlabel("Per cent")
    else:
        figures = [abs(v) for r in rows for v in r["values"] if v is not None]
        reach = max([10, *figures]) * 1.25
        axes.set_xlim(-reach, reach)
        axes.axvline(0, color="#0b0c0c", linewidth=0.8)
        axes.set_xlabel("Score")
    # The legend above the bars, where it covers none of them.
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, fontsize=8, frameon=False)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return _encode(figure)
