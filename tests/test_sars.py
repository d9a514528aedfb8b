"""The register of Safeguarding Adults Reviews (msphub/sars) and the return's SG5a and SG5b.

SG5 is counted from hand-built reviews, with the counting worked out beside them; the pages are
tried as the lead, a Board viewer (who never sees personal details), a practitioner and another
council's lead (404), with invalid input."""

import json
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from bench.baseline import DIALECTS, baseline_return
from msphub.concerns.models import Concern
from msphub.core.models import AccessLog
from msphub.core.periods import FinancialYear
from msphub.measures.exports import return_csv, return_json, return_xlsx
from msphub.measures.sac import build_return
from msphub.sars import services
from msphub.sars.models import ReviewAdult, ReviewRecommendation, SafeguardingAdultsReview
from tests.conftest import Cast, new_concern, new_person, per_test

Review = SafeguardingAdultsReview
D = Review.Decision
S = Review.Status
YEAR = FinancialYear.parse("2024-25")  # 1 April 2024 to 31 March 2025
NHS_NUMBER = "9434765919"
PERSON_NAME = "Ottoline Fairweather"
SUMMARY = "Ottoline was found at home after weeks without care visits"

SG5A = services.SG5A_ROW
SG5B = services.SG5B_ROW


@dataclass
class AdultSpec:
    died: bool
    serious_harm: bool = True


def make_review(
    council,
    lead,
    *,
    decision: str = D.MANDATORY,
    concluded_on: date | None = None,
    adults: tuple[AdultSpec, ...] = (),
    published_on: date | None = None,
    referred_on: date | None = None,
) -> SafeguardingAdultsReview:
    """A review as the lead records it: referral, decision, then (if concluded) its dates."""
    referred_on = referred_on or (concluded_on or date(2024, 6, 1)) - timedelta(days=200)
    review = services.new_review(council, lead, referred_on=referred_on, referred_by="Riverside Police")
    services.record_decision(
        review, lead, decision=decision, decision_on=referred_on + timedelta(days=14), reasons="Criteria met"
    )
    for i, spec in enumerate(adults):
        services.save_adult(
            review, lead, pseudonym=f"Adult {'ABCDEFGH'[i]}", died=spec.died,
            serious_harm=spec.serious_harm, age_band="65-74",
        )  # fmt: skip
    if concluded_on is not None:
        services.update_progress(
            review,
            lead,
            status=S.PUBLISHED if published_on else S.CONCLUDED,
            started_on=referred_on + timedelta(days=30),
            concluded_on=concluded_on,
            published_on=published_on,
        )
    review.refresh_from_db()
    return review


def tables_of(council, year: FinancialYear = YEAR) -> dict:
    return build_return(year, council)["tables"]


