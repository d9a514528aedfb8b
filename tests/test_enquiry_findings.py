"""SG2 from the concluded enquiry: at closure the practitioner confirms the types, locations and sources
of risk the enquiry found, pre-filled from the concern (then from what was saved), one row per
distinct category."""

import re

import pytest
from django.core.exceptions import ValidationError

from msphub.enquiries import services
from msphub.enquiries.models import Enquiry, EnquiryLocation, EnquiryRiskType, EnquirySource
from tests.enquiry_fixtures import (
    FINDINGS_POST,
    NO_RISK,
    assert_error,
    body,
    closure_data,
    summary_items,
    url,
)

pytestmark = pytest.mark.django_db

# A complete closing page for an enquiry with no desired outcomes, but for what was found.
CLOSE = {
    "closure_reason": "complete",
    "closure_note": "Plan in place",
    "msp_asked": "Yes they were asked but no outcomes were expressed",
    "risk_assessment_outcome": NO_RISK,
    "mental_capacity": "No, they did not lack capacity",
}
TWO_AND_TWO = {
    "found_risk_types": ["Financial or Material Abuse"],
    "found_locations": ["Own Home", "In the Community"],
    "found_sources": ["Service Provider", "Other - Known to individual"],
}


def ticked(page: str, name: str) -> list[str]:
    """The values of the checkboxes named ``name`` that are ticked on the page."""
    return re.findall(rf'name="{name}" type="checkbox" value="([^"]+)" checked', page)


def found(enquiry: Enquiry) -> tuple[list[str], list[str], list[str]]:
    return (
        sorted(EnquiryRiskType.objects.filter(enquiry=enquiry).values_list("risk_type", flat=True)),
        sorted(EnquiryLocation.objects.filter(enquiry=enquiry).values_list("location_of_risk", flat=True)),
        sorted(EnquirySource.objects.filter(enquiry=enquiry).values_list("source_of_risk", flat=True)),
    )


def test_the_closing_page_is_ticked_from_the_concern(as_practitioner, enquiry):
    page = body(as_practitioner.get(url(enquiry, "close/")))
    # conftest.concern_answers: physical abuse and neglect, in her own home, by a service provider.
    assert ticked(page, "found_risk_types") == ["Physical Abuse", "Neglect and Acts of Omission"]
    assert ticked(page, "found_locations") == ["Own Home"]
    assert ticked(page, "found_sources") == ["Service Provider"]
    assert page.count("Select all that apply.") >= 3
    # Every category of the national return is offered.
    assert 'value="Hospital - Mental Health"' in page and 'value="Other - Unknown to individual"' in page


def test_two_locations_and_two_sources_are_saved_with_the_closure(as_practitioner, enquiry):
    response = as_practitioner.post(url(enquiry, "close/"), {**CLOSE, **TWO_AND_TWO})
    assert response.status_code == 302, summary_items(response)
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.CLOSURE_REQUESTED
    assert found(enquiry) == (
        ["Financial or Material Abuse"],
        ["In the Community", "Own Home"],
        ["Other - Known to individual", "Service Provider"],
    )
    # The concern keeps what it recorded; what the enquiry found is kept beside it.
    assert enquiry.concern.location_of_risk == "Own Home"
    assert services.findings(enquiry) == {
        "found_risk_types": ["Financial or Material Abuse"],
        "found_locations": ["Own Home", "In the Community"],  # in the national template's order
        "found_sources": ["Service Provider", "Other - Known to individual"],
    }


def test_a_category_ticked_twice_counts_once(as_practitioner, enquiry):
    data = {**CLOSE, **FINDINGS_POST, "found_locations": ["Own Home", "Own Home"]}
    assert as_practitioner.post(url(enquiry, "close/"), data).status_code == 302
    assert found(enquiry)[1] == ["Own Home"]


def test_nothing_ticked_is_refused_with_a_message_for_each_group(as_practitioner, enquiry):
    response = as_practitioner.post(url(enquiry, "close/"), CLOSE)
    assert_error(response, "Select at least one type of abuse or neglect the enquiry found")
    page = body(response)
    for message in (
        "Select at least one location of the risk the enquiry found",
        "Select at least one source of the risk the enquiry found",
    ):
        assert message in page
    # Each message is at its question too, and links to its first checkbox from the summary.
    assert 'id="id_found_locations-error"' in page and 'href="#id_found_locations_0"' in page
    assert "<title>Error:" in page
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.OPEN
    assert found(enquiry) == ([], [], [])


