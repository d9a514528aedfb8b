"""Partner figures (issue 15 item 3; msphub/measures/partners.py, docs/partner-figures.md): each
raising agency's MSP practice on the concerns it raised and the outcomes of the enquiries each agency
made, for the council (``/measures/partners/``, exact) and for a partner lead (``/partners/figures/``,
under the benchmark files' disclosure control).

The world is tests/measures_fixtures.py's (its docstring lists the records; "today" is 15 April
2026, so "Last financial year" is 2025-26) plus these concerns received in 2025-26::

    id  raised by                 asked / three answers      consent                   spoken to
    X1  Riverside Police          yes / all three            not given, with a reason  -
    X2  Riverside Police          no                         not asked, no reason      -
    X3  a member of the public    yes / the first only       given                     -
    X4  Riverside Council staff   yes / none                 given                     after 5 hours
    X5  Riverside Police (to Hillside)  yes / none           given                     -
    X6-X8 Riverside Police        yes / none                 given                     after 3 hours

From build_data, Riverside's concerns in the period are C3 and N4 (the police's), C1 (the NHS
trust's) and ten raised without an agency's account by professionals (C2, C4, C5, C6, C9, C12, N1,
N2, N3, N5); all consented, asked, no answers written. The concluded enquiries: E1 and E6 made by the
NHS trust, E3 by the police, E2, E4, E5 and E7 the council's own.
"""

import csv
import io
from datetime import datetime

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from msphub.accounts.models import Organisation, Role, User
from msphub.concerns.models import Concern
from msphub.measures import measures as m
from msphub.measures import partners as pf
from msphub.partners.figures import published
from tests.conftest import PASSWORD, Cast, per_test
from tests.measures_fixtures import LONDON, PERIOD, Builder, at, build_data

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 4, 15, 12, tzinfo=LONDON)
COUNCIL_PAGE = reverse("measures:partners")
COUNCIL_CSV = reverse("measures:partners_csv")
LEAD_PAGE = reverse("partners:figures")
LEAD_CSV = reverse("partners:figures_csv")
LAST_YEAR = {"period": "last_year"}
OWN = "Riverside Council (the council's own enquiries)"


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY):
        yield


def _extra(b: Builder, d, received_at, raiser, council=None, **fields) -> Concern:
    concern = b.concern(received_at, raiser=raiser, council=council)
    Concern.objects.filter(pk=concern.pk).update(**fields)
    concern.refresh_from_db()
    return concern


def build_world():
    cast = Cast()
    d = build_data(cast)
    b = Builder(d.council, cast.lead)
    police = d.police
    d.x1 = _extra(
        b, d, at(2025, 11, 1), police, wants_to_happen="To be safe", how_to_happen="With my son there",
        outcomes_wanted="The visits to stop", consent="not_given", consent_not_given_reason="Others at risk",
    )  # fmt: skip
    d.x2 = _extra(
        b, d, at(2025, 11, 2), police, msp_asked=False, not_asked_reason="Not safe to ask",
        consent="not_sought", consent_not_sought_reason="",
    )  # fmt: skip
    d.x3 = _extra(b, d, at(2025, 11, 3), None, raiser_kind="public", wants_to_happen="Help")
    d.x4 = _extra(b, d, at(2025, 11, 4), d.council)
    b.contact(d.x4, 5)
    d.x5 = _extra(b, d, at(2025, 11, 5), police, council=d.other_council)
    for day in (6, 7, 8):
        concern = _extra(b, d, at(2025, 11, day), police)
        b.contact(concern, 3)
    d.plead = User.objects.create_user(
        "pip_policelead", password=PASSWORD, organisation=police, role=Role.PARTNER_LEAD
    )
    d.nhs_lead = User.objects.create_user(
        "nia_nhslead", password=PASSWORD, organisation=d.nhs, role=Role.PARTNER_LEAD
    )
    return d


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker):
    with django_db_blocker.unblock(), time_machine.travel(TODAY):
        return build_world()


@pytest.fixture
def world(world_once, db):
    return per_test(world_once)


