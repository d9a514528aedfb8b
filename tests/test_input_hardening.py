"""Input hardening (issue 11, item 4): no input causes a 500; bad input gets a clear, specific message.

Dates: the day, month and year boxes of every GOV.UK date input (a day of 99999999999999999999 raised
OverflowError, also on the public concern form). Imports: benchmark files (JSON) and the temperature
check's responses (CSV) are bounded in size, nesting, field length and rows, and refuse NUL
characters, each with a message saying where. The fuzz tests at the end feed arbitrary input to the
same parsing and assert it either succeeds or is refused cleanly (ValidationError, ImportRefused).
"""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msphub.accounts.models import Organisation, Role, User
from msphub.benchmarks import files as benchmark_files
from msphub.benchmarks.importer import Upload, import_files
from msphub.benchmarks.models import BenchmarkSubmission
from msphub.concerns.forms import AboutAdultForm
from msphub.core import imports
from msphub.core.forms import GovukDateField
from msphub.core.imports import ImportRefused
from msphub.people.models import Person
from msphub.tempcheck import instruments
from msphub.tempcheck.importer import create_baseline, parse_responses
from msphub.tempcheck.models import Answer, Instrument, Round
from tests.benchmark_fixtures import LONDON, NORTH_WEST, benchmark_file
from tests.test_raise_journey import assert_error_page, date_parts, start, step_url

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # the penetration test's day: OverflowError in date()
MB = 1024 * 1024
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# --- Dates ----------------------------------------------------------------------------------------------

# (day, month, year) -> the message, for a field whose errors name it "Date of birth".
BAD_DATES = [
    pytest.param(HUGE, "5", "1950", "Date of birth must be a real date", id="huge-day"),
    pytest.param("17", HUGE, "1950", "Date of birth must be a real date", id="huge-month"),
    pytest.param("17", "5", HUGE, "Year must include 4 numbers", id="huge-year"),
    pytest.param("9" * 5000, "5", "1950", "Date of birth must be a real date", id="5000-digit-day"),
    pytest.param("0", "5", "1950", "Date of birth must be a real date", id="day-0"),
    pytest.param("32", "5", "1950", "Date of birth must be a real date", id="day-32"),
    pytest.param("17", "0", "1950", "Date of birth must be a real date", id="month-0"),
    pytest.param("17", "13", "1950", "Date of birth must be a real date", id="month-13"),
    pytest.param("-1", "5", "1950", "Date of birth must be a real date", id="negative-day"),
    pytest.param("\u0661\u0667", "5", "1950", "Date of birth must be a real date", id="arabic-indic-digits"),
    pytest.param("\u00b2", "5", "1950", "Date of birth must be a real date", id="superscript-digit"),
    pytest.param("1\x00", "5", "1950", "Date of birth must be a real date", id="nul"),
    pytest.param(
        "17", "5", "\uff11\uff19\uff15\uff10", "Date of birth must be a real date", id="fullwidth-year"
    ),
    pytest.param("17", "5", "0000", "Date of birth must be after 1900", id="year-0"),
]


@pytest.mark.parametrize(("day", "month", "year", "message"), BAD_DATES)
def test_the_date_field_refuses_out_of_range_parts_with_a_message_naming_it(day, month, year, message):
    field = GovukDateField(label_for_errors="Date of birth", required=False)
    with pytest.raises(ValidationError) as info:
        field.clean([day, month, year])
    assert info.value.messages == [message]


def test_the_date_field_still_takes_good_dates_with_leading_zeros_and_spaces():
    field = GovukDateField(label_for_errors="The date", required=False)
    assert field.clean(["01", "02", "2020"]) == date(2020, 2, 1)
    assert field.clean([" 31 ", "12", " 1999"]) == date(1999, 12, 31)
    assert field.clean(["", "", ""]) is None


