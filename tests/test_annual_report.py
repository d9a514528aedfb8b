"""The Board's annual report (msphub/annualreport): the pack for a year, its sections and their
history, agreeing it, and who may do what.

The year is tests/measures_fixtures.py's 2025-26 for Riverside (concluded enquiries, concerns,
feedback and moderated quotes, with Hillside's beside them), plus Safeguarding Adults Reviews built
here by hand::

    review     kind           decided     started     concluded   adults            recommendations
    SAR-A      mandatory      2025-05-01  2025-06-01  2025-11-30  Adult A (P1)      1 completed, 2 in progress
                                                                                    (overdue), 3 not accepted
    SAR-B      discretionary  2026-01-10  2026-02-01  -           Adult B           1 not started
    SAR-C      mandatory      2024-01-10  2024-02-01  2024-10-01  Adult C           1 completed 2024-12-01
                                                                                    (an earlier year's),
                                                                                    2 completed 2025-09-01
    SAR-D      not progressed 2025-07-01  -           -           -                 -
    SAR-E      mandatory      2026-05-01  2026-05-02  -           -                 (decided after the year)
    Hillside's mandatory      2025-05-01  2025-06-01  2025-12-01  Adult H           1 in progress

Case file audits (a two-question tool; "good" or "yes" meets the standard): E1 and E2 audited and
completed in the year (E1: good, yes; E2: inadequate, no), E1's audit moderated (not counted again),
E3's completed the year before, Hillside's E10 in the year (never Riverside's).

Concluded in the year: SAR-A. In progress on 31 March 2026: SAR-B. Recommendations reported: A1-A3,
B1, C2 (C1 was completed before the year began). Not implemented, with reasons: A3.
"""

import re
import zlib
from datetime import date

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from msphub.accounts.models import Organisation
from msphub.annualreport import services
from msphub.annualreport.models import AnnualReport, ReportSection, Section
from msphub.audits import tools
from msphub.audits.models import Audit, AuditAnswer, AuditRound
from msphub.core.periods import FinancialYear
from msphub.core.states import StateChanged
from msphub.enquiries.models import DesiredOutcome
from msphub.measures import measures as m
from msphub.sars.models import ReviewAdult, ReviewRecommendation, SafeguardingAdultsReview
from tests.conftest import Cast, per_test
from tests.measures_fixtures import (
    AWAITING_WORDS,
    DECLINED_WORDS,
    EARLY_WORDS,
    HILLSIDE_WORDS,
    NAMED_WORDS,
    QUOTE_F1,
    QUOTE_F4,
    QUOTE_F5,
    REDACTED_WORDS,
    UNCONSENTED,
    at,
    build_data,
)

pytestmark = pytest.mark.django_db

YEAR = FinancialYear(2025)
JUSTICE = "Justice (an apology, prosecution, disciplinary or other action)"
SAFER = "Be and feel safer"
FOREWORD = "This year the Board listened harder.\n\nWe also changed how we work."
FINDINGS_A = "Agencies did not share what they knew about the risk at home."
FINDINGS_B = "Still being written"
FINDINGS_HILLSIDE = "Hillside findings Riverside must not see"
NOT_ACCEPTED_REASON = "A county-wide protocol already does this"
EVIDENCE_A1 = "Information-sharing protocol signed by all partners"
# What the pack must never print: the adults' names (build_data's people and their surname), the
# records' references (CON-/ENQ-), the words of quotes not approved as they are.
PERSONAL = ("Penelope", "Percival", "Philippa", "Peregrine", "Measureson", "Hector", "CON-", "ENQ-")
NOT_FOR_THE_BOARD = (
    NAMED_WORDS,
    AWAITING_WORDS,
    DECLINED_WORDS,
    UNCONSENTED,
    HILLSIDE_WORDS,
    FINDINGS_HILLSIDE,
)


