"""An installation holding many councils: stored figures (benchmark_snapshot) instead of building every
council's return on each request."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from msphub.benchmarks import views
from msphub.benchmarks.comparison import ImportedFigures, LiveFigures, live_councils
from msphub.benchmarks.models import BenchmarkSubmission
from tests.benchmark_fixtures import FY, YEAR

pytestmark = pytest.mark.django_db

INDEX = reverse("benchmarks:index")
CSV_URL = reverse("benchmarks:comparison_csv")


def test_snapshot_stores_what_the_live_comparison_shows(council, other_council, capsys):
    call_command("benchmark_snapshot", "--year", YEAR)
    assert "Stored 2 councils' benchmark figures for 2025-26" in capsys.readouterr().out
    stored = BenchmarkSubmission.objects.filter(year=YEAR)
    assert sorted(stored.values_list("ons_code", flat=True)) == ["E06000901", "E06000902"]
    assert set(stored.values_list("imported_by_name", flat=True)) == {"this database (benchmark_snapshot)"}
    live, imported = LiveFigures(FY, live_councils()), ImportedFigures(FY)
    for code in ("E06000901", "E06000902"):
        assert imported.measures_of(code) == live.measures_of(code)
        assert imported.cells_of(code) == live.cells_of(code)


def test_snapshot_twice_needs_replace_and_writes_nothing_otherwise(council, other_council):
    call_command("benchmark_snapshot", "--year", YEAR)
    first = set(BenchmarkSubmission.objects.values_list("pk", flat=True))
    with pytest.raises(CommandError, match="was imported already.*run again with --replace"):
        call_command("benchmark_snapshot", "--year", YEAR)
    assert set(BenchmarkSubmission.objects.values_list("pk", flat=True)) == first
    call_command("benchmark_snapshot", "--year", YEAR, "--replace")
    assert BenchmarkSubmission.objects.count() == 2
    assert not first & set(BenchmarkSubmission.objects.values_list("pk", flat=True))


def test_snapshot_refuses_a_bad_year_and_an_empty_database(council):
    with pytest.raises(CommandError, match="2025-26"):
        call_command("benchmark_snapshot", "--year", "2025")
    council.delete()
    with pytest.raises(CommandError, match="no councils"):
        call_command("benchmark_snapshot", "--year", YEAR)
    assert not BenchmarkSubmission.objects.exists()


def test_too_many_councils_to_compare_on_the_fly(client, council, other_council, board_viewer, monkeypatch):
    monkeypatch.setattr(views, "LIVE_LIMIT", 1)
    client.force_login(board_viewer)
    page = client.get(INDEX, {"year": YEAR, "source": "database"}).content.decode()
    assert "This installation holds 2 councils, too many to compare on the fly" in page
    assert "benchmark_snapshot --year 2025-26" in page
    assert "Riverside Council, 2025-26" not in page
    assert client.get(CSV_URL, {"year": YEAR, "source": "database"}).status_code == 404
    # Once stored, the same comparison reads the stored figures.
    call_command("benchmark_snapshot", "--year", YEAR)
    page = client.get(INDEX, {"year": YEAR}).content.decode()
    assert "Riverside Council, 2025-26" in page
    assert "2 councils in the region and 2 in England" in page
