"""The temperature-check report as JSON, CSV, HTML and PDF, from analysis.analyse()."""

import json
from typing import Any

from django.template.loader import render_to_string

from msphub.core import charts
from msphub.core.downloads import csv_text, render_pdf

from .coding import open_answers
from .models import Round

DOCUMENT = "tempcheck/report_document.html"


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def as_csv(data: dict[str, Any]) -> str:
    header = ["round", "question_id", "item", "category", "count", "n", "percent", "no_response"]
    return csv_text(
        header,
        (
            [data["round"], qid, entry["item"] or "", row["category"], row["count"], entry["n"],
             row["percent"], entry["no_response"]]
            for qid, entries in data["questions"].items()
            for entry in entries
            for row in entry["rows"]
        ),
    )  # fmt: skip


def context(round_: Round, data: dict[str, Any]) -> dict[str, Any]:
    """The report's page and document context: each question's charts and tables, and open answers."""
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
        sections.append({"question": questions[qid], "entries": entries, "anchor": f"q-{qid}"})
    opened = [(questions[qid], o) for qid, o in open_answers([round_]).items()]
    return {"round": round_, "data": data, "sections": sections, "open": opened}


def as_html(round_: Round, data: dict[str, Any]) -> str:
    return render_to_string(DOCUMENT, context(round_, data))


def as_pdf(round_: Round, data: dict[str, Any]) -> bytes:
    return render_pdf(DOCUMENT, context(round_, data))