def _review(council, reference, decision, decided, started=None, concluded=None, findings="", user=None):
    return SafeguardingAdultsReview.objects.create(
        council=council,
        reference=reference,
        referred_on=date(decided.year, decided.month, 1) if decided else date(2025, 4, 1),
        decision=decision,
        decision_on=decided,
        decision_reasons="The criteria are met" if decision != "pending" else "",
        status="concluded" if concluded else ("in_progress" if started else "closed"),
        started_on=started,
        concluded_on=concluded,
        findings=findings,
        themes=["multi_agency_working", "self_neglect"],
        referral_summary="Penelope Measureson was found at home",
        created_by=user,
    )


def _recommendation(review, number, owner, status="open", **fields):
    return ReviewRecommendation.objects.create(
        review=review,
        number=number,
        text=f"Recommendation {review.reference}-{number} text",
        owner=owner,
        due_on=fields.pop("due_on", date(2026, 6, 30)),
        status=status,
        **fields,
    )


TOOL = """\
slug: report-test
version: 1
title: Report test tool
meets_standard: 3
scales:
  quality:
    - {value: good, label: Good, grade: 3}
    - {value: inadequate, label: Inadequate, grade: 1}
  yes_no:
    - {value: "yes", label: "Yes", grade: 3}
    - {value: "no", label: "No", grade: 1}
sections:
  - title: The work
    questions:
      - {key: q_quality, text: "How good was the recording of what the person wanted?", scale: quality}
      - {key: q_yes, text: "Was the person asked what they wanted?", scale: yes_no}
"""
AUDIT_COMMENT = "Penelope's daughter was not called back"


def _audits(d, cast: Cast) -> None:
    tool = tools.load(TOOL)
    questions = {q.key: q for q in tool.questions.all()}

    def audit_round(council, slug, user):
        return AuditRound.objects.create(
            council=council, slug=slug, title="Spring", tool=tool, rule=AuditRound.Rule.PER_TEAM_MONTH,
            period_start=date(2025, 4, 1), period_end=date(2025, 4, 30), as_at=date(2025, 4, 30), seed="s",
            created_by=user, status=AuditRound.Status.OPEN,
        )  # fmt: skip

    riverside = audit_round(d.council, "report-riverside", cast.lead)
    hillside = audit_round(d.other_council, "report-hillside", cast.other_council_user)

    def audit(enquiry, completed_at, quality, yes, position, moderates=None, in_round=riverside):
        a = Audit.objects.create(
            audit_round=in_round, concern=enquiry.concern, enquiry=enquiry, person=enquiry.person,
            team=enquiry.team, position=position, moderates=moderates, auditor=cast.lead,
            status=Audit.Status.COMPLETED, completed_at=completed_at,
        )  # fmt: skip
        for key, value in (("q_quality", quality), ("q_yes", yes)):
            q = questions[key]
            grade = next(o["grade"] for o in q.scale if o["value"] == value)
            AuditAnswer.objects.create(audit=a, question=q, value=value, grade=grade, comment=AUDIT_COMMENT)
        return a

    a1 = audit(d.e1, at(2025, 7, 1), "good", "yes", 1)
    audit(d.e2, at(2025, 8, 1), "inadequate", "no", 2)
    audit(d.e1, at(2025, 7, 3), "inadequate", "yes", 1, moderates=a1)
    audit(d.e3, at(2025, 3, 1), "good", "yes", 3)
    audit(d.e10, at(2025, 7, 1), "good", "yes", 1, in_round=hillside)