def fig(row: pf.AgencyRow, figure_id: str) -> tuple:
    found = next(f for f in row.figures if f["id"] == figure_id)
    return found["numerator"], found["denominator"], found["percent"]


def by_key(rows: list[pf.AgencyRow]) -> dict[str, pf.AgencyRow]:
    return {row.key: row for row in rows}


# --- The figures --------------------------------------------------------------------------------


def test_raising_agencies_for_the_council(world):
    figures = pf.council_partner_figures(m.Filters(PERIOD, world.council))
    rows = by_key(figures.raising)
    police, nhs = f"organisation-{world.police.pk}", f"organisation-{world.nhs.pk}"
    staff = f"council-staff-{world.council.pk}"
    # Agencies by name, then the council's own staff, then concerns raised without an agency's account.
    assert [r.key for r in figures.raising] == [nhs, police, staff, "public-professional", "public-public"]
    assert [r.agency for r in figures.raising] == [
        "Riverside NHS Trust",
        "Riverside Police",
        "Riverside Council (council staff)",
        "Professionals without an account (no agency linked)",
        "Members of the public",
    ]
    assert rows[police].kind == "Police" and rows[police].count == 7  # C3, N4, X1, X2, X6-X8
    assert fig(rows[police], "asked_three_questions") == (1, 7, 14.3)  # X1
    assert fig(rows[police], "asked_what_they_want") == (6, 7, 85.7)  # all but X2
    assert fig(rows[police], "consent_recorded") == (6, 7, 85.7)  # X2 gave no reason
    assert fig(rows[police], "became_enquiry") == (1, 7, 14.3)  # C3
    assert fig(rows[police], "conversion_rate") == (1, 7, 14.3)
    assert fig(rows[police], "first_contact_24h") == (3, 7, 42.9)  # X6-X8
    assert rows[nhs].count == 1 and fig(rows[nhs], "first_contact_24h") == (1, 1, 100.0)  # C1
    assert rows[staff].count == 1 and fig(rows[staff], "first_contact_24h") == (1, 1, 100.0)  # X4
    public = rows["public-professional"]
    assert public.count == 10
    assert fig(public, "became_enquiry") == (6, 10, 60.0)  # C2, C4, C5 (other), C6, C9, C12
    assert fig(public, "conversion_rate") == (5, 10, 50.0)
    assert fig(public, "first_contact_24h") == (3, 10, 30.0)  # C2 (24 hours exactly), C5, N1
    assert fig(rows["public-public"], "asked_three_questions") == (0, 1, 0.0)  # X3: one answer only
    # Hillside's concern (X5) is Hillside's, and nothing of Hillside's shows for Riverside.
    assert sum(r.count for r in figures.raising) == 20


def test_one_definition_with_the_dashboard(world):
    """The raising rows add up to the dashboard's 24-hour and conversion measures, and the making
    rows to its outcome and feedback measures, and each making row is the partner breakdown's."""
    filters = m.Filters(PERIOD, world.council)
    figures = pf.council_partner_figures(filters)
    totals = {row["id"]: row for row in m.measure_totals(filters)}
    for measure_id in ("first_contact_24h", "conversion_rate"):
        found = [fig(r, measure_id) for r in figures.raising]
        assert sum(f[0] for f in found) == totals[measure_id]["numerator"]
        assert sum(f[1] for f in found) == totals[measure_id]["denominator"]
    breakdown = m.breakdown(filters, "partner")
    for measure in pf.MAKING:
        found = [fig(r, measure.id) for r in figures.making]
        assert sum(f[0] for f in found) == totals[measure.id]["numerator"], measure.id
        assert sum(f[1] for f in found) == totals[measure.id]["denominator"], measure.id
        shown = {(r.agency, *fig(r, measure.id)) for r in figures.making if fig(r, measure.id)[1]}
        assert shown == {
            (v["value"], v["numerator"], v["denominator"], v["percent"])
            for v in breakdown.get(measure.id, [])
        }, measure.id


