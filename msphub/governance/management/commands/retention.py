"""python manage.py retention --list [--council ONS_CODE]
python manage.py retention --apply --token TOKEN [--council ONS_CODE]

``--list`` prints, per council and retention rule, the records past it (counts, and references or,
for people, record ids: never a name) and a confirmation token for exactly that list, valid today.
``--apply`` works the list out again and, only when the token matches it (nothing was added or
changed since, and it is still the same day), anonymises or erases those records in one
transaction, with their change history. The access log is never changed. See
msphub/governance/retention.py.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from msphub.accounts.models import Organisation
from msphub.governance import retention
from msphub.governance.retention import Item, Plan

NOUNS = {
    retention.ENQUIRY: ("enquiry", "enquiries"),
    retention.CONCERN: ("concern", "concerns"),
    retention.PERSON: ("person", "people"),
    retention.REVIEW: ("Safeguarding Adults Review", "Safeguarding Adults Reviews"),
}


def _council(code: str | None) -> Organisation | None:
    if not code:
        return None
    council = Organisation.objects.filter(
        kind=Organisation.Kind.COUNCIL, ons_code=code.strip().upper()
    ).first()
    if council is None:
        raise CommandError(f"No council with ONS code {code}")
    return council


def _counted(items: list[Item], kind: str) -> str:
    one, many = NOUNS[kind]
    names = [i.name for i in items if i.kind == kind]
    return f"{len(names)} {one if len(names) == 1 else many}: {', '.join(names)}"


class Command(BaseCommand):
    help = "List the records past their council's retention rules, or anonymise and erase them."

    def add_arguments(self, parser: CommandParser) -> None:
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--list", action="store_true", help="List the records past retention and a token")
        what.add_argument("--apply", action="store_true", help="Anonymise or erase them (needs --token)")
        parser.add_argument("--token", help="The confirmation token --list printed today")
        parser.add_argument("--council", help="ONS code of one council (default: every council with rules)")

    def handle(self, *args: Any, **options: Any) -> None:
        council = _council(options.get("council"))
        if options["list"]:
            self.list(retention.build_plan(council=council))
            return
        token = options.get("token")
        if not token:
            raise CommandError("Give --token: run --list first, read the list, then apply it with its token.")
        try:
            plan = retention.apply(token, council=council)
        except retention.TokenMismatch as exc:
            raise CommandError(
                "The token does not match the records past retention now: the list has changed since it "
                "was printed, or the token is from another day or for another council. Nothing was "
                "changed. Run --list again and check the list."
            ) from exc
        self.stdout.write(
            f"Anonymised {plan.count(retention.ANONYMISE)} and erased {plan.count(retention.ERASE)} records "
            "past retention, with their change history. The access log is unchanged."
        )

    def list(self, plan: Plan) -> None:
        self.stdout.write(f"Records past their retention period on {plan.today.day} {plan.today:%B %Y}")
        if not plan.rules:
            self.stdout.write("No council has set a retention rule.")
        council_id = None
        for rule, items in plan.by_rule():
            if rule.council_id != council_id:
                council_id = rule.council_id
                self.stdout.write(f"{rule.council} ({rule.council.ons_code or 'no ONS code'})")
            self.stdout.write(
                f"  {rule.get_record_type_display()}: kept {rule.years} years, then {rule.action}"
            )
            if not items:
                self.stdout.write("    nothing past it")
            for kind in NOUNS:
                if any(i.kind == kind for i in items):
                    self.stdout.write(f"    {rule.action} {_counted(items, kind)}")
        self.stdout.write(
            f"In all: {plan.count()} records ({plan.count(retention.ANONYMISE)} to anonymise, "
            f"{plan.count(retention.ERASE)} to erase)."
        )
        token = plan.token()
        scope = f" --council {plan.council.ons_code}" if plan.council else ""
        self.stdout.write(f"Confirmation token: {token} (for exactly this list, on {plan.today:%Y-%m-%d})")
        self.stdout.write(f"To apply it: python manage.py retention --apply --token {token}{scope}")