def test_a_date_that_may_be_in_the_future_stops_before_2100():
    field = GovukDateField(label_for_errors="The due date", past_only=False)
    assert field.clean(["31", "12", "2099"]) == date(2099, 12, 31)
    with pytest.raises(ValidationError) as info:
        field.clean(["31", "12", "9999"])
    assert info.value.messages == ["The due date must be before 2100"]


def test_a_whole_form_with_a_huge_day_is_invalid_not_an_error():
    form = AboutAdultForm(
        {
            "adult_given_name": "Edna",
            "adult_family_name": "Marsh",
            **date_parts("adult_date_of_birth", HUGE, 5, 1938),
        }
    )
    assert not form.is_valid()
    assert form.errors["adult_date_of_birth"] == ["Date of birth must be a real date"]


@pytest.fixture
def started(client, council):
    start(client)
    return client


@pytest.mark.parametrize(("day", "month", "year", "message"), BAD_DATES)
def test_the_public_concern_form_shows_a_message_for_out_of_range_dates(started, day, month, year, message):
    data = {"adult_given_name": "Edna", "adult_family_name": "Marsh"}
    data |= date_parts("adult_date_of_birth", day, month, year)
    response = started.post(step_url("about-the-adult"), data)
    assert_error_page(response, message)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ((HUGE, "11", "2025"), "The date it happened must be a real date"),
        (("12", HUGE, "2025"), "The date it happened must be a real date"),
        (("12", "11", HUGE), "Year must include 4 numbers"),
    ],
)
def test_the_public_what_happened_date_shows_a_message(started, parts, message):
    data = {"what_happened": "Bruising on both arms.", **date_parts("happened_on", *parts)}
    assert_error_page(started.post(step_url("what-happened"), data), message)


def test_a_signed_in_form_shows_a_message_for_a_huge_day(client, practitioner):
    client.force_login(practitioner)
    data = {"given_name": "Edna", "family_name": "Marsh", **date_parts("date_of_birth", HUGE, 5, 1938)}
    response = client.post(reverse("people:new"), data)
    assert response.status_code == 200
    assert "Date of birth must be a real date" in response.content.decode()
    assert not Person.objects.exists()


def test_a_signed_in_future_date_shows_a_message_for_a_far_year(db):
    network = Organisation.objects.create(name="London network", kind="network", region="London")
    lead = User.objects.create_user("rl", password="x", organisation=network, role=Role.REGIONAL_LEAD)
    client = Client()
    client.force_login(lead)
    instrument = instruments.load_shipped()
    data = {"title": "South London 2026", "slug": "south-london-2026", "instrument": instrument.pk}
    data |= {
        "councils": "Lambeth\n",
        **date_parts("starts_on", HUGE, 1, 2026),
        **date_parts("ends_on", 1, 1, 9999),
    }
    response = client.post(reverse("tempcheck:round_new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The start date must be a real date" in page
    assert "The end date must be before 2100" in page
    assert not Round.objects.exists()


# --- Benchmark files (JSON) -----------------------------------------------------------------------------


def good_file() -> dict:
    return benchmark_file("E09000001", "Epsilon Council", LONDON)


def refusal(content: bytes, name: str = "f.json") -> str:
    with pytest.raises(ImportRefused) as info:
        benchmark_files.parse(name, content)
    return "; ".join(info.value.problems)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"[" * 100_000, id="lists"),
        pytest.param(b'{"a":' * 100_000, id="objects"),
        pytest.param(
            json.dumps(
                {"format": "msphub-benchmark", "x": [[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]}
            ).encode(),
            id="21",
        ),
    ],
)
def test_json_nested_too_deeply_is_refused(content):
    assert "nested more than 20 deep" in refusal(content)


def test_json_nested_20_deep_is_read_and_brackets_in_text_are_not_counted():
    data = good_file()
    data["disclosure_control"] = '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{ "[['
    assert benchmark_files.parse("f.json", json.dumps(data).encode()).council_name == "Epsilon Council"
    nested: list = [1]
    for _ in range(18):
        nested = [nested]
    data["extra"] = nested  # 19 lists in the file's own object: 20 deep
    assert "unknown field 'extra'" in refusal(json.dumps(data).encode())