def build_world(cast: Cast):
    d = build_data(cast)
    council, lead = d.council, cast.lead
    # A second category on E3's outcomes: its (redacted) quote stands under both themes.
    DesiredOutcome.objects.create(
        enquiry=d.e3,
        words="I want them to say sorry",
        category=JUSTICE,
        expressed_by="adult",
        expressed_on=d.e3.started_at.date(),
        achievement="Not Achieved",
    )
    a = _review(council, "SAR-2025-001", "mandatory", date(2025, 5, 1), date(2025, 6, 1), date(2025, 11, 30),
                FINDINGS_A, lead)  # fmt: skip
    ReviewAdult.objects.create(review=a, pseudonym="Adult A", person=d.p1, died=True, serious_harm=False,
                               date_of_death=date(2025, 3, 1), age_band="75-84")  # fmt: skip
    _recommendation(a, 1, council, "completed", evidence=EVIDENCE_A1, completed_on=date(2026, 2, 1))
    _recommendation(a, 2, d.police, "in_progress", due_on=date(2026, 1, 31))
    _recommendation(a, 3, d.nhs, "not_accepted", not_accepted_reason=NOT_ACCEPTED_REASON)
    b = _review(
        council, "SAR-2026-001", "discretionary", date(2026, 1, 10), date(2026, 2, 1), None, FINDINGS_B, lead
    )
    ReviewAdult.objects.create(review=b, pseudonym="Adult B", died=False, serious_harm=True)
    _recommendation(b, 1, council)
    c = _review(council, "SAR-2024-001", "mandatory", date(2024, 1, 10), date(2024, 2, 1), date(2024, 10, 1),
                "Earlier findings", lead)  # fmt: skip
    ReviewAdult.objects.create(review=c, pseudonym="Adult C", died=True, serious_harm=False)
    _recommendation(c, 1, council, "completed", evidence="Done long ago", completed_on=date(2024, 12, 1))
    _recommendation(c, 2, d.police, "completed", evidence="Training delivered", completed_on=date(2025, 9, 1))
    _review(council, "SAR-2025-002", "not_progressed", date(2025, 7, 1), user=lead)
    _review(council, "SAR-2026-002", "mandatory", date(2026, 5, 1), date(2026, 5, 2), user=lead)
    hillside = cast.other_council_user
    h = _review(d.other_council, "SAR-2025-001", "mandatory", date(2025, 5, 1), date(2025, 6, 1),
                date(2025, 12, 1), FINDINGS_HILLSIDE, hillside)  # fmt: skip
    ReviewAdult.objects.create(
        review=h, pseudonym="Adult H", person=d.h_person, died=False, serious_harm=True
    )
    _recommendation(h, 1, d.other_council, "in_progress")

    _audits(d, cast)
    d.report = services.create_report(council, YEAR, lead)
    services.save_section(d.report, Section.FOREWORD, {None: FOREWORD}, lead)
    d.hillside_report = services.create_report(d.other_council, FinancialYear(2024), hillside)
    return d


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker):
    with django_db_blocker.unblock():
        return build_world(Cast())


@pytest.fixture
def world(world_once, db):
    return per_test(world_once)


def pack_url(year: int = 2025) -> str:
    return reverse("annualreport:pack", args=[year])


def section_url(key: str, year: int = 2025) -> str:
    return reverse("annualreport:section_edit", args=[year, key])


def _write_all(report, user) -> None:
    for key in Section.values:
        if key == Section.MEMBERS:
            services.save_section(report, key, {report.council: "The council trained every team."}, user)
        elif key != Section.FOREWORD:
            services.save_section(report, key, {None: f"Text of {key}"}, user)


# --- The pack's contents ----------------------------------------------------------------------------


