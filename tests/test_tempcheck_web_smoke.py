from pathlib import Path

import pytest
from django.core.management import call_command

from msphub.accounts.models import Organisation, Role, User
from msphub.tempcheck.models import Answer, Coding, Round, Theme

R = Path(__file__).resolve().parents[1] / "msphub" / "tempcheck" / "instruments"


@pytest.mark.slow
def test_tc_web(client, db):
    org = Organisation.objects.create(name="ADASS", kind="network", region="", national=True)
    lead = User.objects.create_user(
        "rl", password="x-very-long-pass", organisation=org, role=Role.REGIONAL_LEAD
    )
    iv = User.objects.create_user("iv", password="x-very-long-pass", role=Role.INTERVIEWER)
    call_command(
        "tempcheck_import",
        slug="national-2016",
        title="National 2016",
        instrument=str(R / "instrument-2016.yaml"),
        responses=str(R / "national-2016-responses.csv"),
    )
    call_command(
        "tempcheck_import",
        slug="eval-2015",
        title="Evaluation",
        instrument=str(R / "instrument-2016.yaml"),
        responses=str(R / "evaluation-2015-published.csv"),
        baseline=True,
    )
    client.force_login(lead)
    for u in [
        "/tempcheck/",
        "/tempcheck/rounds/new/",
        "/tempcheck/rounds/import/",
        "/tempcheck/rounds/national-2016/",
        "/tempcheck/rounds/national-2016/report/?compare=eval-2015",
        "/tempcheck/rounds/national-2016/coding/msp_meaning/",
        "/tempcheck/rounds/national-2016/conversations/N16-001/",
    ]:
        r = client.get(u)
        assert r.status_code == 200, (u, r.status_code)
    r = client.post(
        "/tempcheck/rounds/new/",
        {
            "title": "London 2026",
            "slug": "london-2026",
            "instrument": Round.objects.get(slug="national-2016").instrument_id,
            "region": "national",
            "councils": "Camden\nHackney",
            "interviewers": [iv.pk],
        },
    )
    assert r.status_code == 302, r.content.decode()[-2000:]
    client.force_login(iv)
    rnd = Round.objects.get(slug="london-2026")
    rid = rnd.respondents.first().respondent_id
    r = client.get(f"/tempcheck/rounds/london-2026/conversations/{rid}/")
    assert r.status_code == 200
    r = client.post(
        f"/tempcheck/rounds/london-2026/conversations/{rid}/",
        {
            "strategy_fit": "Other",
            "engagement_levels__0": "Very well",
            "msp_meaning": "Person-led work",
            "msp_meaning__consent": "on",
            "achievement_self": "A) Fully implemented",
            "achievement_interviewer": "B) Planning completed and rolling out",
            "save": "1",
        },
    )
    # "Save and carry on" saves whatever is answered, a moderation reason not yet given included.
    assert r.status_code == 302
    r = client.post(
        f"/tempcheck/rounds/london-2026/conversations/{rid}/",
        {
            "strategy_fit": "Other",
            "engagement_levels__0": "Very well",
            "msp_meaning": "Person-led work",
            "msp_meaning__consent": "on",
            "achievement_self": "A) Fully implemented",
            "achievement_interviewer": "B) Planning completed and rolling out",
            "moderation_reason": "Not yet rolled out",
            "complete": "1",
        },
    )
    assert r.status_code == 302
    assert Answer.objects.filter(respondent__round=rnd).count() == 5
    # The round's lead keeps the codebook; the interviewer codes the answer against it.
    client.force_login(lead)
    r = client.post(
        "/tempcheck/rounds/london-2026/coding/msp_meaning/codebook/new/",
        {"label": "Person-led", "definition": "Working with the person"},
    )
    assert r.status_code == 302
    t = Theme.objects.get(label="Person-led")
    client.force_login(iv)
    a = Answer.objects.get(respondent__round=rnd, question__qid="msp_meaning")
    r = client.post(
        "/tempcheck/rounds/london-2026/coding/msp_meaning/", {"shown": str(a.pk), f"theme_{t.pk}": str(a.pk)}
    )
    assert r.status_code == 302
    assert Coding.objects.filter(answer=a, theme=t, final=True).exists()
    r = client.get("/tempcheck/rounds/london-2026/report/")
    body = r.content.decode()
    assert "Person-led" in body and ("Camden" in body or "Hackney" in body)
    assert client.get("/tempcheck/rounds/national-2016/").status_code == 404
    r = client.get("/tempcheck/rounds/london-2026/report/?format=pdf")
    assert r.content[:4] == b"%PDF"


def _pdf_text(html: str) -> str:
    """Text laid out on the PDF's pages (WeasyPrint's own layout, no PDF parser needed)."""
    from weasyprint import HTML

    document = HTML(string=html).render()

    def texts(box):
        if hasattr(box, "text"):
            yield box.text
        for child in getattr(box, "children", []) or []:
            yield from texts(child)

    return " ".join(t for page in document.pages for t in texts(page._page_box)), len(document.pages)


def test_report_document_lays_out_title_page_method_findings_and_councils(db):
    from msphub.tempcheck.analysis import analyse
    from msphub.tempcheck.report import as_html

    call_command(
        "tempcheck_import",
        slug="national-2016",
        title="National 2016",
        instrument=str(R / "instrument-2016.yaml"),
        responses=str(R / "national-2016-responses.csv"),
    )
    round_ = Round.objects.get(slug="national-2016")
    data = analyse(round_)
    text, pages = _pdf_text(as_html(round_, data))
    # A title page, the contents and the method come before the findings; the findings run on from
    # one question to the next (not a page each), then the councils and data quality.
    assert 5 < pages < 4 * len(data["questions"])
    for words in (
        "Making Safeguarding Personal temperature check",
        "Contents",
        "Method",
        "n = 115",
        "The overriding strategic objective",
        "Very involved",
        "Total",
        "14 of 115",
        "Participating councils",
        "Data quality",
    ):
        assert words in text, words
    assert "national-2016" not in text


def test_road_map_instrument_ships_and_loads(db):
    from msphub.tempcheck import instruments

    instruments.load_shipped()
    road_map = instruments.Instrument.objects.get(slug="msp-road-map-self-assessment")
    steps = road_map.questions.get(qid="road_map_steps")
    assert steps.type == "multi" and len(steps.categories) == 10
    assert road_map.questions.get(qid="achievement_interviewer").moderates == "achievement_self"
