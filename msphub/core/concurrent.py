"""Independent read-only queries side by side, each on its own database connection.

A page made of several independent aggregates (the Board dashboard) spends most of its time waiting
for PostgreSQL, one statement after another, while the database server has cores to spare. Run in two
threads, each with its own connection, the statements overlap. Both read one snapshot of the data
(PostgreSQL's exported snapshots): the figures are those of one moment, as if read in one transaction,
never a mixture of before and after someone's change.

Only on PostgreSQL, outside a transaction (inside one, another connection could not see its
uncommitted rows: the tests' transactions, or a caller's), and while ``settings.PARALLEL_QUERIES`` is
on; otherwise the calls run one after another on the caller's connection. Only for reads: a worker's
transaction is read only, so a write there fails rather than half-happens.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

SNAPSHOT_READ = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
# The lanes are the parallelism: a parallel plan's extra workers would only compete with the other
# lane for the same cores.
ONE_PROCESS_A_LANE = "SET LOCAL max_parallel_workers_per_gather = 0"


def can_run_side_by_side(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether ``side_by_side`` would use a second connection here."""
    connection = connections[using]
    return (
        getattr(settings, "PARALLEL_QUERIES", False)
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


def side_by_side(*calls: Callable[[], Any], using: str = DEFAULT_DB_ALIAS) -> list[Any]:
    """The results of ``calls`` (functions of no arguments that only read), in order.

    The first runs on the caller's connection; each other in a thread of its own on a new connection,
    closed when it is done. All read the snapshot the first call's transaction exported.
    """
    if len(calls) < 2 or not can_run_side_by_side(using):
        return [call() for call in calls]
    first, *others = calls
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(SNAPSHOT_READ)
        cursor.execute(ONE_PROCESS_A_LANE)
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        with ThreadPoolExecutor(max_workers=len(others)) as pool:
            futures = [pool.submit(_in_snapshot, call, snapshot, using) for call in others]
            # The exporting transaction stays open until every other call has finished: a snapshot
            # can be imported only while the transaction that exported it is open.
            results = [first()]
            results += [future.result() for future in futures]
    return results


def _in_snapshot(call: Callable[[], Any], snapshot: str, using: str) -> Any:
    """``call`` in a worker thread: its own connection, the exported snapshot, closed after."""
    try:
        with transaction.atomic(using=using), connections[using].cursor() as cursor:
            cursor.execute(SNAPSHOT_READ)
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            cursor.execute(ONE_PROCESS_A_LANE)
            return call()
    finally:
        connections.close_all()
