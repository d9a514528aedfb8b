"""The national workbook, the safeguarding lead's sign-off and validation as the national system does
it (issue 12).

1. The XLSX: a Sign Off sheet, one sheet per group of tables with each table under its reference and
   title, the return's row and column labels, white mandatory and blue voluntary cells, a comment box
   under each table, and a Validation sheet.
2. Sign-off: the lead signs a year's return off (an immutable snapshot); nobody else can; the return
   page says who and when, and which cells differ after a record changes.
3. Validation: each check fires, naming its records by reference.

Row and column labels are read from msphub.measures.sac at run time (they are tested against the
guidance in tests/test_sac_return.py).
"""

import csv
import io
import json
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from msphub.core import categories
from msphub.core.models import AccessLog
from msphub.core.periods import FinancialYear
from msphub.enquiries.models import Enquiry
from msphub.measures import exports
from msphub.measures.models import ReturnSignOff
from msphub.measures.sac import ORDERS, SUPPORTED, TABLE_TITLES, TOTAL, build_return
from msphub.measures.validation import MAX_REFERENCES, validate, with_validation
from tests.measures_fixtures import Builder, at

pytestmark = pytest.mark.django_db

YEAR = "2025-26"
FY = FinancialYear.parse(YEAR)
RIAT = "Risk identified and action taken"
EXPRESSED = categories.ASKED_AND_EXPRESSED
LACKED = categories.LACKED_CAPACITY
SIGN_OFF_URL = reverse("measures:sac_sign_off") + f"?year={YEAR}"
SAC_URL = reverse("measures:sac") + f"?year={YEAR}"
JOB = "Head of Safeguarding Adults"


@pytest.fixture
def b(council, lead) -> Builder:
    return Builder(council, lead)


def complete_enquiry(b: Builder, person, team, closed_at, **fields) -> Enquiry:
    """A concluded section 42 enquiry with every SAC item answered."""
    values = dict(
        msp_asked=EXPRESSED,
        achievements=("Fully Achieved",),
        risk_assessment=RIAT,
        risk_outcome="Risk removed",
        capacity=LACKED,
        supported=True,
    )
    values.update(fields)
    return b.enquiry(person, team, closed_at, 20, 1, **values)


@pytest.fixture
def clean_year(b, front_door):
    """Two concluded enquiries and a decided concern in 2025-26 for Riverside: no validation warning."""
    p1 = b.person("Penelope", "Female", FY.start.replace(year=1940))
    p2 = b.person("Percival", "Male", FY.start.replace(year=1950))
    e1 = complete_enquiry(b, p1, front_door, at(2025, 6, 5))
    e2 = complete_enquiry(b, p2, front_door, at(2025, 9, 5), risk_outcome="Risk reduced")
    n1 = b.concern(at(2025, 10, 1), p1, front_door)
    b.decide(n1, "none", 2, pathway="information_advice")
    return e1, e2, n1


def sign_off_post(client, **data):
    return client.post(SIGN_OFF_URL, {"job_title": JOB, "confirm": "on", **data})


def text(response) -> str:
    return response.content.decode()