def test_a_nul_character_in_a_json_file_is_refused():
    raw = json.dumps(good_file()).encode().replace(b'"Epsilon Council"', b'"Epsilon\x00Council"')
    assert "a NUL character" in refusal(raw)
    escaped = good_file()
    escaped["council"]["name"] = "Epsilon\x00Council"  # json.dumps writes it as \u0000
    assert "council.name: contains a NUL character" in refusal(json.dumps(escaped).encode())


def test_over_long_and_out_of_range_json_values_are_refused():
    data = good_file()
    data["council"]["ons_code"] = "E09000001\n"  # ONS_CODE's $ matched before the newline: 10 characters
    assert "council.ons_code: expected an ONS code" in refusal(json.dumps(data).encode())
    data = good_file()
    data["disclosure_control"] = "x" * 10_001
    assert "disclosure_control: longer than 10,000 characters" in refusal(json.dumps(data).encode())
    data = good_file()
    data["sac"]["SG1a"][0]["count"] = 10**15  # a multiple of 5: it overflowed the database column
    assert "larger than 10,000,000" in refusal(json.dumps(data).encode())
    text = json.dumps(good_file()).replace('"count": "[c]"', '"count": ' + "5" * 5000, 1)
    assert "not valid JSON: the number 5555" in refusal(text.encode())
    assert "has more than 20 digits" in refusal(text.encode())


@pytest.mark.parametrize(
    "generated_at",
    [
        "2026-13-45T09:00:00+01:00",
        "2026-01-01T09:00:00+99:00",
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00+05:00",
    ],
)
def test_an_impossible_generated_at_is_refused(generated_at):
    data = good_file()
    data["generated_at"] = generated_at
    assert "generated_at:" in refusal(json.dumps(data).encode())


def test_a_huge_count_is_refused_by_the_import_and_nothing_is_written():
    data = good_file()
    data["sac"]["SG1a"][0]["count"] = 10**15
    with pytest.raises(ImportRefused) as info:
        import_files([Upload("big.json", json.dumps(data).encode())], imported_by_name="t")
    assert any(p.startswith("big.json: sac.SG1a[0].count") for p in info.value.problems), info.value.problems
    assert not BenchmarkSubmission.objects.exists()


def test_a_benchmark_file_over_5_mb_is_refused_before_it_is_parsed():
    content = b" " * (5 * MB + 1)
    assert "larger than 5 MB" in refusal(content)


def test_json_messages_show_only_the_start_of_a_long_value():
    data = good_file()
    data["format"] = "y" * 9000
    message = refusal(json.dumps(data).encode())
    assert message.startswith("format: expected 'msphub-benchmark', found the text 'yyy")
    assert len(message) < 200


@pytest.fixture
def london_lead(db) -> User:
    network = Organisation.objects.create(name="London network", kind="network", region=LONDON)
    return User.objects.create_user(
        "london_lead", password="x", organisation=network, role=Role.REGIONAL_LEAD
    )


