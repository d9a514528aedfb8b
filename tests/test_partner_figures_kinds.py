"""The organisation kinds issue 15 added (ambulance, fire and rescue, probation, prison, GP practice,
beside housing, advocacy and the voluntary sector) change nothing the national return counts, and
every place that lists or maps kinds offers them (docs/partner-figures.md, "Organisation kinds").

The SAC's source of risk is the person or organisation alleged to have caused the harm, as the
concluded enquiry found it: "Service Provider" is "any individual(s) or organisation paid, contracted
or commissioned to provide social care services", and "health and social care staff or
organisations responsible for assessment and care management. For example, local authorities, NHS
trusts or GPs ... would fall into the category of 'Other'" (the guidance, [SG2] in docs/sac.md). It is
recorded on the concern and the enquiry's findings, never derived from the kind of the agency that
raised the concern or made the enquiry; these tests hold the return to that.
"""

from datetime import date

import pytest

from msphub.accounts.admin import PARTNER_KINDS
from msphub.accounts.models import Organisation, User
from msphub.core.periods import FinancialYear
from msphub.enquiries.forms import EnquiryDetailsForm
from msphub.enquiries.models import EnquirySource
from msphub.measures import measures as m
from msphub.measures import partners as pf
from msphub.measures.forms import DashboardFilterForm
from msphub.measures.sac import build_return
from tests.conftest import Cast
from tests.measures_fixtures import EXPRESSED, Builder, at

pytestmark = pytest.mark.django_db

YEAR = FinancialYear.parse("2025-26")
NEW_KINDS = ["ambulance", "fire_rescue", "probation", "prison", "gp_practice"]
PARTNER_KIND_VALUES = [k for k in Organisation.Kind.values if k not in ("council", "network")]


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker):
    """Riverside: two concluded section 42 enquiries raised and made by one agency (its kind changed
    by the tests): one whose enquiry found a service provider and someone known to the adult as the
    sources of risk, one whose concern named the agency's own staff ("Other - Unknown")."""
    with django_db_blocker.unblock():
        cast = Cast()
        agency = Organisation.objects.create(name="Riverside Partner Agency", kind="police")
        agency.councils.add(cast.council)
        b = Builder(cast.council, cast.lead)
        found = b.enquiry(
            b.person("Ada", dob=date(1950, 1, 1)), cast.front_door, at(2025, 9, 1), 20, 2,
            partner=agency, raiser=agency, msp_asked=EXPRESSED, source="Service Provider",
            provider="Sunrise Home Care",
        )  # fmt: skip
        EnquirySource.objects.bulk_create(
            EnquirySource(enquiry=found, source_of_risk=s)
            for s in ("Service Provider", "Other - Known to individual")
        )
        b.enquiry(
            b.person("Bo", dob=date(1940, 1, 1)), cast.front_door, at(2025, 10, 1), 20, 2,
            partner=agency, raiser=agency, msp_asked=EXPRESSED, source="Other - Unknown to individual",
        )  # fmt: skip
        return cast, agency


def test_the_new_kinds_exist():
    assert set(NEW_KINDS + ["housing", "advocacy", "voluntary"]) <= set(Organisation.Kind.values)


@pytest.mark.parametrize("kind", PARTNER_KIND_VALUES)
def test_source_of_risk_is_unchanged_by_the_agencys_kind(world_once, kind):
    cast, agency = world_once
    agency.kind = "police"
    agency.save(update_fields=["kind"])
    before = build_return(YEAR, cast.council)["tables"]
    agency.kind = kind
    agency.save(update_fields=["kind"])
    after = build_return(YEAR, cast.council)["tables"]
    assert after == before
    sg2a = {(c["row"], c["column"]): c["count"] for c in after["SG2a"]}
    # The first enquiry's two sources found, the second's concern's own: whatever the agency is.
    assert sum(n for (_, source), n in sg2a.items() if source == "Service Provider") == 1
    assert sum(n for (_, source), n in sg2a.items() if source == "Other - Known to individual") == 1
    assert sum(n for (_, source), n in sg2a.items() if source == "Other - Unknown to individual") == 1


@pytest.mark.parametrize("kind", NEW_KINDS)
def test_the_new_kinds_are_offered_wherever_kinds_are_listed(world_once, kind):
    cast, agency = world_once
    agency.kind = kind
    agency.save(update_fields=["kind"])
    # The admin's kind choices for a partner agency.
    assert kind in dict(PARTNER_KINDS)
    # The dashboard's partner filter and the enquiry's "partner making it" choices: every agency of
    # the council that is not a council.
    form = DashboardFilterForm(council_id=cast.council.pk)
    assert agency in form.fields["partner"].queryset  # type: ignore[attr-defined]
    staff = User.objects.filter(pk=cast.lead.pk)
    details = EnquiryDetailsForm(council_id=cast.council.pk, staff=staff)
    assert agency in details.fields["making_organisation"].queryset  # type: ignore[attr-defined]
    # The partner figures name the kind.
    figures = pf.council_partner_figures(m.Filters(YEAR, cast.council))
    assert {r.kind for r in figures.raising + figures.making if r.agency == agency.name} == {
        dict(Organisation.Kind.choices)[kind]
    }
