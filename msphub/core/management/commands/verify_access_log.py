"""Check the access log's hash chain: exit 0 when it is intact, 1 naming the first bad entry.

Entries are read in chain order (``sequence``), a batch at a time, never all at once. For each one
the hash is computed again from its fields and the previous entry's hash (AccessLog.compute_hash)
and compared with the stored one, and its links are checked: its sequence follows the previous
entry's and its ``previous_hash`` is that entry's hash. So an entry changed in place (its hash no
longer matches) and an entry removed (the next one no longer links back) are both found.

Entries written before the chain existed have no sequence and blank hashes; they are counted and
not checked, and verification starts from the first chained entry, which must be sequence 1.

The chain alone cannot show that its newest entries were removed, or that the whole chain was
rewritten by someone who can also recompute every hash. The command prints the newest entry's
sequence and hash when it passes; keeping that line somewhere the database's users cannot change
and passing it back as ``--anchor SEQUENCE:HASH`` later shows that everything up to it is still
there, unchanged.
"""

import argparse
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msphub.core.models import AccessLog

BATCH = 2000


@dataclass
class ChainReport:
    checked: int = 0
    unchained: int = 0
    newest_sequence: int = 0
    newest_hash: str = ""
    problem: str = ""


def check_chain(anchor: tuple[int, str] | None = None) -> ChainReport:
    """Walk the chain from sequence 1; stop at the first bad entry, saying what is wrong with it."""
    report = ChainReport()
    entries = AccessLog.objects.filter(sequence__isnull=False).order_by("sequence")
    expected_sequence, expected_previous = 1, ""
    first_at = None
    for entry in entries.iterator(chunk_size=BATCH):
        sequence = entry.sequence or 0  # never 0: only chained entries are read
        name = f"entry {entry.id} (#{sequence})"
        if entry.compute_hash() != entry.entry_hash:
            report.problem = f"{name} was changed: its fields no longer give its stored hash"
            return report
        if sequence > expected_sequence:
            one = sequence == expected_sequence + 1
            gone = (
                f"entry #{expected_sequence}" if one else f"entries #{expected_sequence} to #{sequence - 1}"
            )
            if expected_sequence == 1:
                report.problem = f"{name} is the first in the chain: {gone} before it removed"
            else:
                report.problem = f"{name}: the entry before it was removed ({gone} missing)"
            return report
        if entry.previous_hash != expected_previous:
            report.problem = (
                f"{name} does not link to the entry before it (#{expected_sequence - 1})"
                if expected_sequence > 1
                else f"{name} does not start the chain: its previous hash is not blank"
            )
            return report
        if anchor is not None and sequence == anchor[0] and entry.entry_hash != anchor[1]:
            report.problem = f"{name} is not the anchored entry: its hash is not {anchor[1]}"
            return report
        first_at = first_at or entry.at
        report.checked += 1
        report.newest_sequence, report.newest_hash = sequence, entry.entry_hash
        expected_sequence, expected_previous = sequence + 1, entry.entry_hash
    if anchor is not None and report.newest_sequence < anchor[0]:
        report.problem = (
            f"the chain ends at #{report.newest_sequence}: the anchored entry #{anchor[0]} "
            "and any after it were removed"
        )
        return report
    unchained = AccessLog.objects.filter(sequence__isnull=True)
    report.unchained = unchained.count()
    if first_at is not None:
        late = unchained.filter(at__gt=first_at).order_by("at").first()
        if late is not None:
            report.problem = (
                f"entry {late.id} is not in the chain but was written after the chain began "
                f"({late.at.isoformat()}): it was added or changed outside AccessLog.objects.append"
            )
    return report


def _anchor(value: str) -> tuple[int, str]:
    sequence, _, hashed = value.partition(":")
    if not sequence.isdigit() or int(sequence) < 1 or len(hashed) != 64:
        raise argparse.ArgumentTypeError(
            "give SEQUENCE:HASH as printed by an earlier run (say 1234:9f86d0...)"
        )
    return int(sequence), hashed.lower()


class Command(BaseCommand):
    help = "Check the access log's hash chain; exit 1 naming the first entry changed or removed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            type=_anchor,
            help="SEQUENCE:HASH from an earlier run: also check that entry is still there, unchanged.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = check_chain(options.get("anchor"))
        if report.problem:
            raise CommandError(f"Access log chain broken: {report.problem}.", returncode=1)
        earlier = ""
        if report.unchained:
            predate = "entry predates" if report.unchained == 1 else "entries predate"
            earlier = f"; {report.unchained} earlier {predate} the chain"
        if report.checked:
            self.stdout.write(
                f"Access log chain intact: {report.checked} entries{earlier}. "
                f"Newest: {report.newest_sequence}:{report.newest_hash}"
            )
        else:
            self.stdout.write(f"Access log chain intact: no chained entries yet{earlier}.")