def test_nothing_ticked_also_lists_whatever_else_is_missing(as_practitioner, enquiry):
    response = as_practitioner.post(url(enquiry, "close/"), {"msp_asked": CLOSE["msp_asked"]})
    page = body(response)
    assert "The enquiry cannot close yet. This is missing:" in page
    assert "Select the reason for closing the enquiry" in summary_items(response)
    assert "Select at least one source of the risk the enquiry found" in page


def test_an_unknown_category_is_refused(as_practitioner, enquiry):
    data = {**CLOSE, **FINDINGS_POST, "found_sources": ["The neighbour's cat"]}
    response = as_practitioner.post(url(enquiry, "close/"), data)
    assert response.status_code == 200
    assert found(enquiry) == ([], [], [])
    with pytest.raises(ValidationError):
        services.request_closure(
            enquiry, enquiry.lead_practitioner, closure_data(found_sources=["Unknown"]), {}, {}
        )


def test_the_enquiry_and_sign_off_pages_show_what_was_found(client, enquiry, practitioner, manager):
    client.force_login(practitioner)
    assert client.post(url(enquiry, "close/"), {**CLOSE, **TWO_AND_TWO}).status_code == 302
    page = body(client.get(url(enquiry)))
    assert "Locations of risk found" in page and "Sources of risk found" in page
    for value in ("Financial or Material Abuse", "In the Community", "Other - Known to individual"):
        assert f"<li>{value}</li>" in page
    client.force_login(manager)
    sign_off = body(client.get(url(enquiry, "close/sign-off/")))
    assert "<li>In the Community</li>" in sign_off and "<li>Other - Known to individual</li>" in sign_off


def test_an_open_enquiry_page_does_not_show_findings_yet(as_practitioner, enquiry):
    assert "Locations of risk found" not in body(as_practitioner.get(url(enquiry)))


def test_after_a_return_the_page_is_ticked_from_what_was_saved(as_practitioner, enquiry, manager):
    assert as_practitioner.post(url(enquiry, "close/"), {**CLOSE, **TWO_AND_TWO}).status_code == 302
    enquiry.refresh_from_db()
    services.return_closure(enquiry, manager, "Add the plan actions")
    page = body(as_practitioner.get(url(enquiry, "close/")))
    assert ticked(page, "found_risk_types") == ["Financial or Material Abuse"]
    assert ticked(page, "found_locations") == ["Own Home", "In the Community"]
    assert ticked(page, "found_sources") == ["Service Provider", "Other - Known to individual"]


def test_asking_again_replaces_the_findings_and_keeps_the_history(enquiry, practitioner, manager):
    first = closure_data(**TWO_AND_TWO)
    assert services.request_closure(enquiry, practitioner, first, {}, {}) == []
    services.return_closure(enquiry, manager, "The community setting was not part of it")
    kept = EnquiryLocation.objects.get(enquiry=enquiry, location_of_risk="Own Home")
    second = closure_data(**{**TWO_AND_TWO, "found_locations": ["Own Home"]})
    assert services.request_closure(enquiry, practitioner, second, {}, {}) == []
    assert found(enquiry)[1] == ["Own Home"]
    assert EnquiryLocation.objects.get(enquiry=enquiry).pk == kept.pk, "an unchanged finding is kept"
    history = EnquiryLocation.history.filter(enquiry_id=enquiry.pk)
    assert sorted(history.values_list("location_of_risk", "history_type")) == [
        ("In the Community", "+"),
        ("In the Community", "-"),
        ("Own Home", "+"),
    ]


def test_a_caller_that_sends_no_findings_confirms_the_concerns(enquiry, practitioner):
    assert services.request_closure(enquiry, practitioner, closure_data(), {}, {}) == []
    assert found(enquiry) == (
        ["Neglect and Acts of Omission", "Physical Abuse"],
        ["Own Home"],
        ["Service Provider"],
    )


def test_an_empty_group_is_missing_and_nothing_is_saved(enquiry, practitioner):
    data = closure_data(
        found_risk_types=["Self-Neglect"], found_locations=[], found_sources=["Service Provider"]
    )
    assert services.request_closure(enquiry, practitioner, data, {}, {}) == [
        "Select at least one location of the risk the enquiry found"
    ]
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.OPEN and found(enquiry) == ([], [], [])