def test_the_pack_holds_every_statutory_part(world):
    pack = services.build_pack(world.report)
    # The Board's own sections, in order: (a)/(b) strategy, (c) members, (f)/(g) acting on findings.
    assert list(pack.sections) == [
        "foreword", "strategy", "members", "review_actions", "priorities"
    ]  # fmt: skip
    assert pack.sections["foreword"].text == FOREWORD
    assert pack.sections["foreword"].updated_by == world.cast.lead
    assert pack.sections["strategy"].paragraph == "Schedule 2, paragraph 4(1)(a) and (b)"
    # The figures: the measures exactly as the dashboard counts them, the return's headline as the return.
    assert pack.measures == m.measure_totals(m.Filters(YEAR, world.council))
    # The return's headline (measures_fixtures' year): 13 concerns, 7 section 42 and 1 other enquiry
    # started; of the six concluded section 42 enquiries, E1, E2, E3 and E7 expressed outcomes (E1 and
    # E7 fully achieved, E2 partly, E3 not), E4 expressed none, E6 did not record it.
    assert (pack.sac["concerns"], pack.sac["s42"], pack.sac["other"]) == (13, 7, 1)
    events = m.events(m.Filters(YEAR, world.council))
    assert (pack.sac["concerns"], pack.sac["s42"], pack.sac["other"]) == (
        events["concerns"], events["s42"], events["other"]
    )  # fmt: skip
    assert pack.sac["conversion"] == events["conversion"] == 53.8
    assert {r["label"]: r["count"] for r in pack.sac["sg4a"] if r["count"]} == {
        "Yes they were asked and outcomes were expressed": 4,
        "Yes they were asked but no outcomes were expressed": 1,
        "Not Recorded": 1,
        "Fully Achieved": 2,
        "Partially Achieved": 1,
        "Not Achieved": 1,
    }
    # (d) concluded in the year, with findings; (e) in progress at its end; not the Hillside review,
    # not the one not progressed, nor one decided after the year, nor one concluded the year before.
    assert [r["reference"] for r in pack.reviews_concluded] == ["SAR-2025-001"]
    assert pack.reviews_concluded[0]["findings"] == FINDINGS_A
    assert pack.reviews_concluded[0]["adults"] == ["Adult A"]
    assert [r["reference"] for r in pack.reviews_ongoing] == ["SAR-2026-001"]
    # (f) the status of every recommendation still to report; (g) those not implemented, with reasons.
    status = {f"{r['review']}/{r['number']}": (r["status"], r["owner__name"]) for r in pack.recommendations}
    assert status == {
        "SAR-2024-001/2": ("completed", "Riverside Police"),
        "SAR-2025-001/1": ("completed", "Riverside Council"),
        "SAR-2025-001/2": ("in_progress", "Riverside Police"),
        "SAR-2025-001/3": ("not_accepted", "Riverside NHS Trust"),
        "SAR-2026-001/1": ("open", "Riverside Council"),
    }
    overdue = [f"{r['review']}/{r['number']}" for r in pack.recommendations if r["overdue"]]
    assert overdue == ["SAR-2025-001/2"]
    assert [(r["number"], r["not_accepted_reason"]) for r in pack.not_implemented] == [
        (3, NOT_ACCEPTED_REASON)
    ]


def test_quotes_stand_under_each_theme_of_their_enquiry(world):
    """Approved quotes of the year, in the approved words (names taken out), under each category of
    the enquiry's outcomes; "Other" for an enquiry with none (E4, E8). Not the quotes still
    awaiting moderation, declined, unconsented, from before the year or Hillside's."""
    themes = {
        t["theme"]: [q["words"] for q in t["quotes"]] for t in services.build_pack(world.report).quote_themes
    }
    assert list(themes) == [SAFER, JUSTICE, "Other"]
    assert themes[SAFER] == [REDACTED_WORDS, QUOTE_F1]
    assert themes[JUSTICE] == [REDACTED_WORDS]
    assert themes["Other"] == [QUOTE_F4, QUOTE_F5]
    every = [w for words in themes.values() for w in words]
    for words in (NAMED_WORDS, AWAITING_WORDS, DECLINED_WORDS, UNCONSENTED, EARLY_WORDS, HILLSIDE_WORDS):
        assert words not in every


def test_the_pack_is_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    """However many reviews, recommendations, quotes and sections: the same queries."""
    with CaptureQueriesContext(connection) as before:
        services.build_pack(world.report)
    council = world.council
    for i in range(5):
        review = _review(council, f"SAR-2025-1{i:02d}", "mandatory", date(2025, 5, 1), date(2025, 6, 1),
                         date(2025, 12, 1), "More findings", world.cast.lead)  # fmt: skip
        ReviewAdult.objects.create(review=review, pseudonym=f"Adult {i}", died=False, serious_harm=True)
        for n in range(3):
            _recommendation(review, n + 1, world.police)
    for enquiry in world.concluded:
        DesiredOutcome.objects.create(
            enquiry=enquiry, words="More", category="Be less isolated", expressed_by="adult",
            expressed_on=enquiry.started_at.date(), achievement="Fully Achieved",
        )  # fmt: skip
    _write_all(world.report, world.cast.lead)
    with django_assert_max_num_queries(len(before.captured_queries)):
        pack = services.build_pack(world.report)
    assert len(pack.reviews_concluded) == 6
    # Sections 1, the return's headline 3, the measures 3, the reviews 3, the quotes 2, what people
    # wanted 1 (outcomes.outcomes_and_who: read once), the audits' results
    # (audits.results.council_results) 7.
    assert len(before.captured_queries) <= 20


