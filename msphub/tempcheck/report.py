"""The temperature-check report as JSON, CSV, HTML and PDF, from analysis.analyse()."""

import csv
import io
import json
from typing import Any

from django.template.loader import render_to_string

from .models import Round


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def as_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["round", "question_id", "item", "category", "count", "n", "percent", "no_response"])
    for qid, entries in data["questions"].items():
        for entry in entries:
            for row in entry["rows"]:
                writer.writerow(
                    [
                        data["round"],
                        qid,
                        entry["item"] or "",
                        row["category"],
                        row["count"],
                        entry["n"],
                        row["percent"],
                        entry["no_response"],
                    ]
                )
    return out.getvalue()


def _context(round_: Round, data: dict[str, Any]) -> dict[str, Any]:
    from msphub.core import charts

    from .analysis import open_answers

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
    opened = [(questions[qid], o) for qid, o in open_answers(round_).items()]
    return {"round": round_, "data": data, "sections": sections, "open": opened}


def as_html(round_: Round, data: dict[str, Any]) -> str:
    return render_to_string("tempcheck/report_document.html", _context(round_, data))


def as_pdf(round_: Round, data: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # slow to import; only reports need it

    return HTML(string=as_html(round_, data)).write_pdf()
