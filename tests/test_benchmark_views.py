"""Benchmarking pages (msphub/benchmarks/views.py): who sees which council, the form's errors, the
CSV and PDF, the lead's file download and the regional lead's upload. The permission matrix
(tests/test_permission_matrix.py) also covers every URL for every persona.
"""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from msphub.accounts.models import Organisation, Role, User
from msphub.benchmarks.files import validate
from msphub.benchmarks.importer import Upload, import_files
from msphub.benchmarks.models import BenchmarkSubmission
from msphub.benchmarks.views import CSV_COLUMNS
from tests.benchmark_fixtures import LONDON, NORTH_WEST, YEAR, C, benchmark_file, four_councils

pytestmark = pytest.mark.django_db

INDEX = reverse("benchmarks:index")
CSV_URL = reverse("benchmarks:comparison_csv")
PDF_URL = reverse("benchmarks:comparison_pdf")
OUR_FILE = reverse("benchmarks:our_file")
IMPORT = reverse("benchmarks:import")
RIVERSIDE, HILLSIDE = "E06000901", "E06000902"


def user(username: str, organisation: Organisation | None, role: str) -> User:
    return User.objects.create_user(username=username, password="x", organisation=organisation, role=role)


@pytest.fixture
def files_imported(council, other_council):
    """The four councils of benchmark_fixtures, plus Riverside's and Hillside's own files."""
    riverside = benchmark_file(
        RIVERSIDE, "Riverside Council", NORTH_WEST, measures={"asked_about_outcomes": (30, 40, 75.0)}
    )
    hillside = benchmark_file(
        HILLSIDE, "Hillside Council", NORTH_WEST, measures={"asked_about_outcomes": (C, 5, C)}
    )
    files = [*four_councils(), riverside, hillside]
    import_files(
        [Upload(f"{f['council']['ons_code']}.json", json.dumps(f).encode()) for f in files],
        imported_by_name="t",
    )


@pytest.fixture
def london_lead(db) -> User:
    network = Organisation.objects.create(name="London network", kind="network", region=LONDON)
    return user("london_lead", network, Role.REGIONAL_LEAD)


@pytest.fixture
def national_lead(db) -> User:
    network = Organisation.objects.create(name="National network", kind="network", region="", national=True)
    return user("national_lead", network, Role.REGIONAL_LEAD)


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.parametrize("persona", ["practitioner", "manager", "lead", "board_viewer"])
def test_council_staff_and_board_see_their_council_against_region_and_england(
    client, files_imported, persona, request
):
    client.force_login(request.getfixturevalue(persona))
    page = text(client.get(INDEX))
    assert "Riverside Council, 2025-26" in page and "Imported benchmark files" in page
    assert "75.0%" in page and "30 of 40" in page
    # 75.0%: behind Alpha and Beta (80.0%) in the North West (Hillside's [c] is not ranked), and
    # Epsilon (90.0%) too in England.
    assert "3 of 4" in page and "4 of 5" in page
    # Other councils' names never show to a council: only aggregates.
    for name in ("Hillside Council", "Alpha Council", "Epsilon Council"):
        assert name not in page


def test_wrong_organisation_and_roles_get_404(
    client, files_imported, partner_referrer, other_council_user, london_lead
):
    client.force_login(other_council_user)  # Hillside's lead: Hillside only
    assert client.get(INDEX, {"council": RIVERSIDE}).status_code == 404
    assert client.get(CSV_URL, {"council": RIVERSIDE}).status_code == 404
    assert "Hillside Council, 2025-26" in text(client.get(INDEX))
    client.force_login(london_lead)
    for url in (INDEX, CSV_URL, PDF_URL):
        assert client.get(url, {"council": RIVERSIDE}).status_code == 404
    for outsider in (
        partner_referrer,
        user("ivan", None, Role.INTERVIEWER),
        User.objects.create_superuser("root"),
    ):
        client.force_login(outsider)
        for url in (INDEX, CSV_URL, PDF_URL, IMPORT):
            assert client.get(url).status_code == 404, (outsider, url)


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(INDEX)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_regional_lead_chooses_any_council_of_the_region(client, files_imported, london_lead, national_lead):
    client.force_login(london_lead)
    page = text(client.get(INDEX))
    assert "Epsilon Council, 2025-26" in page
    assert "Alpha Council" not in page
    client.force_login(national_lead)
    page = text(client.get(INDEX, {"council": "E08000003"}))
    assert "Gamma Council, 2025-26" in page
    assert "Alpha Council (North West)" in page and "Epsilon Council (London)" in page  # the council choices


def test_invalid_input_shows_the_error_summary(client, files_imported, board_viewer):
    client.force_login(board_viewer)
    page = text(client.get(INDEX, {"year": "2025-27", "source": "elsewhere"}))
    assert "There is a problem" in page
    assert "Select a financial year from the list" in page and "Select where the figures come from" in page
    assert client.get(CSV_URL, {"year": "2025-27"}).status_code == 404


