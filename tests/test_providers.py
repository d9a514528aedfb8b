"""Whole-service enquiries about a provider, service concerns, provider actions and the provider's
history (msphub/providers, docs/providers.md): the rules, the pages, and the national return counting
every adult at risk of a whole-service enquiry (the SAC guidance's large-scale enquiries)."""

from collections import Counter
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from msphub.accounts.models import Organisation, Role
from msphub.concerns import services as concern_services
from msphub.concerns.models import Concern
from msphub.core.access import Action
from msphub.core.models import AccessLog
from msphub.core.periods import FinancialYear
from msphub.core.states import StateChanged
from msphub.enquiries import services as enquiry_services
from msphub.enquiries.models import Enquiry
from msphub.measures.measures import MEASURES_BY_ID
from msphub.measures.sac import build_return
from msphub.providers import services
from msphub.providers.forms import EnquiryForm, ServiceConcernForm
from msphub.providers.models import (
    LinkedConcern,
    ProviderAction,
    ServiceConcern,
    WholeServiceEnquiry,
)
from msphub.worktray.models import Notification
from tests.conftest import Cast, _user, new_concern, new_person, per_test
from tests.enquiry_fixtures import date_parts
from tests.measures_fixtures import Builder, at

WSE = WholeServiceEnquiry
HOME = "Meadowview Care Home"
YEAR = FinancialYear(2025)


def s42(lead) -> dict:
    return {
        "outcome": "s42",
        "criterion_care_needs": True,
        "criterion_abuse_risk": True,
        "criterion_cannot_protect": True,
        "rationale": "All three criteria are met.",
        "lead_practitioner": lead,
    }


def open_enquiry(concern, person, practitioner, manager):
    concern_services.link_person(concern, person, practitioner)
    decision = concern_services.record_decision(concern, practitioner, s42(practitioner))
    return concern_services.sign_off(decision, manager)


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    """Riverside: a care home and a home care agency; three residents of the home with their own
    concern and enquiry, a fourth resident whose record is restricted (only the locality practitioner
    is named on it), all linked to a whole-service enquiry led by the Front Door practitioner; a
    Hillside concern. Partners: the police and the care home's own manager."""
    with django_db_blocker.unblock():
        cast = Cast()
        w = SimpleNamespace(cast=cast, council=cast.council)
        w.home = Organisation.objects.create(name=HOME, kind="care_provider")
        w.home.councils.add(cast.council)
        w.agency = Organisation.objects.create(name="Sunrise Home Care", kind="care_provider")
        w.agency.councils.add(cast.council)
        w.hillside_home = Organisation.objects.create(name="Hillside House", kind="care_provider")
        w.hillside_home.councils.add(cast.other_council)
        w.home_manager = _user("hana_homemanager", w.home, Role.PARTNER_REFERRER)
        practitioner, manager = cast.practitioner, cast.manager
        w.enquiries = []
        for first_name in ("Ada", "Bert", "Cyril"):
            person = new_person(cast.council, given_name=first_name, family_name="Resident")
            names = {"adult_given_name": first_name, "adult_family_name": "Resident"}
            concern = new_concern(cast.council, care_provider_name=HOME, **names)
            w.enquiries.append(open_enquiry(concern, person, practitioner, manager))
        w.restricted_person = new_person(
            cast.council, given_name="Rosa", family_name="Hidden", team=cast.locality, restricted=True
        )
        w.restricted_person.restricted_to.add(cast.locality_practitioner)
        w.restricted = new_concern(
            cast.council, adult_given_name="Rosa", adult_family_name="Hidden", care_provider_name=HOME
        )
        concern_services.link_person(w.restricted, w.restricted_person, cast.locality_practitioner)
        w.hillside_concern = new_concern(cast.council, target_council=cast.other_council)
        w.wse = services.start_enquiry(
            cast.council, cast.lead, provider=w.home, lead=practitioner, about="Night care at the home"
        )
        for enquiry in w.enquiries[:2]:
            services.link_concern(w.wse, practitioner, enquiry.reference)
        services.link_concern(w.wse, cast.locality_practitioner, w.restricted.reference)
        w.action = services.add_action(
            w.wse,
            practitioner,
            action="Put a third carer on nights",
            owner_organisation=w.home,
            due_on=date.today() - timedelta(days=2),
        )
        for name in ("locality_manager", "partner_referrer", "board_viewer", "other_council_user", "police"):
            getattr(cast, name)
        return w


