"""Draw an audit round's sample: ``python manage.py audit_sample --round SLUG``.

Prints the sampled records' references, one a line, in position order. A round is drawn once; run
again, it prints the same references (docs/audits.md, "Sampling").
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msphub.audits import sampling
from msphub.audits.models import AuditRound


class Command(BaseCommand):
    help = "Draw an audit round's sample (once) and print its references in order."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--round", required=True, dest="round_slug", help="The audit round's slug")

    def handle(self, *args: object, **options: object) -> None:
        slug = str(options["round_slug"])
        audit_round = AuditRound.objects.filter(slug=slug).first()
        if audit_round is None:
            raise CommandError(f"No audit round {slug!r}: check the slug on the round's page")
        audits = sampling.draw(audit_round)
        if not audits:
            # Not an error (a quiet month can have none), but an empty output alone looks like one.
            self.stderr.write("No records met the round's rule")
        for audit in audits:
            self.stdout.write(audit.reference)