# --- The page and the PDF ----------------------------------------------------------------------------


def test_the_board_viewer_reads_the_pack_without_personal_details(client, world):
    client.force_login(world.cast.board_viewer)
    response = client.get(pack_url())
    assert response.status_code == 200
    page = response.content.decode()
    for heading in (
        "Chair&#x27;s foreword",
        "Our strategy and what the Board did",
        "The year in figures",
        "What people wanted and got",
        "What each member did",
        "Reviews concluded in 2025-26",
        "Reviews in progress on 31 March 2026",
        "The reviews' recommendations",
        "Findings the Board decided not to implement",
        "Acting on the reviews&#x27; findings",
        "Learning and priorities for next year",
    ):
        assert heading in page, heading
    # Plain text in paragraphs, escaped.
    assert "<p>This year the Board listened harder.</p>\n\n<p>We also changed how we work.</p>" in page
    assert FINDINGS_A in page and "Adult A" in page and NOT_ACCEPTED_REASON in page and EVIDENCE_A1 in page
    assert REDACTED_WORDS.replace("[", "[") in page
    for text in PERSONAL + NOT_FOR_THE_BOARD:
        assert text not in page, text
    assert "found at home" not in page  # the referral's summary is the lead's alone
    # A Board viewer reads; only the lead writes.
    assert f'href="{section_url("strategy")}"' not in page
    assert "Agree the report" not in page
    # Every figure table has a caption.
    assert page.count("<table") == page.count("<caption") >= 4


def test_the_lead_sees_what_is_left_to_write_and_the_links(client, world):
    client.force_login(world.cast.lead)
    page = client.get(pack_url()).content.decode()
    assert "Still to write: Our strategy and what the Board did, What each member did" in page
    assert f'href="{section_url("strategy")}"' in page
    assert reverse("annualreport:section_history", args=[2025, "foreword"]) in page
    assert "Last changed by Sam Tester" in page
    assert "Agree the report" not in page  # not until every section is written


def _pdf_chunks(content: bytes) -> list[bytes]:
    chunks = [content]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return chunks


def test_the_pdf_is_tagged_and_not_logged(client, world, monkeypatch):
    from msphub.core import downloads
    from msphub.core.models import AccessLog

    printed: list[str] = []

    def rendered(*args, **kwargs):
        html = render_to_string(*args, **kwargs)
        printed.append(html)
        return html

    monkeypatch.setattr(downloads, "render_to_string", rendered)
    client.force_login(world.cast.board_viewer)
    before = AccessLog.objects.count()
    response = client.get(reverse("annualreport:pack_pdf", args=[2025]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="annual-report-2025-26-E06000901.pdf"'
    assert "no-store" in response["Cache-Control"]
    content = response.content
    assert content.startswith(b"%PDF")
    # Tagged: a structure tree, marked content, the document's language, tables with captions.
    chunks = _pdf_chunks(content)
    for marker in (b"/StructTreeRoot", b"/MarkInfo", b"/Lang", b"/Table", b"/Caption", b"/H2"):
        assert any(marker in chunk for chunk in chunks), marker
    # Aggregates, pseudonyms and approved quotes only: nothing to log.
    assert AccessLog.objects.count() == before
    (html,) = printed
    assert FOREWORD.split("\n")[0] in html and FINDINGS_A in html and REDACTED_WORDS in html
    for text in PERSONAL + NOT_FOR_THE_BOARD:
        assert text not in html, text
    assert "Last changed by" not in html and reverse("annualreport:index") + "2025/sections/" not in html


# --- Writing a section -----------------------------------------------------------------------------


def test_the_lead_writes_a_section_kept_with_its_history(client, world):
    client.force_login(world.cast.lead)
    url = section_url("strategy")
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "  Our strategy had three aims.\r\n\r\nWe met two.  "})
    assert response.status_code == 302 and response["Location"] == pack_url() + "#strategy"
    section = ReportSection.objects.get(report=world.report, key="strategy")
    assert section.text == "Our strategy had three aims.\n\nWe met two."
    assert section.updated_by == world.cast.lead
    client.post(url, {"text": "Our strategy had three aims. We met all three."})
    client.post(url, {"text": "Our strategy had three aims. We met all three."})  # unchanged: no new change
    assert section.history.count() == 2
    history = client.get(reverse("annualreport:section_history", args=[2025, "strategy"])).content.decode()
    assert "We met two." in history and "We met all three." in history and "Sam Tester" in history
    # The Board viewer reads the history too.
    client.force_login(world.cast.board_viewer)
    assert client.get(reverse("annualreport:section_history", args=[2025, "strategy"])).status_code == 200


