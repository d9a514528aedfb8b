"""The safeguarding lead's sign-off of a year's SAC return: an immutable snapshot of every cell.

A council's lead signs a year's return off (``ReturnSignOff.objects.sign_off``); the row keeps who,
when, their job title, the statement they confirmed and the whole return as it was then. Rows are
never changed or deleted: signing off again (a resubmission) adds a row, and the latest counts.
"""

import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

if TYPE_CHECKING:
    from msphub.accounts.models import Organisation, User
    from msphub.core.periods import FinancialYear


def sign_off_statement(year: "FinancialYear") -> str:
    """What the lead confirms, stored with the sign-off (a later change of wording changes no row)."""
    return (
        f"I confirm that the figures in this return are, to the best of my knowledge, a true and "
        f"complete account of the council's safeguarding activity from 1 April {year.start.year} to "
        f"31 March {year.end.year}, counted from its casework records, and I approve its "
        "submission to NHS England."
    )


class ReturnSignOffQuerySet(models.QuerySet["ReturnSignOff"]):
    def for_user(self, user: Any, action: str = "view") -> "ReturnSignOffQuerySet":
        """Sign-offs of the council whose figures the user sees (staff and Board viewers); nobody
        changes one."""
        council = getattr(user, "aggregates_council", None) if user.is_authenticated else None
        if council is None or action != "view":
            return self.none()
        return self.filter(council=council)

    def latest_for(self, council: "Organisation", year: "FinancialYear") -> "ReturnSignOff | None":
        """The sign-off that counts for a council's year: the latest (a resubmission replaces it)."""
        return (
            self.filter(council=council, year=year.label)
            .select_related("council")
            .order_by("-signed_off_at", "-pk")
            .first()
        )

    def update(self, **kwargs: Any) -> int:
        raise TypeError("a return's sign-off is never changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("a return's sign-off is never deleted")


class ReturnSignOffManager(models.Manager.from_queryset(ReturnSignOffQuerySet)):  # type: ignore[misc]
    def sign_off(
        self,
        council: "Organisation",
        year: "FinancialYear",
        user: "User",
        job_title: str,
        cells: dict[str, Any],
    ) -> "ReturnSignOff":
        """Record the lead's sign-off of ``cells`` (the return as built now, with its validation)."""
        with transaction.atomic():
            return self.create(
                council=council,
                year=year.label,
                signed_off_by=user,
                signed_off_by_name=user.get_full_name() or user.get_username(),
                job_title=job_title,
                statement=sign_off_statement(year),
                cells=cells,
            )


class ReturnSignOff(models.Model):
    """One sign-off of one council's SAC return for one financial year (immutable)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    council = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    year = models.CharField("Financial year", max_length=7, help_text="Such as 2025-26.")
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_off_by_name = models.CharField(max_length=300, help_text="The name as it was at sign-off.")
    job_title = models.CharField(max_length=200)
    signed_off_at = models.DateTimeField(default=timezone.now)
    statement = models.TextField(help_text="The statement the lead confirmed.")
    cells = models.JSONField(help_text="The whole return as signed off: tables, warnings and validation.")

    objects = ReturnSignOffManager()

    class Meta:
        ordering = ["-signed_off_at"]
        indexes = [models.Index(fields=["council", "year", "-signed_off_at"], name="signoff_council_year")]

    def __str__(self) -> str:
        return f"{self.reference} signed off by {self.signed_off_by_name} at {self.signed_off_at}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("a return's sign-off is never changed: sign off again instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("a return's sign-off is never deleted")

    @property
    def reference(self) -> str:
        """How the access log names it: ``SAC-2025-26-E06000901``."""
        return f"SAC-{self.year}-{self.council.ons_code}"

    def differences(self, now: dict[str, Any]) -> list[dict[str, Any]]:
        """The cells of the return ``now`` (build_return's result) whose counts differ from the
        signed-off ones: table, row, column, the signed-off count and the count now, in the
        tables' order."""
        return cell_differences(self.cells.get("tables", {}), now.get("tables", {}))


def cell_differences(before: dict[str, list], after: dict[str, list]) -> list[dict[str, Any]]:
    """Cells (a missing cell counts 0) whose counts differ between two returns' ``tables``."""
    from .sac import ORDERS, TABLE_TITLES

    table_ids = list(TABLE_TITLES) + sorted((set(before) | set(after)) - set(TABLE_TITLES))
    found = []
    for table_id in table_ids:
        old = {(c["row"], c["column"]): c["count"] for c in before.get(table_id, [])}
        new = {(c["row"], c["column"]): c["count"] for c in after.get(table_id, [])}
        rows, columns = ORDERS.get(table_id, ([], []))

        def position(key: tuple[str, str], rows: list[str] = rows, columns: list[str] = columns) -> tuple:
            row, column = key
            return (
                rows.index(row) if row in rows else len(rows),
                row,
                columns.index(column) if column in columns else len(columns),
                column,
            )

        for key in sorted(set(old) | set(new), key=position):
            if old.get(key, 0) != new.get(key, 0):
                found.append(
                    {
                        "table": table_id,
                        "row": key[0],
                        "column": key[1],
                        "signed_off": old.get(key, 0),
                        "now": new.get(key, 0),
                    }
                )
    return found