def test_making_agencies_for_the_council(world):
    figures = pf.council_partner_figures(m.Filters(PERIOD, world.council))
    assert [r.agency for r in figures.making] == ["Riverside NHS Trust", "Riverside Police", OWN]
    rows = {r.agency: r for r in figures.making}
    assert [rows[a].count for a in rows] == [2, 1, 4]  # E1, E6; E3; E2, E4, E5, E7
    assert fig(rows[OWN], "asked_about_outcomes") == (3, 4, 75.0)
    assert fig(rows["Riverside Police"], "not_achieved") == (1, 1, 100.0)
    assert fig(rows["Riverside NHS Trust"], "risk_reduced_or_removed") == (2, 2, 100.0)
    # Feedback by when it was asked: F5 (about E8, concluded before the period) is the council's own.
    assert fig(rows[OWN], "felt_listened_to") == (1, 2, 50.0)
    assert "Not recorded" not in {r.agency for r in figures.making}


def test_an_agency_with_only_feedback_in_the_period_has_a_row(world, django_assert_num_queries):
    """Feedback counts by when it was asked: an agency whose enquiry concluded before the period
    still has a row for the feedback asked in it (its name looked up in one more query)."""
    world.e8.making_organisation = world.police
    world.e8.save(update_fields=["making_organisation"])
    healthwatch = Organisation.objects.create(name="Riverside Advocacy", kind="advocacy")
    world.e8.making_organisation = healthwatch
    world.e8.save(update_fields=["making_organisation"])
    with django_assert_num_queries(4):
        figures = pf.council_partner_figures(m.Filters(PERIOD, world.council))
    row = next(r for r in figures.making if r.agency == "Riverside Advocacy")
    assert row.count == 0 and row.kind == "Advocacy service"
    assert fig(row, "felt_listened_to") == (1, 1, 100.0)  # F5, asked 10 April 2025


def test_fixed_number_of_queries(world, django_assert_num_queries):
    with django_assert_num_queries(3):
        pf.council_partner_figures(m.Filters(PERIOD, world.council))
    with django_assert_num_queries(4):
        pf.agency_figures(world.police, PERIOD)


def test_an_agencys_own_figures_for_each_council(world):
    councils = pf.agency_figures(world.police, PERIOD)
    assert [c.council for c in councils] == [world.other_council, world.council]
    hillside, riverside = councils
    assert [r.count for r in hillside.raising] == [1] and hillside.making == []  # X5
    assert [r.count for r in riverside.raising] == [7]
    council_view = by_key(pf.council_partner_figures(m.Filters(PERIOD, world.council)).raising)
    assert riverside.raising[0].figures == council_view[f"organisation-{world.police.pk}"].figures
    assert [r.count for r in riverside.making] == [1]  # E3
    # An agency linked to a council it raised nothing with still sees that council, empty.
    world.nhs.councils.add(world.other_council)
    councils = pf.agency_figures(world.nhs, PERIOD)
    assert [(c.council, len(c.raising), len(c.making)) for c in councils] == [
        (world.other_council, 0, 0),
        (world.council, 1, 1),
    ]


def test_definitions_of_asked_and_consent(world):
    """Each way of answering the consent and MSP questions, counted as docs/partner-figures.md says."""
    b = Builder(world.council, world.cast.lead)
    cases = [
        (dict(consent="given"), True),
        (dict(consent="not_given", consent_not_given_reason="Others at risk"), True),
        (dict(consent="not_given", consent_not_given_reason=""), False),
        (dict(consent="not_sought", consent_not_sought_reason="lacks_capacity"), True),
        (dict(consent="not_sought", consent_not_sought_reason=""), False),
        (dict(consent=""), False),
    ]
    agency = Organisation.objects.create(name="Riverside Ambulance", kind="ambulance")
    for fields, _ in cases:
        _extra(b, world, at(2025, 12, 20), agency, **fields)
    three = [
        (dict(wants_to_happen="a", how_to_happen="b", outcomes_wanted="c"), True),
        (dict(wants_to_happen="a", how_to_happen="", outcomes_wanted="c"), False),
        (dict(msp_asked=False, wants_to_happen="a", how_to_happen="b", outcomes_wanted="c"), False),
    ]
    for fields, _ in three:
        _extra(b, world, at(2025, 12, 21), agency, **fields)
    row = by_key(pf.council_partner_figures(m.Filters(PERIOD, world.council)).raising)[
        f"organisation-{agency.pk}"
    ]
    assert row.kind == "Ambulance service"
    expected_consent = sum(ok for _, ok in cases) + len(three)  # the three below consented
    assert fig(row, "consent_recorded")[:2] == (expected_consent, len(cases) + len(three))
    assert fig(row, "asked_three_questions")[0] == sum(ok for _, ok in three)
    assert fig(row, "asked_what_they_want")[0] == len(cases) + 2


