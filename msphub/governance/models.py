"""Information governance records: each council's retention rules, and what was disposed of under them.

The rules are set by the council's safeguarding lead in the admin; ``manage.py retention`` lists the
records past them and anonymises or erases those records (msphub/governance/retention.py).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class RetentionRule(models.Model):
    """How long a council keeps one type of record, and what happens to it after."""

    class RecordType(models.TextChoices):
        CONCERN_NO_ENQUIRY = "concern_no_enquiry", "Concerns closed without an enquiry"
        CLOSED_ENQUIRY = "closed_enquiry", "Closed enquiries, with their concern"
        PERSON_WITHOUT_ACTIVITY = (
            "person_without_activity",
            "People with nothing open and no activity, with all their records",
        )
        # The Board's record, not a person's: it goes alone (retention.py).
        SAFEGUARDING_ADULTS_REVIEW = (
            "safeguarding_adults_review",
            "Safeguarding Adults Reviews that are over, with no recommendation still open",
        )

    class Action(models.TextChoices):
        ANONYMISE = (
            "anonymise",
            "Anonymise: remove names, contact details and free text; keep the dates and categories "
            "the returns count",
        )
        ERASE = "erase", "Erase: delete the records and their change history"

    council = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="retention_rules",
        limit_choices_to={"kind": "council"},
    )
    record_type = models.CharField(max_length=30, choices=RecordType.choices)
    years = models.PositiveSmallIntegerField(
        "Keep for (years)",
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Counted from when the concern or enquiry was closed; for a person, from their "
        "last activity (the record created or changed, a concern received or decided, an enquiry "
        "started or closed); for a Safeguarding Adults Review, from its publication, else its "
        "conclusion, else the decision not to hold one.",
    )
    action = models.CharField("After that", max_length=10, choices=Action.choices, default=Action.ANONYMISE)

    class Meta:
        ordering = ["council__name", "record_type"]
        constraints = [
            models.UniqueConstraint(fields=["council", "record_type"], name="one_retention_rule_per_type")
        ]

    def __str__(self) -> str:
        return f"{self.get_record_type_display()}: {self.years} years, then {self.action}"


class Disposal(models.Model):
    """A record anonymised or erased under a retention rule: which one (its uuid and reference, no
    content), when and under which rule. An anonymised record is not listed again."""

    council = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(
        RetentionRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="disposals"
    )
    record_type = models.CharField(max_length=40, help_text="The record's model, like concerns.concern.")
    record_id = models.UUIDField()
    reference = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=10, choices=RetentionRule.Action.choices)
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-done_at"]
        indexes = [models.Index(fields=["record_type", "record_id"])]

    def __str__(self) -> str:
        return f"{self.record_type} {self.reference or self.record_id} {self.action} at {self.done_at}"
