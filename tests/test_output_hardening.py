"""What the app hands out (issue 11, item 5): no spreadsheet formulas from names or imported text,
no caching of anything personal, and HSTS behind HTTPS."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from msphub.accounts.models import Team
from msphub.concerns.models import Concern
from msphub.core.downloads import FORMULA_STARTS, csv_text, spreadsheet_safe
from msphub.measures import exports
from tests.conftest import new_concern

EVIL_TEAM = '=HYPERLINK("http://example.org/x","Click")'


@given(
    st.lists(
        st.lists(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False)), max_size=5), max_size=5
    )
)
def test_no_csv_cell_starts_a_formula(rows):
    text = csv_text(["header"], rows)
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS) or _number(cell), cell


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_spreadsheet_safe_keeps_numbers_and_plain_text():
    assert spreadsheet_safe(-3) == -3
    assert spreadsheet_safe("Riverside") == "Riverside"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("\t=1") == "'\t=1"


@pytest.mark.django_db
def test_a_team_named_like_a_formula_is_text_in_the_dashboard_csv(council, lead):
    team = Team.objects.create(organisation=council, name=EVIL_TEAM)
    concern = new_concern(council)
    Concern.objects.filter(pk=concern.pk).update(team=team)
    client = Client()
    client.force_login(lead)
    response = client.get(reverse("measures:dashboard_csv"), {"period": "this_year", "breakdown": "team"})
    assert response.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode())) for cell in row]
    assert "'" + EVIL_TEAM in cells, cells[:40]
    assert EVIL_TEAM not in cells


def test_the_sac_workbook_writes_no_formula():
    data = {"year": "2025-26", "council": "=EVIL()", "tables": {}, "warnings": ["=1+2 is not a warning"]}
    data["tables"] = {table_id: [] for table_id in exports.TABLE_TITLES}
    book = load_workbook(io.BytesIO(exports.return_xlsx(data)))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value}"


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_are_never_stored(practitioner, signed_in):
    client = Client()
    if signed_in:
        client.force_login(practitioner)
    for url in (reverse("home") if signed_in else reverse("login"), "/no-such-page/"):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], (url, response.get("Cache-Control"))


@pytest.mark.django_db
def test_the_public_concern_form_is_never_stored():
    response = Client().get(reverse("concerns:raise"))
    assert response.status_code in (200, 302)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_hsts_is_sent_over_https_when_cookies_are_secure():
    """The suite runs with DEBUG off, so secure cookies (and with them HSTS) are on."""
    from django.conf import settings

    assert settings.SESSION_COOKIE_SECURE, "the suite runs as production does"
    response = Client().get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


DEMO_WARNING = "Demo data only: do not enter real people's details."


@pytest.mark.parametrize("demo_site", [True, False])
def test_only_a_demo_site_says_its_data_is_demo_data(settings, demo_site):
    """The phase banner's warning is for demo and training sites (DEMO_SITE, on with DEBUG): a live
    site telling its practitioners not to enter real people would be wrong on every page."""
    settings.MSPHUB = {**settings.MSPHUB, "DEMO_SITE": demo_site}
    page = Client().get(reverse("accessibility")).content.decode()
    assert "This is a new service." in page
    assert (DEMO_WARNING in page) is demo_site