# --- Disclosure control for the partner lead ---------------------------------------------------------


@given(numerator=st.integers(0, 60), extra=st.integers(0, 60))
def test_published_figures_follow_the_benchmark_rule(numerator, extra):
    denominator = numerator + extra
    figure = {"id": "x", "numerator": numerator, "denominator": denominator}
    row = pf.AgencyRow(
        "k", "Agency", "", denominator, [{**figure, "percent": m.percent(numerator, denominator)}]
    )
    shown = published(pf.PartnerFigures(None, PERIOD, [row], [row]))
    for r in (*shown.raising, *shown.making):
        f = r.figures[0]
        for count, exact in (
            (r.count, denominator),
            (f["numerator"], numerator),
            (f["denominator"], denominator),
        ):
            if exact <= 4:
                assert count == "[c]"
            else:
                assert count % 5 == 0 and abs(count - exact) <= 2
        small = numerator <= 4 or denominator <= 4
        assert f["percent"] == ("[c]" if small else m.percent(numerator, denominator))


# --- The council's page ----------------------------------------------------------------------------


def signed_in(client, user):
    client.force_login(user)
    return client


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.parametrize("role", ["practitioner", "manager", "lead", "board_viewer"])
def test_council_page(client, world, role):
    user = getattr(world.cast, role)
    text = page(signed_in(client, user).get(COUNCIL_PAGE, LAST_YEAR))
    assert "Figures by partner agency" in text and "1 April 2025 to 31 March 2026" in text
    for label in ("Riverside Police", "Riverside Council (council staff)", "Members of the public", OWN):
        assert label.replace("'", "&#x27;") in text, label
    assert "85.7% (6/7)" in text  # the police's concerns where the adult was asked what they want
    assert "Not recorded" not in text and "Hillside" not in text
    assert response_has_no_records(text, world)


def response_has_no_records(text: str, world) -> bool:
    """Aggregates only: no reference and no person's name."""
    return world.x1.reference not in text and "Measureson" not in text and world.e1.reference not in text


def test_council_page_queries(client, world, django_assert_max_num_queries):
    client = signed_in(client, world.cast.lead)
    client.get(COUNCIL_PAGE, LAST_YEAR)  # the session and the user once
    # The session, the user, the figures' three queries, and the unread notifications in the header.
    with django_assert_max_num_queries(6):
        page(client.get(COUNCIL_PAGE, LAST_YEAR))


def test_the_council_page_is_the_councils_own(client, world):
    text = page(signed_in(client, world.cast.other_council_user).get(COUNCIL_PAGE, LAST_YEAR))
    assert "Hillside Council" in text and "Riverside Police" in text  # X5 raised with Hillside
    assert "Riverside Council (council staff)" not in text and "Riverside NHS Trust" not in text


@pytest.mark.parametrize("persona", ["partner_referrer", "plead", "nhs_lead"])
def test_council_page_is_not_for_partners(client, world, persona):
    user = getattr(world.cast, persona, None) or getattr(world, persona)
    client = signed_in(client, user)
    assert client.get(COUNCIL_PAGE).status_code == 404
    assert client.get(COUNCIL_CSV).status_code == 404


@pytest.mark.parametrize("query", [{"period": "next_year"}, {"period": "<script>"}, {"period": ["a", "b"]}])
def test_council_page_with_a_bad_period(client, world, query):
    client = signed_in(client, world.cast.lead)
    text = page(client.get(COUNCIL_PAGE, query))
    assert "govuk-error-message" in text and "1 April 2026 to 15 April 2026" in text
    assert client.get(COUNCIL_CSV, query).status_code == 200