def test_without_imported_files_the_figures_come_from_this_database(
    client, council, other_council, board_viewer
):
    client.force_login(board_viewer)
    page = text(client.get(INDEX, {"year": YEAR}))
    assert "Councils in this database" in page and "Riverside Council, 2025-26" in page
    assert "2 councils in the region and 2 in England" in page
    page = text(client.get(INDEX, {"year": YEAR, "source": "imported"}))
    assert "No benchmark file for Riverside Council has been imported for 2025-26" in page


def test_csv_and_pdf(client, files_imported, lead):
    client.force_login(lead)
    response = client.get(CSV_URL, {"year": YEAR})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"benchmark-{YEAR}-{RIVERSIDE}-imported.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == CSV_COLUMNS
    asked = next(r for r in rows if r["id"] == "asked_about_outcomes")
    assert (asked["council_value"], asked["council_numerator"], asked["council_denominator"]) == (
        "75.0",
        "30",
        "40",
    )
    assert asked["rank_in_england"] and asked["region"] == NORTH_WEST
    assert {r["ons_code"] for r in rows} == {RIVERSIDE}
    response = client.get(PDF_URL, {"year": YEAR})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_lead_downloads_the_councils_benchmark_file(client, council, lead, practitioner, board_viewer):
    client.force_login(lead)
    response = client.get(OUR_FILE, {"year": YEAR})
    assert response.status_code == 200
    assert f"benchmark-{YEAR}-{RIVERSIDE}.json" in response["Content-Disposition"]
    parsed = validate("download", json.loads(response.content))
    assert (parsed.ons_code, parsed.year) == (RIVERSIDE, YEAR)
    assert client.get(OUR_FILE, {"year": "2025"}).status_code == 404
    for other in (practitioner, board_viewer):
        client.force_login(other)
        assert client.get(OUR_FILE, {"year": YEAR}).status_code == 404


def upload(*files: dict, name: str | None = None) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(
            name or f"{f['council']['ons_code']}.json", json.dumps(f).encode(), "application/json"
        )
        for f in files
    ]


def test_the_regional_lead_imports_files_of_the_region(client, london_lead):
    client.force_login(london_lead)
    assert text(client.get(IMPORT))
    files = upload(
        benchmark_file("E09000001", "Epsilon Council", LONDON),
        benchmark_file("E09000002", "Zeta Council", LONDON),
    )
    response = client.post(IMPORT, {"files": files})
    assert response.status_code == 302 and response["Location"] == f"{INDEX}?source=imported&year={YEAR}"
    assert sorted(BenchmarkSubmission.objects.values_list("council_name", flat=True)) == [
        "Epsilon Council",
        "Zeta Council",
    ]
    assert {s.imported_by for s in BenchmarkSubmission.objects.all()} == {london_lead}
    # Again without "replace": refused, saying how to replace.
    page = text(
        client.post(IMPORT, {"files": upload(benchmark_file("E09000001", "Epsilon Council", LONDON))})
    )
    assert "Nothing was saved" in page and "was imported already" in page and "Replace a council" in page
    response = client.post(
        IMPORT, {"files": upload(benchmark_file("E09000001", "Epsilon Council", LONDON)), "replace": "on"}
    )
    assert response.status_code == 302 and BenchmarkSubmission.objects.count() == 2


def test_an_upload_is_refused_whole(client, london_lead):
    client.force_login(london_lead)
    good = benchmark_file("E09000001", "Epsilon Council", LONDON)
    other_region = benchmark_file("E08000001", "Alpha Council", NORTH_WEST)
    page = text(client.post(IMPORT, {"files": upload(good, other_region)}))
    assert "Alpha Council is in the region &#x27;North West&#x27;, not yours (&#x27;London&#x27;)" in page
    broken = upload(good, name="broken.json")
    broken[0] = SimpleUploadedFile("broken.json", b"{ nope", "application/json")
    page = text(client.post(IMPORT, {"files": [*upload(good), *broken]}))
    assert "broken.json: not valid JSON" in page
    page = text(client.post(IMPORT, {}))
    assert "There is a problem" in page and "Choose one or more benchmark files" in page
    assert not BenchmarkSubmission.objects.exists()


def test_pages_change_nothing_on_get_and_refuse_post(client, files_imported, board_viewer):
    client.force_login(board_viewer)
    assert client.post(INDEX).status_code == 405
    assert client.post(CSV_URL).status_code == 405


def test_a_regional_lead_cannot_take_over_another_regions_council(client, files_imported, london_lead):
    """A file for a North West council that claims to be in London is refused, replace or not, and
    the North West's figures stay as they were."""
    before = BenchmarkSubmission.objects.get(ons_code="E08000001")
    client.force_login(london_lead)
    claimed = upload(benchmark_file("E08000001", "Alpha Council", LONDON))
    page = text(client.post(IMPORT, {"files": claimed, "replace": "on"}))
    assert "Nothing was saved" in page and "is held for another region" in page
    assert (
        "was imported already, on" not in page
    )  # who imported another region's figures, and when, stays private
    after = BenchmarkSubmission.objects.get(ons_code="E08000001")
    assert (after.pk, after.region) == (before.pk, NORTH_WEST)
