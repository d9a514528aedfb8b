"""Read-only queries side by side on two connections (msphub.core.concurrent), and the Board
dashboard's figures computed that way.

The lanes run only outside a transaction, so the tests that use them commit their records
(``transaction=True``: each empties the database after it, about a second on PostgreSQL, so there
are few of them); on SQLite everything runs one after the other, which is checked too.
"""

import threading
from datetime import datetime

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.db.utils import InternalError, OperationalError

from msphub.accounts.models import Organisation
from msphub.core.concurrent import can_run_side_by_side, side_by_side
from msphub.measures import measures as m
from tests.conftest import Cast
from tests.measures_fixtures import EXPECTED, LONDON, PERIOD, build_data

committed = pytest.mark.django_db(transaction=True)


def _councils() -> int:
    return Organisation.objects.filter(kind=Organisation.Kind.COUNCIL).count()


def _backend() -> tuple[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return threading.current_thread().name, cursor.fetchone()[0]


@committed
def test_the_lanes_threads_connections_results_and_failures(settings):
    """The first call runs on the caller's thread and connection, each other on its own; results
    come back in the calls' order; a lane that fails fails the whole; a lane cannot write."""
    settings.PARALLEL_QUERIES = True
    cast = Cast()
    council = cast.council
    assert side_by_side(lambda: 1, _councils, lambda: "three") == [1, 1, "three"]
    if connection.vendor != "postgresql":
        assert not can_run_side_by_side()
        return
    assert can_run_side_by_side()
    (first_thread, first_pid), (other_thread, other_pid) = side_by_side(_backend, _backend)
    assert first_thread == threading.current_thread().name
    assert other_thread != first_thread
    assert other_pid != first_pid

    def broken() -> None:
        raise ValueError("no figure")

    for calls in ((lambda: None, broken), (broken, lambda: None)):
        with pytest.raises(ValueError, match="no figure"):
            side_by_side(*calls)

    def rename() -> None:
        Organisation.objects.filter(pk=council.pk).update(name="Renamed")

    with pytest.raises((InternalError, OperationalError), match="read-only transaction"):
        side_by_side(lambda: None, rename)
    council.refresh_from_db()
    assert council.name == "Riverside Council"
    _a_council_committed_meanwhile_is_seen_by_neither_lane(cast)


@pytest.mark.django_db
def test_inside_a_transaction_or_switched_off_the_calls_run_one_after_another(settings):
    settings.PARALLEL_QUERIES = True
    threads: list[str] = []

    def where() -> None:
        threads.append(threading.current_thread().name)

    with transaction.atomic():
        assert not can_run_side_by_side()
        side_by_side(where, where)
    settings.PARALLEL_QUERIES = False
    assert not can_run_side_by_side()
    side_by_side(where, where)
    assert threads == [threading.current_thread().name] * 4


@committed
def test_the_dashboards_figures_in_two_lanes_are_those_of_one_lane(settings):
    """The Board dashboard's figures drawn side by side on PostgreSQL (one after another elsewhere)
    equal the figures of each function called on its own, and the written-out totals, with and
    without a breakdown (one whose values repeat a record among them)."""
    with time_machine.travel(datetime(2026, 4, 15, 12, tzinfo=LONDON), tick=False):
        data = build_data(Cast())
        filters = m.Filters(PERIOD, data.council)
        for dimension in ("", "gender", "risk_type", "age_band"):
            settings.PARALLEL_QUERIES = True
            figures = m.dashboard_figures(filters, dimension)
            settings.PARALLEL_QUERIES = False
            assert figures == m.dashboard_figures(filters, dimension)
            totals, trends, breakdown = m.totals_monthly_and_breakdown(filters, dimension)
            assert (figures.totals, figures.trends, figures.breakdown) == (totals, trends, breakdown)
            assert (figures.timeliness, figures.pathways) == m.timeliness_and_pathways(filters)
            assert figures.repeats == m.repeat_concerns(filters)
            assert figures.quotes == m.quotes(filters)
        assert {row["id"]: (row["numerator"], row["denominator"]) for row in figures.totals} == {
            key: (value["numerator"], value["denominator"]) for key, value in EXPECTED.items()
        }
        # The page's other figures (what people wanted and got, the audits) dealt to the two lanes
        # come back in the order asked, equal to each called on its own, in two lanes or one.
        from msphub.measures import outcomes

        also = (lambda: outcomes.outcome_figures(filters), lambda: "second", lambda: m.quotes(filters))
        for parallel in (True, False):
            settings.PARALLEL_QUERIES = parallel
            assert m.dashboard_figures(filters, "", also).also == [
                outcomes.outcome_figures(filters),
                "second",
                m.quotes(filters),
            ]


def _a_council_committed_meanwhile_is_seen_by_neither_lane(cast: Cast) -> None:
    """Every lane reads the snapshot of the moment the first began: a council committed by someone
    else once the lanes have started is seen by neither."""
    started = threading.Event()
    other_lane_may_read = threading.Event()

    def first() -> int:
        started.set()
        other_lane_may_read.wait(10)
        return _councils()

    def other() -> int:
        assert other_lane_may_read.wait(10)
        return _councils()

    def someone_else() -> None:
        try:
            assert started.wait(10)
            assert cast.other_council.pk  # committed on this thread's own connection
        finally:
            connections.close_all()
            other_lane_may_read.set()

    writer = threading.Thread(target=someone_else)
    writer.start()
    results = side_by_side(first, other)
    writer.join(10)
    assert _councils() == 2
    assert results == [1, 1]
