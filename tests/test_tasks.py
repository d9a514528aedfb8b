"""Background work: the SAC return written by a django-tasks task, and `sac_return --background`.

The default backend runs a task at once in the caller (ImmediateBackend); the database backend
queues it for `manage.py db_worker`, which one test runs for real on the queued row.
"""

import csv
import io
import json
import stat

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks import TaskResultStatus, task_backends
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db.models import DBTaskResult

from msphub.concerns.models import Concern
from msphub.core.periods import FinancialYear
from msphub.measures import tasks
from msphub.measures.exports import return_csv
from msphub.measures.sac import build_return

DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def exports(settings, tmp_path):
    """A private exports directory of the test's own, through the MSPHUB setting the task reads."""
    settings.MSPHUB = {**settings.MSPHUB, "EXPORTS_DIR": str(tmp_path / "exports")}
    return tmp_path / "exports"


@pytest.fixture
def a_concern(make_concern, partner_referrer) -> Concern:
    return make_concern(user=partner_referrer)


def year_of(concern: Concern) -> str:
    received = concern.received_at.date()
    first = received.year if received.month >= 4 else received.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


def undecided(concern: Concern) -> tuple[str, str]:
    """The validation warning the concern, received in its year with no decision, raises: its
    message, and the line the JSON's warnings and the CSV carry (the message, then the reference)."""
    year = FinancialYear.parse(year_of(concern))
    # The concern is this year's, and the year is still running: checked "so far".
    assert timezone.now() < year.end_before
    message = (
        f"1 concern received in {year} had no signed-off decision so far (the year ends on 31 March "
        f"{year.end.year}): check whether an enquiry should have started in the year."
    )
    return message, f"{message} References: {concern.reference}"


def test_the_default_backend_runs_the_task_at_once():
    assert isinstance(task_backends["default"], ImmediateBackend)


def test_the_task_writes_the_return_privately(exports, council, a_concern):
    year = year_of(a_concern)
    result = tasks.write_sac_return.enqueue(year=year, council=council.ons_code, format="json")

    assert result.status == TaskResultStatus.SUCCESSFUL
    written = result.return_value
    path = exports / f"sac-return-{year}-{council.ons_code}-{result.id}.json"
    assert written["path"] == str(path)
    expected = build_return(FinancialYear.parse(year), council)
    # The return, its validation following its own warnings (the concern has no decision yet).
    expected["warnings"] = [*expected["warnings"], undecided(a_concern)[1]]
    assert json.loads(path.read_text()) == json.loads(json.dumps(expected))
    assert written["council"] == expected["council"]
    assert written["warnings"] == len(expected["warnings"]) == 2
    assert written["bytes"] == path.stat().st_size
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(exports.stat().st_mode) == 0o700
    assert not list(exports.glob(".partial-*"))


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_the_task_writes_csv_and_xlsx(exports, council, a_concern, format):
    year = year_of(a_concern)
    result = tasks.write_sac_return.enqueue(year=year, format=format)

    assert result.status == TaskResultStatus.SUCCESSFUL
    path = exports / f"sac-return-{year}-all-councils-{result.id}.{format}"
    message, line = undecided(a_concern)
    if format == "csv":
        text = path.read_bytes().decode("utf-8")
        cells = return_csv(build_return(FinancialYear.parse(year)))
        # The cells, then the validation line (council ALL: the return of all councils).
        validation = io.StringIO()
        csv.writer(validation).writerow([year, "ALL", "Validation", "undecided_concerns", line, 1])
        assert text == cells + validation.getvalue()
        rows = list(csv.DictReader(io.StringIO(text)))
        assert sum(int(row["count"]) for row in rows if row["table"] != "Validation") > 0
    else:
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == ["Sign Off", "SG1", "SG2", "SG3", "SG4", "Validation", "Warnings"]
        rows = list(book["Validation"].iter_rows(min_row=2, values_only=True))
        assert rows == [("undecided_concerns", message, a_concern.reference, 1)]


def test_a_task_for_a_council_that_does_not_exist_fails_and_writes_nothing(exports, db):
    result = tasks.write_sac_return.enqueue(year="2025-26", council="E99999999")

    assert result.status == TaskResultStatus.FAILED
    assert result.errors[-1].exception_class_path == "builtins.ValueError"
    assert not exports.exists() or not any(exports.iterdir())


def test_command_background_prints_the_task_id_and_the_file(exports, council, a_concern):
    out = io.StringIO()
    call_command("sac_return", year=year_of(a_concern), council=council.ons_code, background=True, stdout=out)

    first, second = out.getvalue().splitlines()
    task_id = first.split()[1]
    assert first == f"Task {task_id} (successful)"
    files = list(exports.iterdir())
    assert [f.name for f in files] == [f"sac-return-{year_of(a_concern)}-{council.ons_code}-{task_id}.json"]
    assert str(files[0]) in second


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"year": "2025-26", "background": True, "output": "x.json"}, "leave out --output"),
        ({"year": "2025-26"}, "Give --output PATH, or --background"),
        ({"year": "2025", "background": True}, "A financial year looks like 2025-26"),
        ({"year": "2025-26", "council": "E99999999", "background": True}, "No council with ONS code"),
    ],
)
def test_command_background_refuses_before_queueing(exports, db, kwargs, message):
    with pytest.raises(CommandError, match=message):
        call_command("sac_return", **kwargs)
    assert not exports.exists()


@pytest.mark.django_db(transaction=True)  # the worker closes its database connection after each task
def test_the_database_backend_queues_it_for_db_worker(exports, settings, council, a_concern):
    settings.TASKS = DATABASE  # django-tasks resets its backends when the setting changes
    out = io.StringIO()
    call_command("sac_return", year=year_of(a_concern), background=True, stdout=out)

    task_id = out.getvalue().split()[1]
    assert out.getvalue().strip() == f"Task {task_id} (ready)"
    queued = DBTaskResult.objects.get(id=task_id)
    assert queued.status == TaskResultStatus.READY
    assert queued.task_path == "msphub.measures.tasks.write_sac_return"
    assert not exports.exists()

    call_command("db_worker", batch=True, no_startup_delay=True, stdout=io.StringIO(), stderr=io.StringIO())

    result = tasks.write_sac_return.get_result(task_id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert (exports / f"sac-return-{year_of(a_concern)}-all-councils-{task_id}.json").exists()