def test_what_each_member_did_has_a_box_for_each_member(client, world):
    client.force_login(world.cast.lead)
    url = section_url("members")
    page = client.get(url).content.decode()
    council, police, nhs = world.council, world.police, world.nhs
    for org in (council, police, nhs):
        assert org.name in page
    # At least one member's text.
    response = client.post(url, {})
    assert response.status_code == 200
    assert "Enter what at least one member did" in response.content.decode()
    response = client.post(
        url, {f"member_{police.pk}": "Trained every officer.", f"member_{council.pk}": "Audited."}
    )
    assert response.status_code == 302
    rows = {r.member: r.text for r in ReportSection.objects.filter(report=world.report, key="members")}
    assert rows == {police: "Trained every officer.", council: "Audited."}
    pack = services.build_pack(world.report)
    # The council first, then the partners by name.
    assert [mt.member for mt in pack.sections["members"].members] == ["Riverside Council", "Riverside Police"]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Enter the text of “Our strategy and what the Board did”"),
        ("   \r\n  ", "Enter the text of “Our strategy and what the Board did”"),
        ("<p>Bold</p>", "Write plain text without HTML tags"),
        ("x" * 20001, "must be 20,000 characters or fewer"),
    ],
)
def test_invalid_text_is_refused_with_a_message(client, world, text, error):
    client.force_login(world.cast.lead)
    response = client.post(section_url("strategy"), {"text": text})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and error in page.replace("&lt;", "<").replace("&gt;", ">")
    assert not ReportSection.objects.filter(report=world.report, key="strategy").exists()


def test_a_less_than_sign_is_plain_text(client, world):
    client.force_login(world.cast.lead)
    assert client.post(section_url("strategy"), {"text": "Fewer than 5 < 6 complaints"}).status_code == 302
    assert "Fewer than 5 &lt; 6 complaints" in client.get(pack_url()).content.decode()


@pytest.mark.parametrize("key", ["nonsense", "FOREWORD", "member"])
def test_an_unknown_section_is_not_found(client, world, key):
    client.force_login(world.cast.lead)
    assert client.get(section_url(key)).status_code == 404
    assert client.post(section_url(key), {"text": "x"}).status_code == 404
    assert client.get(reverse("annualreport:section_history", args=[2025, key])).status_code == 404
    # Nor can a service caller keep text under a key the pack never prints.
    report = AnnualReport.objects.get(council=world.cast.council, year=2025)
    with pytest.raises(ValueError, match="No such section"):
        services.save_section(report, key, {None: "x"}, world.cast.lead)


@pytest.mark.parametrize("year", [2014, 2030, 2024, 99999999999999999999])
def test_a_year_without_a_report_or_out_of_range_is_not_found(client, world, year):
    client.force_login(world.cast.lead)
    assert client.get(pack_url(year)).status_code == 404
    assert client.get(reverse("annualreport:pack_pdf", args=[year])).status_code == 404
    assert client.post(section_url("strategy", year), {"text": "x"}).status_code == 404


# --- Agreeing -----------------------------------------------------------------------------------------