def test_the_benchmark_import_page_refuses_deep_nesting_and_nul_with_a_message(client, london_lead):
    client.force_login(london_lead)
    deep = SimpleUploadedFile("deep.json", b"[" * 100_000, "application/json")
    nul = SimpleUploadedFile("nul.json", b'{"format": "\x00"}', "application/json")
    response = client.post(reverse("benchmarks:import"), {"files": [deep, nul]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "deep.json: not valid JSON: lists and objects nested more than 20 deep" in page
    assert "nul.json: not valid JSON: a NUL character" in page
    assert not BenchmarkSubmission.objects.exists()


def test_the_benchmark_import_page_refuses_too_many_files(client, london_lead):
    client.force_login(london_lead)
    content = json.dumps(good_file()).encode()
    uploads = [SimpleUploadedFile(f"{i}.json", content, "application/json") for i in range(201)]
    with override_settings(DATA_UPLOAD_MAX_NUMBER_FILES=300):
        response = client.post(reverse("benchmarks:import"), {"files": uploads})
    assert response.status_code == 200
    assert "Choose 200 files or fewer" in response.content.decode()
    assert not BenchmarkSubmission.objects.exists()


# --- Temperature-check responses (CSV) ------------------------------------------------------------------

HEADER = "respondent_id,council,region,question_id,item,answer\n"
GOOD = "R1,Derby City Council,East Midlands,strategy_fit,,Other\n"
OPEN = "R1,Derby City Council,East Midlands,msp_meaning,,{answer}\n"


@pytest.fixture
def instrument(db) -> Instrument:
    return instruments.load_shipped()


def csv_refusal(content: str | bytes, instrument: Instrument) -> list[str]:
    data = content if isinstance(content, bytes) else content.encode()
    with pytest.raises(ImportRefused) as info:
        parse_responses(data, instrument)
    return info.value.problems


def test_a_csv_field_over_the_csv_modules_limit_is_refused_with_its_line(instrument):
    content = HEADER + GOOD + OPEN.format(answer="x" * 200_000)
    assert csv_refusal(content, instrument) == ["line 3: a value is longer than 10,000 characters"]


def test_an_answer_over_10000_characters_is_refused_and_10000_is_taken(instrument):
    assert len(parse_responses((HEADER + OPEN.format(answer="x" * 10_000)).encode(), instrument).answers) == 1
    content = HEADER + GOOD + OPEN.format(answer="x" * 10_001)
    assert csv_refusal(content, instrument) == ["line 3: answer is longer than 10,000 characters"]


def test_values_longer_than_their_database_column_are_refused(instrument):
    content = HEADER + GOOD.replace("R1", "R" * 101) + GOOD.replace("Derby City Council", "D" * 201)
    content += GOOD.replace("East Midlands", "E" * 101)
    assert csv_refusal(content, instrument) == [
        "line 2: respondent_id is longer than 100 characters",
        "line 3: council is longer than 200 characters",
        "line 4: region is longer than 100 characters",
    ]


def test_a_nul_byte_in_a_csv_file_is_refused_with_its_line(instrument):
    content = (HEADER + GOOD).encode() + b"R2,Leeds\x00,Yorkshire,strategy_fit,,Other\n"
    assert csv_refusal(content, instrument) == ["line 3: a NUL character (a zero byte), which text never has"]


def test_a_csv_file_over_5_mb_is_refused(instrument):
    content = HEADER + GOOD * (5 * MB // len(GOOD) + 1)
    assert csv_refusal(content, instrument) == ["the file is larger than 5 MB"]


def test_a_csv_file_of_more_rows_than_the_limit_is_refused(instrument, monkeypatch):
    assert imports.MAX_ROWS == 200_000
    monkeypatch.setattr(imports, "MAX_ROWS", 3)  # the same check, without building 200,001 rows
    three = "".join(GOOD.replace("R1", f"R{i}") for i in range(3))
    assert len(parse_responses((HEADER + three).encode(), instrument).answers) == 3
    content = HEADER + "R,,,x,,\n" * 4
    assert csv_refusal(content, instrument) == ["line 5: more than 3 rows, more than any round has"]


def test_echoed_values_are_shortened(instrument):
    [problem] = csv_refusal(HEADER + GOOD.replace("strategy_fit", "q" * 90), instrument)
    assert problem.startswith("line 2: unknown question id 'qqq") and len(problem) < 120


def test_a_baseline_count_too_large_for_the_database_is_refused(instrument):
    content = "question_id,item,category,count,base\n" + f"strategy_fit,,Other,{10**30},{10**30}\n"
    with pytest.raises(ImportRefused) as info:
        create_baseline("b", "B", instrument, content.encode())
    assert info.value.problems == ["line 2: a count and its base must be 10,000,000 or fewer"]
    assert not Round.objects.exists()


@pytest.fixture
def lead(db) -> User:
    network = Organisation.objects.create(name="London network", kind="network", region="London")
    return User.objects.create_user("rl", password="x", organisation=network, role=Role.REGIONAL_LEAD)


def _import(client: Client, content: bytes, instrument: Instrument):
    upload = SimpleUploadedFile("responses.csv", content, content_type="text/csv")
    data = {
        "title": "North London 2026",
        "slug": "north-london-2026",
        "instrument": instrument.pk,
        "region": "London",
    }
    return client.post(reverse("tempcheck:round_import"), {**data, "responses": upload})


def test_the_import_page_refuses_a_file_over_5_mb_before_reading_it(lead, instrument):
    client = Client()
    client.force_login(lead)
    response = _import(client, (HEADER + GOOD * (5 * MB // len(GOOD) + 1)).encode(), instrument)
    assert response.status_code == 200
    assert "The responses file must be smaller than 5 MB" in response.content.decode()
    assert not Round.objects.exists()


def test_the_import_page_lists_nul_and_over_long_problems_by_line(lead, instrument):
    client = Client()
    client.force_login(lead)
    content = (HEADER + GOOD + OPEN.format(answer="x" * 200_000)).encode()
    response = _import(client, content, instrument)
    assert response.status_code == 200
    assert "line 3: a value is longer than 10,000 characters" in response.content.decode()
    response = _import(client, (HEADER + GOOD).encode() + b"R2,\x00,,strategy_fit,,Other\n", instrument)
    assert response.status_code == 200
    assert "line 3: a NUL character (a zero byte)" in response.content.decode()
    assert not Round.objects.exists() and not Answer.objects.exists()


# --- Fuzz: arbitrary input either succeeds or is refused cleanly ---------------------------------------

date_part = st.one_of(
    st.text(max_size=30), st.integers().map(str), st.sampled_from(["", " ", HUGE, "0", "31", "2099"])
)


@FUZZ
@given(day=date_part, month=date_part, year=date_part, past_only=st.booleans())
def test_fuzz_date_parts(day, month, year, past_only):
    field = GovukDateField(label_for_errors="The date", required=False, past_only=past_only)
    try:
        value = field.clean([day, month, year])
    except ValidationError as exc:
        assert exc.messages and all(m.startswith(("The date ", "Year ")) for m in exc.messages), exc.messages
    else:
        assert value is None or 1900 <= value.year <= 2099


@FUZZ
@given(day=date_part, month=date_part, year=date_part)
def test_fuzz_the_public_adult_form(day, month, year):
    form = AboutAdultForm(
        {
            "adult_given_name": "Edna",
            "adult_family_name": "Marsh",
            **date_parts("adult_date_of_birth", day, month, year),
        }
    )
    form.is_valid()  # never raises


def _parse_benchmark(content: bytes) -> None:
    try:
        benchmark_files.parse("fuzz.json", content)
    except ImportRefused as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)


@FUZZ
@given(content=st.binary(max_size=2000))
def test_fuzz_benchmark_bytes(content):
    _parse_benchmark(content)


@FUZZ
@given(text=st.text(alphabet=st.sampled_from('[]{}",:\\0123456789.eE-+ truefalsn\x00\n'), max_size=300))
def test_fuzz_benchmark_json_like_text(text):
    _parse_benchmark(text.encode())


@FUZZ
@given(value=json_values)
def test_fuzz_benchmark_json_values(value):
    _parse_benchmark(json.dumps(value).encode())


GOOD_BENCHMARK = benchmark_file("E08000001", "Alpha Council", NORTH_WEST)
PLACES = [
    ("format",),
    ("version",),
    ("year",),
    ("generated_at",),
    ("disclosure_control",),
    ("council",),
    ("council", "ons_code"),
    ("council", "name"),
    ("council", "region"),
    ("headline",),
    ("headline", 0, "numerator"),
    ("headline", 0, "percent"),
    ("measures", 0),
    ("measures", 0, "id"),
    ("measures", 1, "denominator"),
    ("sac",),
    ("sac", "SG1a"),
    ("sac", "SG1a", 0),
    ("sac", "SG1a", 0, "row"),
    ("sac", "SG1f", 0, "count"),
    ("sac", "SG1f", 1, "column"),
]


@FUZZ
@given(place=st.sampled_from(PLACES), value=json_values)
def test_fuzz_one_field_of_a_good_benchmark_file(place, value):
    data = copy.deepcopy(GOOD_BENCHMARK)
    target = data
    for key in place[:-1]:
        target = target[key]
    target[place[-1]] = value
    _parse_benchmark(json.dumps(data).encode())


def _parse_csv(content: bytes, instrument: Instrument) -> None:
    try:
        parse_responses(content, instrument)
    except ImportRefused as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)


@FUZZ
@given(content=st.binary(max_size=2000))
def test_fuzz_responses_bytes(instrument, content):
    _parse_csv(content, instrument)


csv_field = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        ["strategy_fit", "msp_meaning", "engagement_levels", "Other", "Senior management", '"', "\x00"]
    ),
)


@FUZZ
@given(rows=st.lists(st.lists(csv_field, min_size=0, max_size=8), max_size=8), header=st.booleans())
def test_fuzz_responses_rows(instrument, rows, header):
    lines = [",".join(row) for row in rows]
    content = (HEADER if header else "") + "\n".join(lines)
    _parse_csv(content.encode(), instrument)


@FUZZ
@given(rows=st.lists(st.lists(csv_field | st.integers().map(str), min_size=5, max_size=5), max_size=6))
def test_fuzz_baseline_rows(instrument, rows):
    content = "question_id,item,category,count,base\n" + "\n".join(",".join(row) for row in rows)
    try:
        create_baseline("fuzz", "Fuzz", instrument, content.encode())
    except ImportRefused as exc:
        assert exc.problems
    Round.objects.filter(slug="fuzz").delete()


moments = st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:00{}{:02d}:{:02d}".format,
    *(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99)),
    *(st.sampled_from("+-"), st.integers(0, 99), st.integers(0, 99)),
)