def test_council_csv(client, world):
    response = signed_in(client, world.cast.board_viewer).get(COUNCIL_CSV, LAST_YEAR)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="partner-figures-E06000901.csv"'
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    police = {r["figure"]: r for r in rows if r["agency"] == "Riverside Police" and r["section"] == "raising"}
    assert police["concerns_raised"]["number"] == "7"
    assert (police["asked_what_they_want"]["number"], police["asked_what_they_want"]["out_of"]) == ("6", "7")
    assert police["asked_what_they_want"]["percent"] == "85.7"
    own = {r["figure"]: r for r in rows if r["agency"] == OWN}
    assert own["enquiries_concluded"]["number"] == "4" and own["asked_about_outcomes"]["number"] == "3"
    assert {r["council"] for r in rows} == {"Riverside Council"}


def test_council_pages_refuse_post(client, world):
    client = signed_in(client, world.cast.lead)
    for url in (COUNCIL_PAGE, COUNCIL_CSV, LEAD_PAGE, LEAD_CSV):
        assert client.post(url).status_code == 405


# --- The partner lead's page -----------------------------------------------------------------------


def test_partner_lead_page(client, world):
    text = page(signed_in(client, world.plead).get(LEAD_PAGE, LAST_YEAR))
    assert "Your agency" in text and "Riverside Police" in text
    riverside = text[text.index(">Riverside Council</h2>") :]
    hillside = text[text.index(">Hillside Council</h2>") : text.index(">Riverside Council</h2>")]
    # Seven concerns with Riverside: shown as 5; six of seven asked, 85.7% from the exact counts.
    assert "Concerns raised: 5" in riverside and "85.7%" in riverside
    assert "Concerns raised: [c]" in hillside  # one concern
    # One enquiry concluded: every count of it suppressed.
    assert "Enquiries concluded: [c]" in riverside
    # Never the exact small numbers, nor another agency's or the council's own figures.
    assert ">7<" not in riverside and ">6<" not in riverside
    assert "Riverside NHS Trust" not in text and "council staff" not in text and OWN not in text
    assert response_has_no_records(text, world)


def test_partner_lead_page_queries(client, world, django_assert_max_num_queries):
    client = signed_in(client, world.plead)
    client.get(LEAD_PAGE, LAST_YEAR)
    # As the council's page, with the agency's councils.
    with django_assert_max_num_queries(7):
        page(client.get(LEAD_PAGE, LAST_YEAR))


def test_another_agencys_lead_sees_only_their_own(client, world):
    text = page(signed_in(client, world.nhs_lead).get(LEAD_PAGE, LAST_YEAR))
    assert "Riverside NHS Trust" in text and "Riverside Police" not in text
    assert "Hillside Council" not in text  # the trust raised nothing there and is not linked to it


@pytest.mark.parametrize("role", ["lead", "board_viewer", "practitioner", "partner_referrer"])
def test_partner_lead_page_is_for_partner_leads_only(client, world, role):
    client = signed_in(client, getattr(world.cast, role))
    assert client.get(LEAD_PAGE).status_code == 404
    assert client.get(LEAD_CSV).status_code == 404


def test_partner_lead_page_with_a_bad_period(client, world):
    text = page(signed_in(client, world.plead).get(LEAD_PAGE, {"period": "forever"}))
    assert "govuk-error-message" in text


def test_partner_lead_csv(client, world):
    response = signed_in(client, world.plead).get(LEAD_CSV, LAST_YEAR)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["council"] for r in rows} == {"Riverside Council", "Hillside Council"}
    assert {r["agency"] for r in rows} == {"Riverside Police"}
    riverside = {
        r["figure"]: r for r in rows if r["council"] == "Riverside Council" and r["section"] == "raising"
    }
    assert riverside["concerns_raised"]["number"] == "5"
    assert riverside["asked_three_questions"]["number"] == "[c]"
    assert riverside["asked_three_questions"]["percent"] == "[c]"
    assert riverside["consent_recorded"]["percent"] == "85.7"


def test_anonymous_is_sent_to_sign_in(client, world):
    for url in (COUNCIL_PAGE, LEAD_PAGE, COUNCIL_CSV, LEAD_CSV):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