@pytest.fixture
def world(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


# --- Who sees and changes what ------------------------------------------------------------------------


def test_council_casework_staff_see_the_enquiry_and_only_the_lead_and_its_lead_change_it(world):
    c = world.cast
    for user in (c.practitioner, c.locality_practitioner, c.manager, c.locality_manager, c.lead):
        assert WSE.objects.for_user(user, Action.VIEW).filter(pk=world.wse.pk).exists()
    editors = {u.username for u in (c.practitioner, c.locality_practitioner, c.manager, c.lead)
               if WSE.objects.for_user(u, Action.EDIT).filter(pk=world.wse.pk).exists()}  # fmt: skip
    assert editors == {c.practitioner.username, c.lead.username}


def test_partners_the_provider_itself_the_board_and_other_councils_see_none_of_it(world):
    c = world.cast
    for user in (c.partner_referrer, world.home_manager, c.board_viewer, c.other_council_user):
        for model in (WSE, ServiceConcern, ProviderAction, LinkedConcern):
            assert not model.objects.for_user(user, Action.VIEW).exists(), (user.username, model)


# --- Linking adults' concerns and enquiries -----------------------------------------------------------


def test_an_adult_is_linked_by_their_enquiry_or_concern_reference_once(world):
    third = world.enquiries[2]
    link = services.link_concern(world.wse, world.cast.practitioner, third.reference)
    assert link.concern == third.concern
    with pytest.raises(ValidationError, match="already linked"):
        services.link_concern(world.wse, world.cast.lead, third.concern.reference)


@pytest.mark.parametrize("reference", ["", "CON-2026-999999", "ENQ-1", "a person's name", "SVC-2026-000001"])
def test_a_reference_that_names_no_visible_record_is_refused(world, reference):
    with pytest.raises(ValidationError, match="No concern or enquiry you can see"):
        services.link_concern(world.wse, world.cast.practitioner, reference)


def test_another_councils_concern_cannot_be_linked(world):
    with pytest.raises(ValidationError, match="No concern or enquiry you can see"):
        services.link_concern(world.wse, world.cast.lead, world.hillside_concern.reference)


def test_a_restricted_persons_concern_is_linked_only_by_someone_who_may_see_it(world):
    services.unlink_concern(LinkedConcern.objects.get(concern=world.restricted), world.cast.lead)
    with pytest.raises(ValidationError, match="No concern or enquiry you can see"):
        services.link_concern(world.wse, world.cast.practitioner, world.restricted.reference)
    services.link_concern(world.wse, world.cast.locality_practitioner, world.restricted.reference)


def test_the_link_never_shows_a_restricted_person_to_those_it_is_hidden_from(world, client):
    c = world.cast
    hidden = [a.concern.reference for a in services.linked_adults(world.wse, c.practitioner)]
    assert world.restricted.reference not in hidden and len(hidden) == 2
    named = [a.concern.reference for a in services.linked_adults(world.wse, c.locality_practitioner)]
    assert world.restricted.reference in named and len(named) == 3
    client.force_login(c.practitioner)
    page = client.get(reverse("providers:enquiry", args=[world.wse.reference])).content.decode()
    assert "Rosa" not in page and world.restricted.reference not in page and "Hidden" not in page
    # Nor may they unlink it (it does not exist for them).
    link = LinkedConcern.objects.get(concern=world.restricted)
    response = client.post(reverse("providers:enquiry_unlink", args=[world.wse.reference, link.uuid]))
    assert response.status_code == 404
    assert LinkedConcern.objects.filter(pk=link.pk).exists()
    client.force_login(c.lead)
    assert (
        "Rosa Hidden" in client.get(reverse("providers:enquiry", args=[world.wse.reference])).content.decode()
    )


def test_the_enquiry_page_logs_a_view_of_each_linked_adults_concern_and_enquiry(world, client):
    client.force_login(world.cast.practitioner)
    client.get(reverse("providers:enquiry", args=[world.wse.reference]))
    logged = set(
        AccessLog.objects.filter(user=world.cast.practitioner).values_list("record_reference", flat=True)
    )
    expected = {world.wse.reference} | {e.reference for e in world.enquiries[:2]}
    expected |= {e.concern.reference for e in world.enquiries[:2]}
    assert expected <= logged and world.restricted.reference not in logged


def test_find_concern_takes_any_text_without_error(world):
    user = world.cast.practitioner

    @settings(max_examples=40, deadline=None)
    @given(text=st.text(max_size=60))
    def finds(text: str) -> None:
        found = services.find_concern(user, text)
        assert (
            found is None
            or found.reference == text.strip().upper()
            or found.enquiry.reference == text.strip().upper()
        )

    finds()


# --- Provider actions ---------------------------------------------------------------------------------


def test_an_action_is_resolved_once_and_not_done_needs_why(world):
    with pytest.raises(ValidationError, match="Enter why it was not done"):
        services.resolve_action(world.action, world.cast.practitioner, done=False)
    services.resolve_action(world.action, world.cast.practitioner, done=False, not_done_reason="No staff")
    with pytest.raises(StateChanged):
        services.resolve_action(world.action, world.cast.lead, done=True)
    world.action.refresh_from_db()
    assert (world.action.status, world.action.not_done_reason) == ("not_done", "No staff")


def test_an_action_is_owned_by_the_provider_the_council_or_a_partner_of_it(world):
    with pytest.raises(ValidationError, match="Select the provider"):
        services.add_action(
            world.wse,
            world.cast.lead,
            action="x",
            owner_organisation=world.hillside_home,
            due_on=date.today(),
        )
    action = services.add_action(
        world.wse, world.cast.lead, action="Check", owner_organisation=world.cast.police, due_on=date.today()
    )
    assert action.owner_organisation == world.cast.police


def test_an_overdue_action_notifies_the_enquirys_lead_once(world):
    services.notify_overdue_actions()
    services.notify_overdue_actions()
    notes = Notification.objects.filter(kind=Notification.Kind.PROVIDER_ACTION_OVERDUE)
    assert list(notes.values_list("user", "record_uuid", "reference")) == [
        (world.cast.practitioner.pk, world.wse.uuid, world.wse.reference)
    ]
    # Done, or due today, is not overdue; nor is anything on a closed enquiry.
    services.resolve_action(world.action, world.cast.practitioner, done=True)
    services.add_action(
        world.wse, world.cast.lead, action="Today", owner_organisation=world.home, due_on=date.today()
    )
    assert not ProviderAction.objects.overdue().exists()


def test_overdue_actions_are_chased_in_a_fixed_number_of_queries(world):
    """One query finds them, one checks who is still active, one insert: 1 action or 6 alike."""
    with CaptureQueriesContext(connection) as one:
        assert services.notify_overdue_actions() == 1
    for n in range(5):
        services.add_action(
            world.wse, world.cast.lead, action=f"Late {n}", owner_organisation=world.home,
            due_on=date.today() - timedelta(days=3 + n),
        )  # fmt: skip
    with CaptureQueriesContext(connection) as six:
        assert services.notify_overdue_actions() == 6
    assert len(six.captured_queries) == len(one.captured_queries) <= 5
    notes = Notification.objects.filter(kind=Notification.Kind.PROVIDER_ACTION_OVERDUE)
    assert notes.count() == 6 and set(notes.values_list("record_type", flat=True)) == {
        "providers.wholeserviceenquiry"
    }


def test_worktrays_generate_due_chases_them_too_and_never_an_inactive_lead(world):
    from msphub.worktray import services as worktray

    worktray.generate_due()
    notes = Notification.objects.filter(kind=Notification.Kind.PROVIDER_ACTION_OVERDUE)
    assert list(notes.values_list("user", flat=True)) == [world.cast.practitioner.pk]
    notes.delete()
    type(world.cast.practitioner).objects.filter(pk=world.cast.practitioner.pk).update(is_active=False)
    worktray.generate_due()
    assert not notes.exists(), "a lead who has left is not told"


def test_a_network_is_no_partner_to_own_an_action_or_raise_a_service_concern(world):
    network = Organisation.objects.create(name="North West network", kind="network")
    network.councils.add(world.council)
    assert network not in services.owner_organisations(world.council, world.home)
    with pytest.raises(ValidationError, match="Select the provider"):
        services.add_action(
            world.wse, world.cast.lead, action="x", owner_organisation=network, due_on=date.today()
        )
    with pytest.raises(ValidationError, match="Select the council or an agency"):
        services.record_service_concern(
            world.council, world.cast.lead, provider=world.home, what_happened="x", raised_by="y",
            raiser_organisation=network,
        )  # fmt: skip
    raiser = ServiceConcernForm(council=world.council).fields["raiser_organisation"]
    assert network not in raiser.queryset and world.cast.police in raiser.queryset
    # The same rule as the shared plan's (enquiries.services.partners_of).
    partners = set(enquiry_services.partners_of(world.council.pk))
    assert set(services.owner_organisations(world.council, world.home)) == partners | {world.council}


def test_a_closed_enquirys_actions_are_not_chased(world):
    services.close_enquiry(world.wse, world.cast.lead, findings="Poor nights", outcome="substantiated")
    assert services.notify_overdue_actions() == 0


# --- Closing -------------------------------------------------------------------------------------------


def test_closing_needs_findings_and_an_outcome_and_happens_once(world):
    with pytest.raises(ValidationError) as refused:
        services.close_enquiry(world.wse, world.cast.lead, findings=" ", outcome="")
    assert set(refused.value.message_dict) == {"findings", "outcome"}
    with pytest.raises(ValidationError, match="on or after"):
        services.close_enquiry(
            world.wse,
            world.cast.lead,
            findings="F",
            outcome="partly",
            closed_on=world.wse.started_on - timedelta(1),
        )
    services.close_enquiry(world.wse, world.cast.lead, findings="F", outcome="partly")
    with pytest.raises(StateChanged):
        services.close_enquiry(world.wse, world.cast.lead, findings="F", outcome="partly")
    with pytest.raises(StateChanged):
        services.link_concern(world.wse, world.cast.lead, world.enquiries[2].reference)


def test_the_lead_must_be_council_casework_staff(world):
    with pytest.raises(ValidationError, match="casework staff"):
        services.start_enquiry(
            world.council, world.cast.lead, provider=world.home, lead=world.cast.board_viewer, about="x"
        )
    with pytest.raises(ValidationError, match="provider that works with the council"):
        services.start_enquiry(
            world.council, world.cast.lead, provider=world.hillside_home, lead=world.cast.lead, about="x"
        )


# --- Service concerns ----------------------------------------------------------------------------------


def test_a_service_concern_starts_an_enquiry_or_joins_one_or_is_closed_with_why(world):
    lead = world.cast.lead
    first = services.record_service_concern(
        world.council,
        world.cast.practitioner,
        provider=world.agency,
        what_happened="Late visits",
        raised_by="X",
    )
    assert first.reference.startswith("SVC-")
    started = services.start_enquiry(
        world.council, lead, provider=world.agency, lead=lead, about="Visits", service_concern=first
    )
    first.refresh_from_db()
    assert (first.status, first.whole_service_enquiry) == ("enquiry", started)
    second = services.record_service_concern(
        world.council, lead, provider=world.agency, what_happened="More", raised_by="Y"
    )
    with pytest.raises(ValidationError, match="same provider"):
        services.link_service_concern(second, world.wse)
    services.link_service_concern(second, started)
    third = services.record_service_concern(
        world.council, lead, provider=world.home, what_happened="Z", raised_by="Y"
    )
    with pytest.raises(ValidationError, match="Enter why"):
        services.close_service_concern(third, lead, "")
    services.close_service_concern(third, lead, "Resolved with the manager")
    with pytest.raises(StateChanged):
        services.link_service_concern(third, world.wse)


def test_a_service_concern_needs_a_provider_of_the_council_and_no_future_dates(world):
    with pytest.raises(ValidationError, match="provider that works"):
        services.record_service_concern(
            world.council, world.cast.lead, provider=world.hillside_home, what_happened="x", raised_by="y"
        )
    with pytest.raises(ValidationError, match="today or in the past"):
        services.record_service_concern(
            world.council,
            world.cast.lead,
            provider=world.home,
            what_happened="x",
            raised_by="y",
            received_on=date.today() + timedelta(days=1),
        )


# --- The provider's history ---------------------------------------------------------------------------


def test_the_providers_history_counts_by_quarter_in_a_fixed_number_of_queries(
    world, django_assert_max_num_queries
):
    """Each figure as the dashboard defines it (measures.measures), narrowed to the provider: only a
    section 42 enquiry counts as "became an enquiry" (``conversion_rate``), every concluded enquiry
    is concluded, and the risk reduced or removed is counted of those where risk was identified and
    action taken (``risk_reduced_or_removed``'s denominator)."""
    b = Builder(world.council, world.cast.practitioner)
    person = b.person("Quinn")
    # 2025-26: in April to June, a concern that became a section 42 enquiry (concluded in July, risk
    # identified and reduced) and one that did not; in July, one that became an "other" enquiry
    # (concluded in August, no risk identified); in January to March, one set aside (never counted);
    # and one about another provider.
    concluded = b.enquiry(
        person,
        None,
        at(2025, 7, 2),
        20,
        5,
        risk_assessment="Risk identified and action taken",
        risk_outcome="Risk reduced",
        risk_types=("Neglect and Acts of Omission",),
    )
    other = b.enquiry(
        person,
        None,
        at(2025, 8, 1),
        10,
        3,
        kind="other",
        risk_assessment="No risk identified and no action taken",
    )
    Concern.objects.filter(pk__in=[concluded.concern_id, other.concern_id]).update(care_provider=world.home)
    Concern.objects.filter(reference=b.concern(at(2025, 5, 9), person).reference).update(
        care_provider=world.home
    )
    aside = b.concern(at(2026, 2, 1), person)
    Concern.objects.filter(pk=aside.pk).update(care_provider=world.home, set_aside="error")
    Concern.objects.filter(pk=b.concern(at(2025, 5, 9), person).pk).update(care_provider=world.agency)
    services.record_service_concern(
        world.council, world.cast.lead, provider=world.home, what_happened="x", raised_by="y",
        received_on=date(2026, 1, 5),
    )  # fmt: skip
    with django_assert_max_num_queries(5):
        history = services.provider_history(world.council, world.home, YEAR)
    rows = {
        q.label: (q.concerns, q.section_42, q.concluded, q.risk_reduced_or_removed, q.risk_identified,
                  q.service_concerns)
        for q in history.quarters
    }  # fmt: skip
    assert rows == {
        "April to June 2025": (2, 1, 0, 0, 0, 0),
        "July to September 2025": (1, 0, 2, 1, 1, 0),
        "October to December 2025": (0, 0, 0, 0, 0, 0),
        "January to March 2026": (0, 0, 0, 0, 0, 1),
    }
    totals = history.totals
    assert (totals.concerns, totals.section_42, totals.section_42_percent) == (3, 1, 33.3)
    assert (totals.risk_reduced_or_removed, totals.risk_identified, totals.risk_reduced_percent) == (
        1,
        1,
        100.0,
    )
    assert dict(history.risk_types)["Neglect and Acts of Omission"] == 1
    assert history.outcomes == [("Not recorded", 1), ("Risk reduced", 1)]
    # Labelled as the dashboard labels them.
    assert services.LABELS["section_42"] == MEASURES_BY_ID["conversion_rate"].label
    assert services.LABELS["risk_reduced_or_removed"].startswith(
        MEASURES_BY_ID["risk_reduced_or_removed"].label
    )


def test_the_provider_list_is_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = {
            r.provider.name: r for r in services.provider_list(world.council, date.today() - timedelta(365))
        }
    assert set(rows) == {HOME, "Sunrise Home Care"}
    home = rows[HOME]
    # Four concerns about the home (the restricted person's counted, as an aggregate), one open
    # enquiry, one overdue action.
    assert (home.concerns, home.open_enquiries, home.overdue_actions) == (4, 1, 1)


# --- The national return: every adult at risk counted ------------------------------------------------


def _sums(data: dict, table: str) -> Counter:
    sums: Counter = Counter()
    for cell in data["tables"][table]:
        sums[cell["row"]] += cell["count"]
    return sums


def test_a_whole_service_enquiry_with_three_adults_adds_three_to_the_return(world):
    """SG1: "For large scale enquiries involving many individuals (such as in a care home), please
    include each of the adults at risk in the return, and for each identified risk as appropriate."
    Each adult is counted through their own concern and enquiry; the whole-service enquiry and the
    service concern, which name no adult, add nothing."""
    other = Organisation.objects.create(name="Another Council", kind="council", ons_code="E06000999")
    staff = _user("ann_another", other, Role.PRACTITIONER)
    home = Organisation.objects.create(name="Another Home", kind="care_provider")
    home.councils.add(other)
    b = Builder(other, staff)
    before = build_return(YEAR, other)
    links = []
    for n, first_name in enumerate(("Dora", "Ezra", "Flo")):
        person = b.person(first_name, dob=date(1940, 1, 1))
        enquiry = b.enquiry(
            person, None, at(2025, 9, 10 + n), 30, 3, provider=home.name, location="Care Home - Residential",
            source="Service Provider", risk_types=("Organisational Abuse",),
        )  # fmt: skip
        links.append(enquiry)
    counted = build_return(YEAR, other)
    wse = services.start_enquiry(other, staff, provider=home, lead=staff, about="The home")
    services.record_service_concern(other, staff, provider=home, what_happened="x", raised_by="y")
    for enquiry in links:
        services.link_concern(wse, staff, enquiry.reference)
    after = build_return(YEAR, other)
    assert after["tables"] == counted["tables"]  # linking changes nothing: they were each counted
    for table in ("SG1a", "SG1f", "SG2a"):
        added = _sums(after, table)
        added.subtract(_sums(before, table))
        assert +added, table
    sg1a = _sums(after, "SG1a") - _sums(before, "SG1a")
    assert sg1a["Individuals Involved In Safeguarding Concerns"] == 3
    assert sg1a["Individuals Involved In Section 42 Safeguarding Enquiries"] == 3
    sg2a = {(cell["row"], cell["column"]): cell for cell in after["tables"]["SG2a"]}
    cell = sg2a[("Organisational Abuse", "Service Provider")]
    assert cell["count"] == 3


# --- The pages ------------------------------------------------------------------------------------------


def _get(client, user, name, *args, **query):
    client.force_login(user)
    return client.get(reverse(f"providers:{name}", args=args), query)


def test_the_pages_open_for_council_staff_and_are_not_found_for_everyone_else(world, client):
    c = world.cast
    pages = [
        ("index",),
        ("provider", world.home.pk),
        ("enquiry", world.wse.reference),
        ("service_concern_new",),
    ]
    for page in pages:
        assert _get(client, c.locality_manager, *page).status_code == 200, page
        for outsider in (c.partner_referrer, world.home_manager, c.board_viewer):
            assert _get(client, outsider, *page).status_code == 404, (page, outsider.username)
    # Another council's staff have their own council's pages, and none of Riverside's.
    index = _get(client, c.other_council_user, "index").content.decode()
    assert world.wse.reference not in index and HOME not in index and "Hillside House" in index
    for page in pages[1:3]:
        assert _get(client, c.other_council_user, *page).status_code == 404, page
    # Another council's provider is not one of Riverside's.
    assert _get(client, c.lead, "provider", world.hillside_home.pk).status_code == 404
    assert _get(client, c.lead, "provider", 999999).status_code == 404


def test_the_provider_page_shows_its_history_enquiries_and_actions(world, client):
    response = _get(client, world.cast.manager, "provider", world.home.pk, year="2024-25")
    page = response.content.decode()
    assert "2024-25" in page and world.wse.reference in page and "Put a third carer on nights" in page
    assert "Overdue" in page
    # A year that is not one is this year's page, not an error.
    assert _get(client, world.cast.manager, "provider", world.home.pk, year="nonsense").status_code == 200


def test_starting_an_enquiry_is_for_managers_and_the_lead(world, client):
    assert _get(client, world.cast.practitioner, "enquiry_new").status_code == 404
    chosen = _get(client, world.cast.manager, "enquiry_new", provider=world.agency.pk).content.decode()
    assert f'value="{world.agency.pk}" selected' in chosen
    for bad in ("abc", "99999999999999999999", "\u00b2", "\u0661", "\uff11", str(world.hillside_home.pk)):
        assert _get(client, world.cast.manager, "enquiry_new", provider=bad).status_code == 200
    client.force_login(world.cast.manager)
    data = {"provider": world.agency.pk, "lead": world.cast.practitioner.pk, "about": "Late visits"}
    today = date.today()
    data |= date_parts("started_on", today)
    response = client.post(reverse("providers:enquiry_new"), data)
    started = WSE.objects.get(provider=world.agency)
    assert response.status_code == 302 and response["Location"].endswith(f"/{started.reference}/")
    assert started.lead == world.cast.practitioner and started.created_by == world.cast.manager


def test_starting_from_a_service_concern_marks_it(world, client):
    concern = services.record_service_concern(
        world.council,
        world.cast.practitioner,
        provider=world.agency,
        what_happened="Missed visits",
        raised_by="Z",
    )
    client.force_login(world.cast.lead)
    url = reverse("providers:enquiry_new") + f"?from={concern.reference}"
    assert "Missed visits" in client.get(url).content.decode()
    today = date.today()
    client.post(url, {"provider": world.agency.pk, "lead": world.cast.lead.pk, "about": "Missed visits",
                      **date_parts("started_on", today)})  # fmt: skip
    concern.refresh_from_db()
    assert concern.status == "enquiry"
    # Dealt with: no longer open to start another from.
    assert client.get(url).status_code == 404


def test_bad_input_shows_the_form_again_with_its_errors(world, client):
    client.force_login(world.cast.lead)
    response = client.post(reverse("providers:enquiry_new"), {"provider": "x", "lead": "999999", "about": ""})
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "Select the provider" in page and "Enter what the enquiry is about" in page
    link = client.post(
        reverse("providers:enquiry_link", args=[world.wse.reference]), {"reference": "CON-nope"}
    )
    assert link.status_code == 200 and "No concern or enquiry you can see" in link.content.decode()
    action = client.post(reverse("providers:action_new", args=[world.wse.reference]), {"due_on_day": "99"})
    assert action.status_code == 200 and "Enter what will be done" in action.content.decode()
    resolve = client.post(
        reverse("providers:action", args=[world.wse.reference, world.action.uuid]), {"done": "no"}
    )
    assert resolve.status_code == 200 and "Enter why it was not done" in resolve.content.decode()


def test_only_the_lead_and_the_enquirys_lead_open_its_change_pages(world, client):
    for name in ("enquiry_change", "enquiry_close", "enquiry_link", "action_new"):
        assert _get(client, world.cast.manager, name, world.wse.reference).status_code == 404, name
        assert _get(client, world.cast.practitioner, name, world.wse.reference).status_code == 200, name
        assert _get(client, world.cast.lead, name, world.wse.reference).status_code == 200, name


def test_linking_closing_and_recording_through_the_pages(world, client):
    client.force_login(world.cast.practitioner)
    third = world.enquiries[2]
    response = client.post(
        reverse("providers:enquiry_link", args=[world.wse.reference]), {"reference": third.reference}
    )
    assert response.status_code == 302 and LinkedConcern.objects.filter(concern=third.concern).exists()
    response = client.post(
        reverse("providers:action", args=[world.wse.reference, world.action.uuid]), {"done": "yes"}
    )
    assert response.status_code == 302
    assert ProviderAction.objects.get(pk=world.action.pk).status == "done"
    today = date.today()
    response = client.post(
        reverse("providers:enquiry_close", args=[world.wse.reference]),
        {"findings": "Nights short-staffed", "outcome": "substantiated", "outcome_note": "Improvement plan",
         **date_parts("closed_on", today)},
    )  # fmt: skip
    assert response.status_code == 302
    assert WSE.objects.get(pk=world.wse.pk).status == "closed"
    # Closed: its change pages are gone; its page remains.
    assert _get(client, world.cast.practitioner, "enquiry_link", world.wse.reference).status_code == 404
    assert _get(client, world.cast.practitioner, "enquiry", world.wse.reference).status_code == 200


def test_recording_a_service_concern_through_the_page(world, client):
    client.force_login(world.cast.practitioner)
    today = date.today()
    response = client.post(
        reverse("providers:service_concern_new"),
        {"provider": world.home.pk, "what_happened": "Call bells unplugged", "raised_by": "Anonymous",
         **date_parts("received_on", today)},
    )  # fmt: skip
    concern = ServiceConcern.objects.get(what_happened="Call bells unplugged")
    assert response.status_code == 302 and concern.recorded_by == world.cast.practitioner
    page = client.get(reverse("providers:service_concern", args=[concern.reference])).content.decode()
    assert "Call bells unplugged" in page
    response = client.post(
        reverse("providers:service_concern_link", args=[concern.reference]), {"enquiry": world.wse.pk}
    )
    assert response.status_code == 302
    assert ServiceConcern.objects.get(pk=concern.pk).whole_service_enquiry_id == world.wse.pk
    bad = client.post(reverse("providers:service_concern_new"), {"provider": "", "received_on_day": "31"})
    assert bad.status_code == 200 and "There is a problem" in bad.content.decode()


def test_the_adults_enquiry_page_says_it_is_part_of_the_whole_service_enquiry(world, client):
    linked, unlinked = world.enquiries[0], world.enquiries[2]
    link = reverse("providers:enquiry", args=[world.wse.reference])
    said = f'Part of whole-service enquiry <a class="govuk-link" href="{link}">'
    for user in (world.cast.practitioner, world.cast.locality_manager):
        client.force_login(user)
        assert said in client.get(reverse("enquiries:detail", args=[linked.reference])).content.decode()
        assert (
            "Part of whole-service enquiry"
            not in client.get(reverse("enquiries:detail", args=[unlinked.reference])).content.decode()
        )
    # A partner enquiry officer working the enquiry for their agency sees the enquiry, not the link.
    Enquiry.objects.filter(pk=linked.pk).update(making_organisation=world.cast.police)
    officer = _user("olly_policeofficer", world.cast.police, Role.PARTNER_ENQUIRY_OFFICER)
    client.force_login(officer)
    page = client.get(reverse("enquiries:detail", args=[linked.reference]))
    assert page.status_code == 200 and world.wse.reference not in page.content.decode()
    assert services.whole_service_enquiries_of(officer, linked.concern) == []
    assert services.whole_service_enquiries_of(world.cast.practitioner, linked.concern) == [world.wse]


def test_the_api_client_is_never_offered_as_a_lead(world):
    from msphub.api import services as api_services
    from msphub.api.models import ApiToken

    token, _ = api_services.create_token(
        world.council, world.home, "Care system", [ApiToken.Scope.RAISE], created_by=world.cast.lead
    )
    client_user = token.client
    assert client_user not in EnquiryForm(council=world.council).fields["lead"].queryset
    with pytest.raises(ValidationError, match="casework staff"):
        services.start_enquiry(
            world.council, world.cast.lead, provider=world.home, lead=client_user, about="x"
        )


def test_personal_pages_are_not_stored(world, client):
    response = _get(client, world.cast.lead, "enquiry", world.wse.reference)
    assert "no-store" in response["Cache-Control"]
