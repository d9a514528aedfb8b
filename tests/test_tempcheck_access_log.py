"""Every temperature-check page that shows a round's answers writes an access-log entry, as every page
showing a record does (docs/security.md); a download writes one entry, as a download."""

import pytest

from msphub.accounts.models import Organisation, Role, User
from msphub.core.models import AccessLog
from msphub.tempcheck import importer, instruments
from msphub.tempcheck.models import Round
from msphub.tempcheck.report_views import DOWNLOAD
from tests.conftest import per_test

SLUG = "national-2016"
ROUND = f"/tempcheck/rounds/{SLUG}/"
CODING = f"{ROUND}coding/msp_meaning/"
# The pages a national lead opens on the national round, each showing its councils or their answers.
LEAD_PAGES = [
    ROUND,
    f"{ROUND}details/",
    f"{ROUND}named/",
    f"{ROUND}notes/",
    f"{ROUND}conversations/N16-001/",
    f"{ROUND}report/",
    CODING,
    f"{CODING}codebook/",
    f"{CODING}sample/",
    f"{CODING}agreement/",
    f"{CODING}reconcile/",
    f"{CODING}quotes/",
]


@pytest.fixture(scope="module")
def world_once(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        network = Organisation.objects.create(name="ADASS", kind="network", region="", national=True)
        lead = User.objects.create_user(
            "national_lead", password="x-very-long-pass", organisation=network, role=Role.REGIONAL_LEAD
        )
        interviewer = User.objects.create_user("ivy", password="x-very-long-pass", role=Role.INTERVIEWER)
        national = importer.create_round(
            SLUG,
            "National 2016",
            instruments.load_shipped("instrument-2016.yaml"),
            (instruments.SHIPPED / "national-2016-responses.csv").read_bytes(),
        )
        national.interviewers.add(interviewer)
        yield {"lead": lead, "interviewer": interviewer}
        Round.objects.all().delete()
        User.objects.all().delete()
        Organisation.objects.all().delete()


@pytest.fixture
def world(world_once, db):
    return per_test(world_once)


def _logged(user: User, page: str) -> list[AccessLog]:
    return list(AccessLog.objects.filter(user=user, page=page))


@pytest.mark.parametrize("page", LEAD_PAGES)
def test_each_page_showing_the_rounds_answers_logs_the_view(client, world, page):
    lead = world["lead"]
    client.force_login(lead)
    assert client.get(page).status_code == 200, page
    (entry,) = _logged(lead, page)
    assert (entry.record_type, entry.record_reference, entry.record_id) == ("tempcheck.round", SLUG, None)


@pytest.mark.parametrize("page", [f"{ROUND}conversations/N16-001/", CODING])
def test_an_interviewers_pages_are_logged_too(client, world, page):
    interviewer = world["interviewer"]
    client.force_login(interviewer)
    assert client.get(page).status_code == 200, page
    assert len(_logged(interviewer, page)) == 1


def test_a_download_is_logged_once_as_a_download(client, world):
    lead = world["lead"]
    client.force_login(lead)
    assert client.get(f"{ROUND}report/?format=csv").status_code == 200
    entries = list(AccessLog.objects.filter(user=lead))
    assert [(e.record_type, e.record_reference) for e in entries] == [(DOWNLOAD, SLUG)]


def test_a_refused_page_writes_nothing(client, world):
    outsider = User.objects.create_user("other_ivy", password="x-very-long-pass", role=Role.INTERVIEWER)
    client.force_login(outsider)
    assert client.get(f"{ROUND}conversations/N16-001/").status_code == 404
    assert not AccessLog.objects.exists()