def sg5_cells(tables: dict) -> dict:
    return {
        t: {(c["row"], c["column"]): c["count"] for c in tables[t]} for t in ("SG5a", "SG5b") if t in tables
    }


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    """Riverside's reviews around 2024-25, one of Hillside's, and a person to link.

    Riverside, 2024-25 (reviews the Board decided to hold, concluded from 1 April 2024 to 31 March 2025):
      A  mandatory, concluded 10 June 2024: Adult A died, Adult B survived serious harm
      B  discretionary, concluded 31 March 2025 (the year's last day): one adult survived serious harm
      C  mandatory, published (concluded 1 April 2024, the first day): one adult died
      H  discretionary, concluded in the year: one adult neither died nor suffered serious harm
    and, left out of 2024-25:
      D  not progressed (decided in the year): no review, so not counted
      E  mandatory, still in progress: not concluded
      F  mandatory, concluded 1 April 2025: 2025-26's
      G  discretionary, concluded 31 March 2024, no adults recorded: 2023-24's
    SG5a 2024-25: one or more died = A, C = 2; none died = B, H = 2 (A counts once, though two adults).
    SG5b 2024-25: died = A's Adult A, C's = 2; survived serious harm = A's Adult B, B's = 2 (H's adult
      suffered no serious harm, so is in neither column).
    Hillside: one mandatory review concluded in 2024-25 whose adult died: only in the all-councils return.
    """
    with django_db_blocker.unblock():
        cast = Cast()
        council, lead = cast.council, cast.lead
        w = SimpleNamespace(cast=cast)
        w.a = make_review(
            council, lead, concluded_on=date(2024, 6, 10), adults=(AdultSpec(True), AdultSpec(False))
        )
        w.b = make_review(
            council,
            lead,
            decision=D.DISCRETIONARY,
            concluded_on=date(2025, 3, 31),
            adults=(AdultSpec(False),),
        )
        w.c = make_review(
            council,
            lead,
            concluded_on=date(2024, 4, 1),
            published_on=date(2024, 5, 1),
            adults=(AdultSpec(True),),
        )
        w.h = make_review(
            council, lead, decision=D.DISCRETIONARY, concluded_on=date(2024, 9, 1),
            adults=(AdultSpec(False, serious_harm=False),),
        )  # fmt: skip
        w.d = make_review(
            council, lead, decision=D.NOT_PROGRESSED, referred_on=date(2024, 5, 1), adults=(AdultSpec(True),)
        )
        w.e = make_review(council, lead, referred_on=date(2024, 7, 1), adults=(AdultSpec(True),))
        w.f = make_review(council, lead, concluded_on=date(2025, 4, 1), adults=(AdultSpec(True),))
        w.g = make_review(council, lead, decision=D.DISCRETIONARY, concluded_on=date(2024, 3, 31))
        hillside_lead = cast.other_council_user
        w.hillside = make_review(
            cast.other_council, hillside_lead, concluded_on=date(2024, 8, 1), adults=(AdultSpec(True),)
        )
        # A person of Riverside, linked to A's Adult A; one of Hillside's with another NHS number.
        w.person = new_person(
            council, given_name="Ottoline", family_name="Fairweather", nhs_number=NHS_NUMBER
        )
        w.concern = new_concern(council, adult_given_name="Ottoline", adult_family_name="Fairweather")
        w.hillside_person = new_person(cast.other_council, nhs_number="4010232137")
        w.adult_a = w.a.adults.get(pseudonym="Adult A")
        services.link_person(w.adult_a, lead, w.person)
        ReviewAdult.objects.filter(pk=w.adult_a.pk).update(date_of_death=date(2023, 11, 4))
        Review.objects.filter(pk=w.a.pk).update(referral_summary=SUMMARY)
        w.recommendation = services.add_recommendation(
            w.a, lead, text="Share care visit gaps with the GP", owner=cast.police, due_on=date(2025, 1, 31)
        )
        for name in ("practitioner", "board_viewer", "nhs_trust"):
            getattr(cast, name)
        return w