def test_the_report_is_agreed_once_every_section_is_written_and_then_refuses_edits(client, world):
    client.force_login(world.cast.lead)
    agree = reverse("annualreport:agree", args=[2025])
    response = client.post(agree, follow=True)
    assert "Write these sections before agreeing the report" in response.content.decode()
    assert AnnualReport.objects.get(pk=world.report.pk).status == "draft"
    _write_all(world.report, world.cast.lead)
    assert "Agree the report" in client.get(pack_url()).content.decode()
    response = client.post(agree)
    assert response.status_code == 302
    report = AnnualReport.objects.get(pk=world.report.pk)
    assert (report.status, report.agreed_by) == ("agreed", world.cast.lead)
    # Agreed: no edit page, no saving, no second agreement; the pack still reads.
    assert client.get(section_url("strategy")).status_code == 404
    assert client.post(section_url("strategy"), {"text": "Changed after"}).status_code == 404
    assert client.post(agree).status_code == 404
    page = client.get(pack_url()).content.decode()
    assert "Agreed by Sam Tester" in page and f'href="{section_url("strategy")}"' not in page
    # The report as agreed is kept: a later change to the record (here a section's text, changed
    # behind the service's back) does not change the agreed page or PDF.
    assert "This is the report as it was agreed" in page and "Text of strategy" in page
    pdf = client.get(reverse("annualreport:pack_pdf", args=[2025]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert bytes(report.agreed_pdf) == pdf.content and "Text of strategy" in report.agreed_body
    ReportSection.objects.filter(report=report, key="strategy").update(text="Changed behind its back")
    assert "Changed behind its back" not in client.get(pack_url()).content.decode()
    assert client.get(reverse("annualreport:pack_pdf", args=[2025])).content == pdf.content
    ReportSection.objects.filter(report=report, key="strategy").update(text="Text of strategy")
    with pytest.raises(StateChanged):
        services.save_section(world.report, "strategy", {None: "Changed after"}, world.cast.lead)
    assert ReportSection.objects.get(report=report, key="strategy").text == "Text of strategy"


def test_agreeing_is_a_post(client, world):
    client.force_login(world.cast.lead)
    assert client.get(reverse("annualreport:agree", args=[2025])).status_code == 405


# --- Starting a report --------------------------------------------------------------------------------


def test_the_lead_starts_a_report_for_a_year_once(client, world):
    client.force_login(world.cast.lead)
    url = reverse("annualreport:new")
    assert "2015-16" in client.get(url).content.decode()
    response = client.post(url, {"year": "2024-25"})
    assert response.status_code == 302 and response["Location"] == pack_url(2024)
    assert AnnualReport.objects.filter(council=world.council, year=2024, status="draft").exists()
    for year, error in (
        ("2025-26", "There is already a report for 2025-26"),
        ("", "Select the financial year"),
        ("2014-15", "Select a year from the list"),
        ("2025", "Select a year from the list"),
    ):
        response = client.post(url, {"year": year})
        assert response.status_code == 200 and error in response.content.decode(), year
    index = client.get(reverse("annualreport:index")).content.decode()
    assert pack_url(2025) in index and pack_url(2024) in index


# --- Who may ------------------------------------------------------------------------------------------


def test_who_may_open_which_page(client, world):
    """The lead and Board viewers read (ANNUAL_REPORT is SAR_REGISTER's people); only the lead
    writes; practitioners, team managers, partners and other councils' users
    never see Riverside's report (Hillside's lead reads Hillside's own)."""
    pages = {
        "index": reverse("annualreport:index"),
        "pack": pack_url(),
        "history": reverse("annualreport:section_history", args=[2025, "foreword"]),
        "new": reverse("annualreport:new"),
        "edit": section_url("strategy"),
    }
    cast = world.cast
    expect = {
        # The pack shows the register's reviews and recommendations: the register's people only.
        cast.practitioner: {"index": 404, "pack": 404, "history": 404, "new": 404, "edit": 404},
        cast.manager: {"index": 404, "pack": 404, "history": 404, "new": 404, "edit": 404},
        cast.board_viewer: {"index": 200, "pack": 200, "history": 200, "new": 404, "edit": 404},
        cast.lead: {"index": 200, "pack": 200, "history": 200, "new": 200, "edit": 200},
        cast.partner_referrer: {"index": 404, "pack": 404, "history": 404, "new": 404, "edit": 404},
        cast.other_council_user: {"index": 200, "pack": 404, "history": 404, "new": 200, "edit": 404},
    }
    for user, statuses in expect.items():
        client.force_login(user)
        got = {name: client.get(url).status_code for name, url in pages.items()}
        assert got == statuses, user.username
    client.force_login(cast.other_council_user)
    assert client.get(pack_url(2024)).status_code == 200
    assert "2025-26" not in client.get(reverse("annualreport:index")).content.decode()
    client.force_login(cast.lead)
    assert client.get(pack_url(2024)).status_code == 404  # Hillside's 2024-25, not Riverside's
    client.force_login(cast.board_viewer)
    assert client.post(section_url("strategy"), {"text": "A Board viewer's words"}).status_code == 404
    assert client.post(reverse("annualreport:agree", args=[2025])).status_code == 404
    assert not ReportSection.objects.filter(key="strategy").exists()


def test_members_are_the_council_and_its_partners(world):
    trust = Organisation.objects.create(name="Another Council's Trust", kind="nhs_trust")
    trust.councils.add(world.other_council)
    assert [o.name for o in services.members(world.council)] == [
        "Riverside Council", "Riverside NHS Trust", "Riverside Police"
    ]  # fmt: skip


# --- Review findings (issue 14's review) ---------------------------------------------------------------


def test_a_recommendation_completed_after_the_year_is_not_complete_at_its_end(client, world):
    """(f) speaks of the year: B's second recommendation, due 28 February 2026 and completed on
    15 April 2026, was not complete (and was overdue) on 31 March 2026."""
    b = SafeguardingAdultsReview.objects.get(council=world.council, reference="SAR-2026-001")
    _recommendation(
        b, 2, world.council, "completed", evidence="Done in April", completed_on=date(2026, 4, 15),
        due_on=date(2026, 2, 28),
    )  # fmt: skip
    pack = services.build_pack(world.report)
    row = next(r for r in pack.recommendations if (r["review"], r["number"]) == ("SAR-2026-001", 2))
    assert row["status_label"] == "Not complete on 31 March 2026"
    assert (row["completed_since"], row["complete_at_end"]) == (date(2026, 4, 15), False)
    assert row["overdue"]
    # One completed in the year is complete at its end.
    a1 = next(r for r in pack.recommendations if (r["review"], r["number"]) == ("SAR-2025-001", 1))
    assert (a1["status_label"], a1["completed_since"], a1["complete_at_end"]) == ("Completed", None, True)
    client.force_login(world.cast.board_viewer)
    page = client.get(pack_url()).content.decode()
    assert (
        "Not complete on 31 March 2026 (overdue at the end of the year) (completed since, on 15 April 2026)"
    ) in page


def test_the_contents_list_every_part(client, world):
    client.force_login(world.cast.lead)
    page = client.get(pack_url()).content.decode()
    contents = page.split('aria-label="Contents"')[1].split("</nav>")[0]
    for anchor in ("foreword", "strategy", "figures", "wanted", "voices", "audits", "members", "reviews",
                   "review_actions", "priorities"):  # fmt: skip
        assert f'href="#{anchor}"' in contents and f'id="{anchor}"' in page, anchor
    assert "Acting on the reviews" in contents and "In people" in contents


def test_the_pack_counts_the_reviews_sg5_counts(world):
    """(d) is SG5's rule (sars.services.concluded_reviews): the same reviews, whichever asks."""
    from msphub.sars import services as sars

    pack = services.build_pack(world.report)
    assert [r["reference"] for r in pack.reviews_concluded] == list(
        sars.concluded_reviews(world.council, YEAR).order_by("reference").values_list("reference", flat=True)
    )


def test_a_second_report_for_the_year_is_refused(world):
    with pytest.raises(services.ReportExists):
        services.create_report(world.council, YEAR, world.cast.lead)
    assert AnnualReport.objects.filter(council=world.council, year=YEAR.first_year).count() == 1