@FUZZ
@given(moment=moments)
def test_fuzz_generated_at(moment):
    data = copy.deepcopy(GOOD_BENCHMARK)
    data["generated_at"] = moment
    _parse_benchmark(json.dumps(data).encode())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/concerns/CON-2026-%00/",
        "/enquiries/ENQ-2026-%00/",
        "/providers/enquiries/WSE-%00/",
        "/providers/service-concerns/SVC-%00/",
        "/concerns/raised/CON-%00/",
        "/api/v1/concerns/CON-2026-%00/",
    ],
)
def test_a_nul_in_the_path_is_refused_not_a_500(client, lead, url):
    """PostgreSQL refuses a NUL in a text comparison; no reference holds one, so the request is
    refused (core.middleware.RefuseNulMiddleware; the API in JSON), never a 500."""
    client.force_login(lead)
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.json()["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona, url",
    [
        ("lead", "/providers/enquiries/new/?from=SVC-%00"),
        ("lead", "/people/?q=%00"),
        ("lead", "/people/?reference=CON-%00"),
        ("regional_lead", "/tempcheck/good-practice/?theme=%00&region=%00"),
    ],
)
def test_a_nul_in_the_query_string_is_never_a_500(client, request, persona, url):
    if persona == "regional_lead":
        from msphub.accounts.models import Organisation, Role, User

        network = Organisation.objects.create(name="A network", kind="network", region="London")
        user = User.objects.create_user("rl_nul", organisation=network, role=Role.REGIONAL_LEAD)
    else:
        user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(url).status_code in (200, 302, 404)


@pytest.mark.django_db
def test_a_nul_in_a_lookup_is_no_such_record(rf, lead):
    """The chokepoint too: a NUL in a lookup value is no such record (a 404), whoever asks."""
    from django.http import Http404

    from msphub.concerns.models import Concern
    from msphub.core.access import get_record

    request = rf.get("/concerns/x/")
    request.user = lead
    with pytest.raises(Http404):
        get_record(request, Concern.objects.all(), reference="CON-\x00")