@pytest.fixture
def world(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


# --- SG5 ---------------------------------------------------------------------------------------------


def test_sg5_counts_the_reviews_concluded_in_the_year(world):
    assert sg5_cells(tables_of(world.cast.council)) == {
        "SG5a": {(SG5A, services.SG5A_DIED): 2, (SG5A, services.SG5A_NONE_DIED): 2},
        "SG5b": {(SG5B, services.SG5B_DIED): 2, (SG5B, services.SG5B_SURVIVED): 2},
    }


def test_sg5_of_every_council_adds_hillside(world):
    assert sg5_cells(tables_of(None)) == {
        "SG5a": {(SG5A, services.SG5A_DIED): 3, (SG5A, services.SG5A_NONE_DIED): 2},
        "SG5b": {(SG5B, services.SG5B_DIED): 3, (SG5B, services.SG5B_SURVIVED): 2},
    }


def test_other_years(world):
    council = world.cast.council
    # 2025-26: F alone (one adult, died).
    assert sg5_cells(tables_of(council, FinancialYear.parse("2025-26"))) == {
        "SG5a": {(SG5A, services.SG5A_DIED): 1},
        "SG5b": {(SG5B, services.SG5B_DIED): 1},
    }
    # 2023-24: G alone, with no adults recorded: SG5a counts it, SG5b is there and empty.
    assert sg5_cells(tables_of(council, FinancialYear.parse("2023-24"))) == {
        "SG5a": {(SG5A, services.SG5A_NONE_DIED): 1},
        "SG5b": {},
    }


def test_a_year_without_reviews_has_no_sg5(world):
    data = build_return(FinancialYear.parse("2022-23"), world.cast.council)
    assert "SG5a" not in data["tables"] and "SG5b" not in data["tables"]
    assert "SG5" not in return_json(data)
    assert "SG5" not in load_workbook(BytesIO(return_xlsx(data))).sheetnames


def test_json_csv_and_workbook_carry_sg5(world):
    data = build_return(YEAR, world.cast.council)
    shown = json.loads(return_json(data))
    assert list(shown["tables"])[-2:] == ["SG5a", "SG5b"]
    assert shown["tables"]["SG5a"] == [
        {"row": SG5A, "column": services.SG5A_DIED, "count": 2},
        {"row": SG5A, "column": services.SG5A_NONE_DIED, "count": 2},
    ]
    lines = return_csv(data).splitlines()
    assert f"2024-25,E06000901,SG5b,{SG5B},{services.SG5B_SURVIVED},2" in lines
    book = load_workbook(BytesIO(return_xlsx(data)))
    sheet = book["SG5"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["SG5a - Safeguarding Adults Reviews concluded in the year"] == [
        v[0] for v in values if v[0] and str(v[0]).startswith("SG5a")
    ]
    assert [SG5A, 2, 2] in [v[:3] for v in values]
    assert [None, services.SG5B_DIED, services.SG5B_SURVIVED] in [v[:3] for v in values]


@pytest.mark.skipif(connection.vendor not in DIALECTS, reason="no baseline SQL for this database")
def test_the_baseline_gives_the_same_sg5(world):
    for council in (None, world.cast.council, world.cast.other_council):
        for label in ("2022-23", "2023-24", "2024-25", "2025-26"):
            year = FinancialYear.parse(label)
            assert baseline_return(year, council.pk if council else None) == tables_of(council, year)


def test_sign_off_snapshot_keeps_sg5(world):
    from msphub.measures.models import ReturnSignOff
    from msphub.measures.validation import with_validation

    council = world.cast.council
    data = with_validation(build_return(YEAR, council), YEAR, council)
    sign_off = ReturnSignOff.objects.sign_off(council, YEAR, world.cast.lead, "Head of safeguarding", data)
    assert sign_off.cells["tables"]["SG5a"] == data["tables"]["SG5a"]
    # A review concluded since shows as a changed cell.
    make_review(council, world.cast.lead, concluded_on=date(2024, 12, 1))
    changed = sign_off.differences(build_return(YEAR, council))
    assert {(d["table"], d["column"], d["signed_off"], d["now"]) for d in changed} == {
        ("SG5a", services.SG5A_NONE_DIED, 2, 3)
    }


def test_sg5_is_counted_in_two_queries(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        services.sg5(world.cast.council, YEAR)
    with django_assert_max_num_queries(1):
        assert services.sg5(world.cast.council, FinancialYear.parse("2021-22")) == {}


review_specs = st.lists(
    st.tuples(
        st.sampled_from([D.MANDATORY, D.DISCRETIONARY, D.NOT_PROGRESSED]),
        st.sampled_from(
            [
                None,
                date(2024, 3, 31),
                date(2024, 4, 1),
                date(2024, 10, 1),
                date(2025, 3, 31),
                date(2025, 4, 1),
            ]
        ),
        st.lists(st.tuples(st.booleans(), st.booleans()), max_size=3),
    ),
    max_size=5,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=review_specs)
def test_sg5_agrees_with_a_plain_count(world, specs):
    """Any set of reviews: SG5 is what counting them one by one gives, and the baseline agrees."""
    council, lead = world.cast.other_council, world.cast.other_council_user
    with transaction.atomic():
        Review.objects.filter(council=council).delete()
        died = none_died = adults_died = adults_survived = 0
        for decision, concluded_on, adults in specs:
            concluded = None if decision == D.NOT_PROGRESSED else concluded_on
            make_review(
                council, lead, decision=decision, concluded_on=concluded, referred_on=date(2023, 6, 1),
                adults=tuple(AdultSpec(d, h) for d, h in adults),
            )  # fmt: skip
            if concluded and YEAR.contains(concluded):
                if any(d for d, _ in adults):
                    died += 1
                else:
                    none_died += 1
                adults_died += sum(1 for d, _ in adults if d)
                adults_survived += sum(1 for d, h in adults if not d and h)
        expected = {}
        if died + none_died:
            cells_a = {services.SG5A_DIED: died, services.SG5A_NONE_DIED: none_died}
            cells_b = {services.SG5B_DIED: adults_died, services.SG5B_SURVIVED: adults_survived}
            expected = {
                "SG5a": {(SG5A, k): v for k, v in cells_a.items() if v},
                "SG5b": {(SG5B, k): v for k, v in cells_b.items() if v},
            }
        tables = tables_of(council)
        assert sg5_cells(tables) == expected
        if connection.vendor in DIALECTS:
            assert baseline_return(YEAR, council.pk) == tables
        transaction.set_rollback(True)


# --- the rules ---------------------------------------------------------------------------------------


def test_references_are_numbered_per_council_and_year(world):
    cast = world.cast
    first = services.new_review(cast.council, cast.lead, referred_on=date(2021, 5, 1), referred_by="GP")
    second = services.new_review(cast.council, cast.lead, referred_on=date(2021, 9, 1), referred_by="GP")
    hillside = services.new_review(cast.other_council, cast.other_council_user, referred_on=date(2021, 5, 1))
    assert (first.reference, second.reference, hillside.reference) == (
        "SAR-2021-001",
        "SAR-2021-002",
        "SAR-2021-001",
    )


def test_a_decision_needs_reasons_and_is_made_once(world):
    cast = world.cast
    review = services.new_review(cast.council, cast.lead, referred_on=date(2024, 1, 1))
    with pytest.raises(ValidationError) as refused:
        services.record_decision(
            review, cast.lead, decision=D.MANDATORY, decision_on=date(2024, 2, 1), reasons=" "
        )
    assert "decision_reasons" in refused.value.message_dict
    services.record_decision(
        review, cast.lead, decision=D.NOT_PROGRESSED, decision_on=date(2024, 2, 1), reasons="No"
    )
    assert review.status == S.CLOSED
    from msphub.core.states import StateChanged

    with pytest.raises(StateChanged):
        services.record_decision(
            review, cast.lead, decision=D.MANDATORY, decision_on=date(2024, 2, 1), reasons="Yes"
        )


def test_concluded_before_started_is_refused(world):
    problems = services.check_progress(world.e, S.CONCLUDED, date(2024, 9, 1), date(2024, 8, 1), None)
    assert problems == {
        "concluded_on": "The date the review concluded must be on or after the date it started"
    }
    assert "concluded_on" in services.check_progress(world.e, S.CONCLUDED, date(2024, 9, 1), None, None)
    assert "status" in services.check_progress(world.d, S.IN_PROGRESS, None, None, None)


def test_recommendations_need_an_owner_of_the_council_and_a_due_date(world):
    cast = world.cast
    with pytest.raises(ValidationError) as refused:
        services.add_recommendation(world.a, cast.lead, text="Train staff", owner=None, due_on=None)
    assert set(refused.value.message_dict) == {"owner", "due_on"}
    hillside_org = cast.other_council
    with pytest.raises(ValidationError):
        services.add_recommendation(
            world.a, cast.lead, text="Train staff", owner=hillside_org, due_on=date(2025, 1, 1)
        )
    second = services.add_recommendation(
        world.a, cast.lead, text="Train staff", owner=cast.council, due_on=date(2030, 1, 1)
    )
    assert second.number == 2


def test_overdue_recommendations(world):
    cast = world.cast
    rec = ReviewRecommendation.objects.get(pk=world.recommendation.pk)
    assert list(ReviewRecommendation.objects.overdue(date(2025, 2, 1))) == [rec]
    assert not ReviewRecommendation.objects.overdue(date(2025, 1, 31)).exists()
    services.update_recommendation(
        rec, cast.lead, text=rec.text, owner=rec.owner, due_on=rec.due_on,
        status=ReviewRecommendation.Status.COMPLETED, evidence="GP alerts in place",
        completed_on=date(2025, 1, 20),
    )  # fmt: skip
    assert not ReviewRecommendation.objects.overdue(date(2025, 2, 1)).exists()
    with pytest.raises(ValidationError) as refused:
        services.update_recommendation(
            rec, cast.lead, text=rec.text, owner=rec.owner, due_on=rec.due_on,
            status=ReviewRecommendation.Status.NOT_ACCEPTED,
        )  # fmt: skip
    assert "not_accepted_reason" in refused.value.message_dict


def test_history_is_kept(world):
    review = Review.objects.get(pk=world.a.pk)
    # Referral, decision, progress: three versions at least.
    assert review.history.count() >= 3
    assert [h.decision for h in review.history.order_by("history_date")][:2] == [D.PENDING, D.MANDATORY]
    assert world.adult_a.history.filter(person=world.person).exists()
    assert ReviewRecommendation.history.filter(uuid=world.recommendation.uuid).exists()


def test_who_sees_personal_details(world):
    cast = world.cast
    review = world.a
    assert review.with_personal_details(cast.lead)
    assert not review.with_personal_details(cast.board_viewer)
    assert not review.with_personal_details(cast.other_council_user)
    assert Review.objects.for_user(cast.board_viewer).filter(pk=review.pk).exists()
    assert not Review.objects.for_user(cast.board_viewer, "edit").exists()
    assert not Review.objects.for_user(cast.practitioner).exists()
    assert not Review.objects.for_user(cast.other_council_user).filter(council=cast.council).exists()


# --- pages -------------------------------------------------------------------------------------------


def detail_url(review) -> str:
    return reverse("sars:detail", args=[review.reference])


def test_register_for_the_lead_and_the_board(world, client, django_assert_max_num_queries):
    for user in (world.cast.lead, world.cast.board_viewer):
        client.force_login(user)
        with django_assert_max_num_queries(12):
            page = client.get(reverse("sars:register"))
        assert page.status_code == 200
        text = page.content.decode()
        # Riverside's alone (Hillside numbers its own, so its references can be the same).
        assert world.a.reference in text
        riverside = Review.objects.filter(council=world.cast.council).count()
        assert text.count('<a class="govuk-link" href="/safeguarding-adults-reviews/SAR-') == riverside
        assert PERSON_NAME not in text and SUMMARY not in text
    page = client.get(
        reverse("sars:register"), {"status": S.CLOSED, "decision": "nonsense", "year": "2024-99"}
    )
    assert page.status_code == 200
    page = client.get(reverse("sars:register"), {"status": S.CLOSED})
    text = page.content.decode()
    assert world.d.reference in text and world.a.reference not in text
    page = client.get(reverse("sars:register"), {"year": "2025-26"})
    text = page.content.decode()
    assert world.f.reference in text and world.c.reference not in text


def test_register_is_closed_to_others(world, client):
    for user in (world.cast.practitioner,):
        client.force_login(user)
        assert client.get(reverse("sars:register")).status_code == 404
    client.force_login(world.cast.other_council_user)
    assert world.a.reference not in client.get(reverse("sars:register")).content.decode()
    assert client.get(detail_url(world.a)).status_code == 404
    assert client.get(reverse("sars:decision", args=[world.a.reference])).status_code == 404


def test_the_board_sees_no_personal_details(world, client):
    client.force_login(world.cast.board_viewer)
    page = client.get(detail_url(world.a))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Adult A" in text and "Share care visit gaps with the GP" in text
    for personal in (PERSON_NAME, "Fairweather", NHS_NUMBER, "943 476 5919", SUMMARY, "4 November 2023"):
        assert personal not in text
    assert str(world.person.uuid) not in text
    assert not AccessLog.objects.filter(record_id=world.person.uuid).exists()
    # The Board changes nothing.
    assert client.get(reverse("sars:findings", args=[world.a.reference])).status_code == 404
    assert (
        client.get(reverse("sars:link_person", args=[world.a.reference, world.adult_a.uuid])).status_code
        == 404
    )


def test_the_leads_view_shows_and_logs_the_person(world, client):
    client.force_login(world.cast.lead)
    page = client.get(detail_url(world.a))
    text = page.content.decode()
    assert PERSON_NAME in text and SUMMARY in text and "4 November 2023" in text
    assert AccessLog.objects.filter(record_id=world.person.uuid, user=world.cast.lead).count() == 1
    assert AccessLog.objects.filter(record_id=world.a.uuid).count() == 1


def test_the_lead_records_a_referral(world, client):
    client.force_login(world.cast.lead)
    url = reverse("sars:new")
    assert client.get(url).status_code == 200
    page = client.post(url, {"referred_on_day": "3", "referred_on_month": "2", "referred_on_year": "2026"})
    assert page.status_code == 200
    assert "Select the organisation that referred it, or enter who did" in page.content.decode()
    page = client.post(
        url,
        {
            "referred_on_day": "3",
            "referred_on_month": "2",
            "referred_on_year": "2026",
            "referring_organisation": world.cast.police.pk,
        },
    )
    review = Review.objects.get(council=world.cast.council, referred_on=date(2026, 2, 3))
    assert page.status_code == 302 and page["Location"] == detail_url(review)
    assert review.reference.startswith("SAR-2026-")
    # Another council's organisation is not offered.
    page = client.post(
        url,
        {
            "referred_on_day": "3",
            "referred_on_month": "2",
            "referred_on_year": "2026",
            "referring_organisation": world.cast.other_council.pk,
        },
    )
    assert page.status_code == 200 and "govuk-error-summary" in page.content.decode()


def test_the_practitioner_gets_404_everywhere(world, client):
    client.force_login(world.cast.practitioner)
    assert client.get(reverse("sars:register")).status_code == 404
    assert client.post(reverse("sars:register")).status_code == 405  # GET-only pages
    assert client.get(detail_url(world.a)).status_code == 404
    for url in (
        reverse("sars:new"),
        reverse("sars:progress", args=[world.a.reference]),
        reverse("sars:recommendation_new", args=[world.a.reference]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url


def test_decision_form(world, client):
    client.force_login(world.cast.lead)
    review = services.new_review(
        world.cast.council, world.cast.lead, referred_on=date(2025, 5, 1), referred_by="GP"
    )
    url = reverse("sars:decision", args=[review.reference])
    page = client.post(
        url,
        {
            "decision": D.MANDATORY,
            "decision_on_day": "1",
            "decision_on_month": "6",
            "decision_on_year": "2025",
        },
    )
    assert page.status_code == 200
    assert "Enter the reasons for the decision" in page.content.decode()
    page = client.post(
        url,
        {
            "decision": D.MANDATORY,
            "decision_on_day": "1",
            "decision_on_month": "4",
            "decision_on_year": "2025",
            "decision_reasons": "x",
        },
    )
    assert "on or after the date it was referred" in page.content.decode()
    page = client.post(
        url,
        {
            "decision": D.MANDATORY,
            "decision_on_day": "1",
            "decision_on_month": "6",
            "decision_on_year": "2025",
            "decision_reasons": "Died of neglect",
        },
    )
    assert page.status_code == 302
    review.refresh_from_db()
    assert (review.decision, review.status) == (D.MANDATORY, S.IN_PROGRESS)
    # Decided: the form is gone.
    assert client.get(url).status_code == 404


def test_progress_form_refuses_concluded_before_started(world, client):
    client.force_login(world.cast.lead)
    url = reverse("sars:progress", args=[world.e.reference])
    assert client.get(url).status_code == 200
    page = client.post(
        url,
        {
            "status": S.CONCLUDED,
            "started_on_day": "1", "started_on_month": "10", "started_on_year": "2025",
            "concluded_on_day": "1", "concluded_on_month": "9", "concluded_on_year": "2025",
        },
    )  # fmt: skip
    assert page.status_code == 200
    assert "must be on or after the date it started" in page.content.decode()
    page = client.post(
        url,
        {"status": S.CONCLUDED, "started_on_day": "99", "started_on_month": "x", "started_on_year": "2025"},
    )
    assert page.status_code == 200 and "govuk-error-summary" in page.content.decode()
    # A referral not progressed has no review to update.
    assert client.get(reverse("sars:progress", args=[world.d.reference])).status_code == 404


def test_recommendation_forms(world, client):
    client.force_login(world.cast.lead)
    url = reverse("sars:recommendation_new", args=[world.a.reference])
    page = client.post(url, {"text": "Audit discharge letters"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Select the organisation that owns the recommendation" in text and "Enter the due date" in text
    page = client.post(
        url,
        {
            "text": "Audit discharge letters",
            "owner": world.cast.nhs_trust.pk,
            "due_on_day": "1",
            "due_on_month": "1",
            "due_on_year": "2027",
        },
    )
    assert page.status_code == 302
    added = ReviewRecommendation.objects.get(review=world.a, number=2)
    edit = reverse("sars:recommendation", args=[world.a.reference, added.uuid])
    assert client.get(edit).status_code == 200
    page = client.post(
        edit,
        {
            "text": added.text,
            "owner": added.owner_id,
            "due_on_day": "1",
            "due_on_month": "1",
            "due_on_year": "2027",
            "status": "completed",
        },
    )
    text = page.content.decode()
    assert "Enter the evidence that it was completed" in text and "Enter the date it was completed" in text


def test_findings_form(world, client):
    client.force_login(world.cast.lead)
    url = reverse("sars:findings", args=[world.b.reference])
    page = client.post(url, {"themes": ["self_neglect", "made_up"], "family_involvement": "declined"})
    assert page.status_code == 200 and "govuk-error-summary" in page.content.decode()
    page = client.post(
        url,
        {
            "themes": ["self_neglect", "hospital_discharge"],
            "family_involvement": "declined",
            "findings": "Gaps",
        },
    )
    assert page.status_code == 302
    review = Review.objects.get(pk=world.b.pk)
    assert review.themes == ["self_neglect", "hospital_discharge"] and review.findings == "Gaps"


def test_adult_form(world, client):
    client.force_login(world.cast.lead)
    url = reverse("sars:adult_new", args=[world.e.reference])
    page = client.post(
        url, {"pseudonym": "Adult A", "died": "yes", "serious_harm": "yes", "age_band": "18-64"}
    )
    assert "Another adult in this review has that name" in page.content.decode()
    page = client.post(
        url,
        {"pseudonym": "Adult Z", "died": "no", "serious_harm": "yes", "age_band": "18-64",
         "date_of_death_day": "1", "date_of_death_month": "1", "date_of_death_year": "2024"},
    )  # fmt: skip
    assert "Only give a date of death for an adult who died" in page.content.decode()
    page = client.post(
        url, {"pseudonym": "Adult Z", "died": "no", "serious_harm": "yes", "age_band": "18-64"}
    )
    assert page.status_code == 302
    assert world.e.adults.filter(pseudonym="Adult Z", died=False).exists()


def test_linking_a_person(world, client):
    client.force_login(world.cast.lead)
    adult_b = world.a.adults.get(pseudonym="Adult B")
    url = reverse("sars:link_person", args=[world.a.reference, adult_b.uuid])
    assert client.get(url).status_code == 200
    # Hillside's person is not found through Riverside's lead's chokepoint; a bad number is refused.
    for find, message in (
        ("401 023 2137", "No record you can see matches"),
        ("123", "Enter a real NHS number"),
    ):
        page = client.post(url, {"find": find})
        assert page.status_code == 200 and message in page.content.decode()
    assert client.post(url, {"find": "943 476 5919"}).status_code == 302
    assert ReviewAdult.objects.get(pk=adult_b.pk).person == world.person
    assert client.post(url, {"unlink": "1"}).status_code == 302
    assert ReviewAdult.objects.get(pk=adult_b.pk).person is None
    # By a concern's reference: not while the concern has no person; then its person.
    page = client.post(url, {"find": world.concern.reference})
    assert "not linked to a person yet" in page.content.decode()
    Concern.objects.filter(pk=world.concern.pk).update(person=world.person)
    assert client.post(url, {"find": world.concern.reference.lower()}).status_code == 302
    assert ReviewAdult.objects.get(pk=adult_b.pk).person == world.person


def test_the_return_page_shows_sg5_only_for_a_year_with_reviews(world, client):
    client.force_login(world.cast.lead)
    page = client.get(reverse("measures:sac"), {"year": "2024-25"}).content.decode()
    assert "SG5a: Safeguarding Adults Reviews concluded in the year" in page
    assert services.SG5B_SURVIVED in page
    page = client.get(reverse("measures:sac"), {"year": "2022-23"}).content.decode()
    assert "SG5a" not in page


# --- review findings (issue 14's review) ------------------------------------------------------------

REFERRER_NAME = "Dr Imelda Quarrington at Brook Lane surgery"


def test_the_board_never_sees_who_referred_in_words(world, client):
    """``referred_by`` is free text that may name someone: the lead's alone. The Board sees a listed
    referring organisation only."""
    Review.objects.filter(pk=world.a.pk).update(referred_by=REFERRER_NAME)
    client.force_login(world.cast.board_viewer)
    for url in (detail_url(world.a), reverse("sars:register")):
        assert REFERRER_NAME not in client.get(url).content.decode(), url
    client.force_login(world.cast.lead)
    assert REFERRER_NAME in client.get(detail_url(world.a)).content.decode()
    # A listed organisation is the Board's to see.
    Review.objects.filter(pk=world.a.pk).update(referring_organisation=world.cast.police)
    client.force_login(world.cast.board_viewer)
    assert f"by {world.cast.police.name}" in client.get(detail_url(world.a)).content.decode()


def test_the_leads_forms_warn_what_the_board_sees(world, client):
    client.force_login(world.cast.lead)
    for url in (
        reverse("sars:findings", args=[world.a.reference]),
        reverse("sars:recommendation", args=[world.a.reference, world.recommendation.uuid]),
    ):
        assert "The Board sees this: use the review" in client.get(url).content.decode(), url


def test_recommendations_only_on_a_held_review(world, client):
    """A referral pending or not progressed has no recommendations: the pages are not found, and the
    service refuses one too."""
    lead = world.cast.lead
    pending = services.new_review(world.cast.council, lead, referred_on=date(2025, 5, 2), referred_by="GP")
    client.force_login(lead)
    for review in (pending, world.d):
        url = reverse("sars:recommendation_new", args=[review.reference])
        assert client.get(url).status_code == 404
        assert client.post(url, {"text": "x"}).status_code == 404
        with pytest.raises(services.StateChanged):
            services.add_recommendation(
                review, lead, text="Audit letters", owner=world.cast.council, due_on=date(2026, 1, 1)
            )
    assert not ReviewRecommendation.objects.filter(review__in=[pending, world.d]).exists()


def test_save_adult_checks_the_age_band_and_the_pseudonym(world):
    lead = world.cast.lead
    with pytest.raises(ValidationError) as refused:
        services.save_adult(world.e, lead, pseudonym="Adult Q", died=False, serious_harm=True, age_band="12")
    assert "age_band" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.save_adult(
            world.e, lead, pseudonym=" adult a ", died=False, serious_harm=True, age_band="18-64"
        )
    assert "pseudonym" in refused.value.message_dict
    assert not world.e.adults.filter(pseudonym__in=["Adult Q", "adult a"]).exists()


def test_a_failed_link_shows_and_logs_the_linked_person(world, client):
    client.force_login(world.cast.lead)
    url = reverse("sars:link_person", args=[world.a.reference, world.adult_a.uuid])
    page = client.post(url, {"find": "123"})
    assert page.status_code == 200 and PERSON_NAME in page.content.decode()
    assert AccessLog.objects.filter(record_id=world.person.uuid, user=world.cast.lead).count() == 1


def test_register_year_leaves_out_referrals_closed_before_it(world, client):
    """D was not progressed on 15 May 2024: in 2024-25's register, not in 2025-26's. E (still in
    progress) is in both."""
    client.force_login(world.cast.lead)
    page = client.get(reverse("sars:register"), {"year": "2024-25"}).content.decode()
    assert world.d.reference in page and world.e.reference in page
    page = client.get(reverse("sars:register"), {"year": "2025-26"}).content.decode()
    assert world.d.reference not in page and world.e.reference in page


def test_a_review_concluded_without_adults_is_a_warning(world):
    """G concluded in 2023-24 with no adult recorded: SG5a counts it, SG5b cannot, and the return's
    warnings name it. 2024-25's reviews all have adults."""
    assert services.concluded_without_adults(world.cast.council, FinancialYear.parse("2023-24")) == [
        world.g.reference
    ]
    warnings = build_return(FinancialYear.parse("2023-24"), world.cast.council)["warnings"]
    assert (
        f"1 reviews concluded in the year have no adults recorded, so SG5b counts nobody for them: "
        f"{world.g.reference}." in warnings
    )
    assert not any("no adults recorded" in w for w in build_return(YEAR, world.cast.council)["warnings"])