def workbook(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def find(sheet, value):
    """The first cell whose value is ``value``."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell
    raise AssertionError(f"{value!r} is not on {sheet.title}")


def read_table(sheet, table_id: str):
    """A table as written: its heading cell, column labels, row labels, counts and the cells."""
    heading = find(sheet, f"{table_id} - {TABLE_TITLES[table_id]}")
    top = heading.row
    columns = []
    j = 2
    while sheet.cell(row=top + 1, column=j).value is not None:
        columns.append(sheet.cell(row=top + 1, column=j).value)
        j += 1
    rows, cells = [], {}
    i = top + 2
    while sheet.cell(row=i, column=1).value not in (None, exports.COMMENTS):
        rows.append(sheet.cell(row=i, column=1).value)
        for j, column in enumerate(columns, start=2):
            cells[(rows[-1], column)] = sheet.cell(row=i, column=j)
        i += 1
    return heading, columns, rows, cells, i


# --- 1. The workbook -------------------------------------------------------------------------------


def test_the_workbook_has_the_templates_sheets(clean_year, council):
    data = with_validation(build_return(FY, council), FY, council)
    book = workbook(exports.return_xlsx(data, council_name=council.name))
    assert book.sheetnames[0].startswith("Sign Off")
    groups = list(dict.fromkeys(table_id[:3] for table_id in TABLE_TITLES))
    assert groups[:4] == ["SG1", "SG2", "SG3", "SG4"]
    assert book.sheetnames == ["Sign Off", *groups, "Validation", "Warnings"]


def test_each_table_has_its_reference_title_labels_counts_and_comment_box(clean_year, council):
    data = build_return(FY, council)
    book = workbook(exports.return_xlsx(data, council_name=council.name))
    for table_id in TABLE_TITLES:
        sheet = book[table_id[:3]]
        heading, columns, rows, cells, after = read_table(sheet, table_id)
        expected_rows, expected_columns = ORDERS[table_id]
        assert heading.font.bold, table_id
        assert columns == expected_columns, table_id
        assert rows == expected_rows, table_id
        counted = {(c["row"], c["column"]): c["count"] for c in data["tables"][table_id]}
        for key, cell in cells.items():
            assert type(cell.value) is int, (table_id, key, cell.value)  # exact, numeric
            assert cell.value == counted.get(key, 0), (table_id, key)
        # The comment box: "Comments", then a bordered merged cell as wide as the table.
        assert sheet.cell(row=after + 1, column=1).value == exports.COMMENTS, table_id
        merged = [r for r in sheet.merged_cells.ranges if r.min_row == after + 2 and r.min_col == 1]
        assert len(merged) == 1, table_id
        box = merged[0]
        assert box.max_col == len(columns) + 1 and box.max_row - box.min_row == 3, (table_id, box)
        corner = sheet.cell(row=box.min_row, column=1)
        assert corner.border.left.style == "thin" and corner.border.top.style == "thin"
    # The counts of the fixture are in place (two section 42 enquiries concluded).
    _, _, _, sg2c, _ = read_table(book["SG2"], "SG2c")
    assert sg2c[(RIAT, TOTAL)].value == 2


def fill(cell) -> str:
    return cell.fill.fgColor.rgb[-6:]


def test_mandatory_cells_are_white_and_voluntary_cells_blue(clean_year, council):
    book = workbook(exports.return_xlsx(build_return(FY, council)))
    concerns, s42, other = ORDERS["SG1a"][0]
    _, _, _, cells, _ = read_table(book["SG1"], "SG1a")
    for (row, column), cell in cells.items():
        # The guidance: concerns (voluntary), section 42 enquiries (mandatory), other (voluntary).
        assert fill(cell) == (exports.WHITE if row == s42 else exports.BLUE), (row, column)
        assert cell.fill.fill_type == "solid"
    assert {fill(c) for (r, _), c in cells.items() if r in (concerns, other)} == {exports.BLUE}
    _, _, _, sg2c, _ = read_table(book["SG2"], "SG2c")
    assert {fill(c) for c in sg2c.values()} == {exports.WHITE}


def test_the_sign_off_sheet_says_not_signed_off_without_a_sign_off(clean_year, client, lead, council):
    client.force_login(lead)
    response = client.get(reverse("measures:sac_download", args=["xlsx"]), {"year": YEAR})
    assert response.status_code == 200
    sheet = workbook(response.content)["Sign Off"]
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]}
    assert values["Council"] == "Riverside Council"
    assert values["Council code"] == "E06000901"
    assert values["Reporting year"] == YEAR
    assert values["Status"] == "Not signed off"
    assert values["Statement"] == "Not signed off"
    assert values["Name of the person signing off"] is None
    assert values["Job title"] is None and values["Date signed off"] is None


def test_the_sign_off_sheet_is_filled_from_the_leads_sign_off(clean_year, client, lead):
    client.force_login(lead)
    assert sign_off_post(client).status_code == 302
    response = client.get(reverse("measures:sac_download", args=["xlsx"]), {"year": YEAR})
    sheet = workbook(response.content)["Sign Off"]
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]}
    sign_off = ReturnSignOff.objects.get()
    assert values["Status"] == "Signed off"
    assert values["Council"] == "Riverside Council" and values["Council code"] == "E06000901"
    assert values["Reporting year"] == YEAR
    assert values["Name of the person signing off"] == "Sam Tester" == sign_off.signed_off_by_name
    assert values["Job title"] == JOB
    assert values["Date signed off"].date() == timezone.localdate()
    assert values["Statement"] == sign_off.statement
    assert "1 April 2025" in sign_off.statement and "31 March 2026" in sign_off.statement
    assert "Changes since sign-off" not in values


def test_every_format_carries_the_validation(b, client, lead, council, front_door):
    p = b.person("Penelope", "Female", None)
    e = complete_enquiry(b, p, front_door, at(2025, 6, 5), risk_outcome="")
    client.force_login(lead)
    url = reverse("measures:sac_download", args=["json"])
    message = (
        "SG2e totals 0 but SG2c has 1 concluded section 42 enquiries where the risk was identified and "
        "action taken: they should be equal. Enquiries with no risk outcome recorded are listed."
    )
    warning = f"{message} References: {e.reference}"
    # JSON keeps its keys: the check follows the return's own warnings, naming the enquiry.
    data = json.loads(client.get(url, {"year": YEAR}).content)
    assert list(data) == ["year", "council", "tables", "warnings"]
    assert data["warnings"] == [
        "1 people with concerns have no date of birth (counted as Age unknown).",
        warning,
    ]
    # CSV: after the cells, one line for the check (its records counted).
    lines = list(csv.reader(io.StringIO(client.get(url.replace("json", "csv"), {"year": YEAR}).text)))
    assert [line for line in lines if line[2] == "Validation"] == [
        [YEAR, "E06000901", "Validation", "SG2e_SG2c", warning, "1"]
    ]
    assert lines[-1][2] == "Validation"
    # XLSX: the Validation sheet, the return's own warnings on the Warnings sheet.
    book = workbook(client.get(url.replace("json", "xlsx"), {"year": YEAR}).content)
    assert book.sheetnames == ["Sign Off", "SG1", "SG2", "SG3", "SG4", "Validation", "Warnings"]
    rows = list(book["Validation"].iter_rows(min_row=2, values_only=True))
    assert rows == [("SG2e_SG2c", message, e.reference, 1)]
    warnings = [r[0] for r in book["Warnings"].iter_rows(min_row=2, values_only=True)]
    assert warnings == ["1 people with concerns have no date of birth (counted as Age unknown)."]


# --- 2. Sign-off -------------------------------------------------------------------------------------


def test_the_lead_signs_the_return_off(clean_year, client, lead, council):
    client.force_login(lead)
    page = client.get(SIGN_OFF_URL)
    assert page.status_code == 200
    assert "Sign off the Safeguarding Adults Collection 2025-26" in text(page)
    assert "I confirm that the figures in this return" in text(page)
    response = sign_off_post(client)
    assert response.status_code == 302 and response["Location"] == SAC_URL
    sign_off = ReturnSignOff.objects.get()
    assert (sign_off.council, sign_off.year, sign_off.signed_off_by) == (council, YEAR, lead)
    assert sign_off.job_title == JOB
    # The snapshot is the whole return as counted then, with its validation.
    assert sign_off.cells == with_validation(build_return(FY, council), FY, council)
    # Logged: who signed which return off, from which page.
    entry = AccessLog.objects.get(record_type="measures.returnsignoff")
    assert (entry.user, entry.record_id, entry.record_reference) == (
        lead,
        sign_off.uuid,
        "SAC-2025-26-E06000901",
    )
    page = text(client.get(SAC_URL))
    assert "The 2025-26 return is signed off" in page
    assert "Sam Tester, Head of Safeguarding Adults" in page
    assert "The return as counted now is the return that was signed off." in page


@pytest.mark.parametrize("persona", ["practitioner", "manager", "board_viewer", "partner_referrer"])
def test_nobody_but_the_lead_signs_off(clean_year, client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(SIGN_OFF_URL).status_code == 404
    assert sign_off_post(client).status_code == 404
    assert not ReturnSignOff.objects.exists()
    if persona != "partner_referrer":  # the return page opens, without the sign-off link
        page = client.get(SAC_URL)
        assert page.status_code == 200 and reverse("measures:sac_sign_off") not in text(page)


def test_another_councils_lead_signs_off_only_their_own_return(
    clean_year, client, lead, other_council_user, other_council, council
):
    client.force_login(other_council_user)
    assert sign_off_post(client).status_code == 302
    sign_off = ReturnSignOff.objects.get()
    assert sign_off.council == other_council and sign_off.cells["council"] == other_council.ons_code
    assert ReturnSignOff.objects.latest_for(council, FY) is None
    client.force_login(lead)
    page = text(client.get(SAC_URL))
    assert "The 2025-26 return has not been signed off." in page and "Otto" not in page


def test_sign_off_refuses_invalid_answers(clean_year, client, lead):
    client.force_login(lead)
    response = client.post(SIGN_OFF_URL, {"job_title": "  "})
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page and "govuk-error-summary" in page
    assert "Enter your job title" in page
    assert "Confirm that you are signing off the return" in page
    response = client.post(SIGN_OFF_URL, {"job_title": "x" * 201, "confirm": "on"})
    assert "Your job title must be 200 characters or fewer" in text(response)
    assert not ReturnSignOff.objects.exists()


def test_a_year_not_yet_ended_cannot_be_signed_off(client, lead):
    client.force_login(lead)
    current = FinancialYear.current()
    response = client.post(
        reverse("measures:sac_sign_off") + f"?year={current}", {"job_title": JOB, "confirm": "on"}
    )
    assert response.status_code == 200
    assert f"You can sign off the {current} return once the year has ended" in text(response)
    assert not ReturnSignOff.objects.exists()
    assert client.get(reverse("measures:sac_sign_off") + "?year=not-a-year").status_code == 404


def test_a_sign_off_is_immutable_and_a_resubmission_adds_one(clean_year, client, lead, council):
    client.force_login(lead)
    sign_off_post(client)
    first = ReturnSignOff.objects.get()
    first.job_title = "Changed"
    with pytest.raises(TypeError):
        first.save()
    with pytest.raises(TypeError):
        first.delete()
    with pytest.raises(TypeError):
        ReturnSignOff.objects.filter(pk=first.pk).update(job_title="Changed")
    with pytest.raises(TypeError):
        ReturnSignOff.objects.all().delete()
    first.refresh_from_db()
    assert first.job_title == JOB
    sign_off_post(client, job_title="Director of Adult Social Care")
    assert ReturnSignOff.objects.count() == 2
    latest = ReturnSignOff.objects.latest_for(council, FY)
    assert latest is not None and latest.job_title == "Director of Adult Social Care" and latest != first
    assert "Director of Adult Social Care" in text(client.get(SAC_URL))


def test_cells_that_differ_after_a_record_changes(clean_year, client, lead, board_viewer, council):
    e1, e2, _ = clean_year
    client.force_login(lead)
    sign_off_post(client)
    snapshot = ReturnSignOff.objects.get().cells
    # The second enquiry's risk outcome is corrected after sign-off: reduced, not removed.
    Enquiry.objects.filter(pk=e2.pk).update(risk_outcome="Risk removed")
    sign_off = ReturnSignOff.objects.get()
    assert sign_off.cells == snapshot, "the snapshot does not change with the records"
    differences = sign_off.differences(build_return(FY, council))
    assert differences == [
        {"table": "SG2e", "row": "Risk reduced", "column": TOTAL, "signed_off": 1, "now": 0},
        {"table": "SG2e", "row": "Risk removed", "column": TOTAL, "signed_off": 1, "now": 2},
    ]
    for user in (lead, board_viewer):
        client.force_login(user)
        page = text(client.get(SAC_URL))
        assert "2 cells now differ from the signed-off return." in page
        assert '<td class="govuk-table__cell">Risk reduced</td>' in page
    client.force_login(lead)
    book = workbook(client.get(reverse("measures:sac_download", args=["xlsx"]), {"year": YEAR}).content)
    values = {r[0]: r[1] for r in book["Sign Off"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert values["Changes since sign-off"].startswith("2 cells now differ from the signed-off return")


# --- 3. Validation -------------------------------------------------------------------------------------


def checks(council, result=None) -> dict[str, dict]:
    result = result if result is not None else build_return(FY, council)
    return {w["check"]: w for w in validate(result, FY, council)}


def test_a_clean_year_has_no_validation_warnings(clean_year, council):
    assert checks(council) == {}


def test_sg2e_against_sg2c(clean_year, b, council, front_door):
    p = b.person("Pat", "Male", None)
    missing = complete_enquiry(b, p, front_door, at(2025, 11, 1), risk_outcome="")
    found = checks(council)
    assert list(found) == ["SG2e_SG2c"]
    assert found["SG2e_SG2c"]["references"] == [missing.reference]
    assert "SG2e totals 2 but SG2c has 3" in found["SG2e_SG2c"]["message"]


def test_sg4a_achieved_against_expressed(clean_year, b, council, front_door):
    p = b.person("Pat", "Male", None)
    ungraded = complete_enquiry(b, p, front_door, at(2025, 11, 1), achievements=())
    found = checks(council)
    assert list(found) == ["SG4a_achieved_expressed"]
    assert found["SG4a_achieved_expressed"]["references"] == [ungraded.reference]
    assert "total 2 but 3" in found["SG4a_achieved_expressed"]["message"]


def test_sg3a_supported_against_lacking_capacity(clean_year, council):
    e1, e2, _ = clean_year
    result = build_return(FY, council)
    for cell in result["tables"]["SG3a"]:
        if (cell["row"], cell["column"]) == (LACKED, SUPPORTED):
            cell["count"] = 5
    found = checks(council, result)
    assert list(found) == ["SG3a_supported_lacked"]
    assert found["SG3a_supported_lacked"]["references"] == sorted([e1.reference, e2.reference])


def test_sg3a_support_not_recorded(clean_year, b, council, front_door):
    p = b.person("Pat", "Male", None)
    unknown = complete_enquiry(b, p, front_door, at(2025, 11, 1), supported=None)
    found = checks(council)
    assert list(found) == ["SG3a_support_not_recorded"]
    assert found["SG3a_support_not_recorded"]["references"] == [unknown.reference]


def test_sg1a_section_42_individuals_not_more_than_sg1f_enquiries(clean_year, council):
    result = build_return(FY, council)
    s42_enquiries = ORDERS["SG1f"][0][1]
    for cell in result["tables"]["SG1f"]:
        if cell["row"] == s42_enquiries:
            cell["count"] = 1
    found = checks(council, result)
    assert list(found) == ["SG1a_SG1f"]
    assert (
        "SG1a counts 2 individuals in section 42 enquiries but SG1f only 1" in found["SG1a_SG1f"]["message"]
    )
    assert found["SG1a_SG1f"]["references"] == []


def test_concerns_undecided_at_year_end(clean_year, b, council, other_council, front_door):
    p = b.person("Pat", "Male", None)
    none_at_all = b.concern(at(2026, 3, 1), p, front_door)
    not_signed_off = b.concern(at(2026, 3, 2), p, front_door)
    b.decide(not_signed_off, "none", None, pathway="nfa")
    signed_off_late = b.concern(at(2026, 3, 30), p, front_door)
    b.decide(signed_off_late, "none", 3, pathway="information_advice")  # 2 April 2026
    b.concern(at(2025, 3, 30), p, front_door)  # the year before: not this year's
    Builder(other_council, b.user).concern(at(2026, 3, 1), council=other_council)  # Hillside's
    found = checks(council)
    assert list(found) == ["undecided_concerns"]
    warning = found["undecided_concerns"]
    assert warning["references"] == [
        none_at_all.reference,
        not_signed_off.reference,
        signed_off_late.reference,
    ]
    assert warning["message"].startswith(
        "3 concerns received in 2025-26 had no signed-off decision at 31 March 2026"
    )
    assert all(r.startswith("CON-") for r in warning["references"])


def test_concerns_set_aside_or_about_another_area_are_named_and_left_out(clean_year, b, council, front_door):
    """Issue 12: a concern entered in error, a duplicate, or about abuse in another council's area
    leaves the return, with a warning naming it; neither SG1f nor the undecided check counts it."""
    from msphub.concerns.models import Concern

    p = b.person("Pat", "Male", None)
    error, duplicate, elsewhere = (b.concern(at(2026, 1, d), p, front_door) for d in (5, 6, 7))
    b.decide(error, "none", 2, pathway="information_advice")
    b.decide(duplicate, "none", 2, pathway="information_advice")
    b.decide(elsewhere, "none", 2, pathway="information_advice")
    counted_before = _cells_of(build_return(FY, council), "SG1f")
    Concern.objects.filter(pk=error.pk).update(set_aside="error", set_aside_reason="Typed twice")
    Concern.objects.filter(pk=duplicate.pk).update(
        set_aside="duplicate", set_aside_reason="Same call", duplicate_of=clean_year[2]
    )
    Concern.objects.filter(pk=elsewhere.pk).update(other_area="Hillside")
    found = checks(council)
    assert list(found) == ["set_aside_concerns", "other_area_concerns"]
    assert found["set_aside_concerns"]["references"] == [error.reference, duplicate.reference]
    assert found["other_area_concerns"]["references"] == [elsewhere.reference]
    assert found["other_area_concerns"]["message"] == (
        "1 concern received in 2025-26 about abuse that occurred in another council's area is left out "
        "of this return, for that council to count."
    )
    concerns_row = ORDERS["SG1f"][0][0]
    after = _cells_of(build_return(FY, council), "SG1f")
    assert after[(concerns_row, TOTAL)] == counted_before[(concerns_row, TOTAL)] - 3


def _cells_of(result, table_id):
    return {(c["row"], c["column"]): c["count"] for c in result["tables"][table_id]}


def test_closures_awaiting_sign_off_at_year_end(clean_year, b, council, front_door):
    p = b.person("Pat", "Male", None)
    waiting = complete_enquiry(
        b, p, front_door, None, status=Enquiry.Status.CLOSURE_REQUESTED, started_at=at(2026, 1, 5)
    )
    signed_late = complete_enquiry(b, p, front_door, at(2026, 4, 3), started_at=at(2026, 1, 6))
    asked_late = complete_enquiry(
        b, p, front_door, None, status=Enquiry.Status.CLOSURE_REQUESTED, started_at=at(2026, 1, 7)
    )
    Enquiry.objects.filter(pk=waiting.pk).update(closure_requested_at=at(2026, 3, 20))
    Enquiry.objects.filter(pk=signed_late.pk).update(closure_requested_at=at(2026, 3, 25))
    Enquiry.objects.filter(pk=asked_late.pk).update(closure_requested_at=at(2026, 4, 2))  # after the year
    found = checks(council)
    assert "closures_awaiting_sign_off" in found
    warning = found["closures_awaiting_sign_off"]
    assert warning["references"] == [waiting.reference, signed_late.reference]
    assert all(r.startswith("ENQ-") for r in warning["references"])
    assert warning["message"].startswith(
        "2 enquiries had a closure awaiting a team manager's sign-off at 31 March 2026"
    )


def test_references_are_capped(b, council):
    concerns = [b.concern(at(2025, 5, 1) + timedelta(minutes=i)) for i in range(MAX_REFERENCES + 2)]
    (warning,) = validate(build_return(FY, council), FY, council)
    assert warning["check"] == "undecided_concerns"
    assert warning["references"] == sorted(c.reference for c in concerns)[:MAX_REFERENCES]
    assert warning["more"] == 2
    assert warning["message"].startswith(f"{MAX_REFERENCES + 2} concerns")
    assert exports.reference_text(warning).endswith(" and 2 more")


def test_the_return_page_shows_validation_with_references_to_staff_only(
    b, client, council, lead, board_viewer
):
    concern = b.concern(at(2025, 5, 1))
    client.force_login(lead)
    page = text(client.get(SAC_URL))
    assert "1 concern received in 2025-26 had no signed-off decision at 31 March 2026" in page
    assert concern.reference in page
    client.force_login(board_viewer)
    page = text(client.get(SAC_URL))
    assert "1 concern received in 2025-26 had no signed-off decision" in page
    assert concern.reference not in page, "a Board viewer sees counts, never a record"


def test_the_return_as_signed_off_downloads_unchanged_after_records_change(
    clean_year, client, lead, board_viewer
):
    _, e2, _ = clean_year
    client.force_login(lead)
    url = reverse("measures:sac_download", args=["json"])
    assert client.get(url, {"year": YEAR, "version": "signed-off"}).status_code == 404  # not signed off
    sign_off_post(client)
    signed = ReturnSignOff.objects.get()
    assert signed.cells["warnings"] == [] and signed.cells["validation"] == []  # a clean year
    # The snapshot in the JSON's shape (year, council, tables, warnings), no warning of either kind.
    as_signed = {key: signed.cells[key] for key in ("year", "council", "tables")} | {"warnings": []}
    Enquiry.objects.filter(pk=e2.pk).update(risk_outcome="Risk removed")
    response = client.get(url, {"year": YEAR, "version": "signed-off"})
    assert response.status_code == 200
    assert "sac-2025-26-E06000901-signed-off.json" in response["Content-Disposition"]
    assert json.loads(response.content) == as_signed
    now = json.loads(client.get(url, {"year": YEAR}).content)
    assert list(now) == list(as_signed) and now["tables"] != as_signed["tables"]
    response = client.get(url.replace("json", "xlsx"), {"year": YEAR, "version": "signed-off"})
    values = {
        r[0]: r[1]
        for r in workbook(response.content)["Sign Off"].iter_rows(min_row=4, values_only=True)
        if r[0]
    }
    assert values["Status"] == "Signed off" and "Changes since sign-off" not in values
    page = text(client.get(SAC_URL))
    assert "version=signed-off" in page
    client.force_login(board_viewer)
    assert client.get(url, {"year": YEAR, "version": "signed-off"}).status_code == 404
    assert "version=signed-off" not in text(client.get(SAC_URL))
