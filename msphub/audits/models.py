"""Case file audits: versioned audit tools (from YAML), audit rounds with a reproducible sample, the
audits of each sampled record (and their moderation by a second auditor), and learning actions.

An auditor sees only the records sampled for them (../shared/domain/access.md): ``Audit.objects
.for_user`` is the one rule, and the audit page shows the record through the audit, never through
the casework pages, which stay closed to a case file auditor.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from msphub.core import categories


class AuditTool(models.Model):
    """One version of an audit tool, loaded from YAML (``audit_tool_load``) and never changed after:
    audits answered on version 1 keep reading version 1's questions."""

    slug = models.SlugField(max_length=100)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    # The lowest grade that meets the standard ("good" on a four-point scale): results give the share
    # of answers at or above it.
    meets_standard_grade = models.SmallIntegerField(null=True, blank=True)
    source = models.TextField(help_text="The YAML the tool was loaded from, kept as it was.")
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="unique_audit_tool_version")]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class AuditQuestion(models.Model):
    """A question of a tool, in its section. ``scale`` is the answer scale: a list of
    ``{"value", "label", "grade"}`` (grade an integer, higher better, or null for "not applicable");
    empty for a free-text question."""

    tool = models.ForeignKey(AuditTool, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField("Question id", max_length=100)
    section = models.CharField(max_length=200)
    order = models.PositiveIntegerField()
    text = models.TextField()
    guidance = models.TextField(blank=True)
    # The safeguarding principle or MSP question it asks about ("empowerment", "msp_outcomes"), if any.
    principle = models.CharField(max_length=50, blank=True)
    # The MSP measure it sheds light on (a key of measures.measures.MEASURES, like "msp_asked"): the
    # dashboard shows the question's results beside that figure.
    measure = models.CharField(max_length=50, blank=True)
    scale = models.JSONField(default=list, blank=True)
    # A comment box beside the scale (always, for a free-text question).
    comment = models.BooleanField(default=True)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["tool", "order"]
        constraints = [models.UniqueConstraint(fields=["tool", "key"], name="unique_audit_question_key")]

    def __str__(self) -> str:
        return self.key

    @property
    def is_free_text(self) -> bool:
        return not self.scale


class AuditRoundQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "AuditRoundQuerySet":
        """The council's safeguarding lead sets up, samples and reads its rounds; nobody else opens a
        round (auditors open their audits)."""
        if not user.is_authenticated or not user.is_lead:
            return self.none()
        return self.filter(council_id=user.organisation_id)


class AuditRound(models.Model):
    """A round of audits: which tool, which records (the sampling rule over a period), and who audits.

    The sample is reproducible: the same rule, period, ``as_at`` date and ``seed`` draw the same
    records (``audits.sampling``), whenever it is drawn."""

    class Rule(models.TextChoices):
        PER_TEAM_MONTH = "per_team_month", "A number of enquiries per team per month"
        THEMED = "themed", "Themed: enquiries about one type of risk"
        NOT_ACHIEVED = "not_achieved", "Enquiries where a desired outcome was not achieved"
        NO_ENQUIRY = "no_enquiry", "Concerns that did not become enquiries"
        PARTNER_ENQUIRIES = "partner_enquiries", "Enquiries made by partner agencies"

    class Status(models.TextChoices):
        DRAFT = "draft", "Not yet sampled"
        OPEN = "open", "Sampled: audits under way"
        CLOSED = "closed", "Closed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    council = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="audit_rounds"
    )
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    tool = models.ForeignKey(AuditTool, on_delete=models.PROTECT, related_name="rounds")
    rule = models.CharField("Sampling rule", max_length=30, choices=Rule.choices)
    # The records' period: enquiries started (per team per month, themed, partner), concluded (not
    # achieved) or concerns received (no enquiry) from period_start to period_end inclusive.
    period_start = models.DateField()
    period_end = models.DateField()
    # The sample reads records as they stood at the end of this day, so a later record never changes it.
    as_at = models.DateField("Sample as at")
    seed = models.CharField(
        max_length=50, help_text="Any word or number: the same seed draws the same sample."
    )
    # PER_TEAM_MONTH: this many a team a month; the other rules: this many in all.
    sample_size = models.PositiveIntegerField(default=2)
    risk_type = models.CharField(max_length=40, choices=categories.RISK_TYPE, blank=True)
    include_restricted = models.BooleanField(
        "Include restricted records",
        default=False,
        help_text="Restricted records are left out of a sample unless the safeguarding lead includes them.",
    )
    # The share of completed audits a second auditor moderates, in per cent.
    moderation_percent = models.PositiveSmallIntegerField(default=20)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sampled_at = models.DateTimeField(null=True, blank=True)

    objects = AuditRoundQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_start", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")), name="audit_round_period"
            ),
            models.CheckConstraint(
                condition=models.Q(moderation_percent__lte=100), name="audit_round_moderation_percent"
            ),
            models.CheckConstraint(
                condition=~models.Q(rule="themed") | ~models.Q(risk_type=""), name="audit_round_themed_risk"
            ),
        ]

    def __str__(self) -> str:
        return self.title


def auditors_of(council_id: Any) -> "models.QuerySet":
    """Who may audit a council's case files (the one rule; ``council_id`` may be an ``OuterRef``): its
    active casework staff and case file auditors, and the case file auditors of the partner agencies
    that work with it (multi-agency audit), never a network's users."""
    from msphub.accounts.models import COUNCIL_CASEWORK_ROLES, Organisation, Role, User

    roles = [*COUNCIL_CASEWORK_ROLES, Role.CASE_FILE_AUDITOR]
    return User.objects.filter(
        models.Q(organisation_id=council_id, role__in=roles)
        | models.Q(organisation__councils=council_id, role=Role.CASE_FILE_AUDITOR),
        is_active=True,
    ).exclude(organisation__kind=Organisation.Kind.NETWORK)


class AuditQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "AuditQuerySet":
        """Audits the user may open (../shared/domain/access.md, "case file auditor").

        Actions: "view" (the auditor it is assigned to, while the round is open; the council's
        safeguarding lead; in a live audit, the practitioner whose work it is), "edit" (answering: the
        auditor, while the audit is not completed and the round is open), "reflect" (the live audit's
        practitioner, likewise).

        An auditor is one only while they may audit for the round's council: its casework staff or
        case file auditors, or case file auditors of a partner agency that works with it (someone
        re-roled or moved elsewhere loses the audit). A restricted person's record is open only in a
        round that includes restricted records (the lead's choice), and then only to whoever the one
        rule for restricted records lets see it (``PersonQuerySet.restricted_from``: the lead and the
        users named on it; never a partner).
        """
        if not user.is_authenticated:
            return self.none()
        from msphub.people.models import Person

        qs = self.exclude(models.Q(person__restricted=True) & models.Q(audit_round__include_restricted=False))
        if not user.is_lead:
            qs = qs.exclude(person__in=Person.objects.restricted_from(user))
        if not (user.does_casework or user.is_case_file_auditor):
            return self.none()
        # The round's council is one the user may audit for: the one rule, ``auditors_of``.
        councils = models.Q(
            models.Exists(auditors_of(models.OuterRef("audit_round__council_id")).filter(pk=user.pk))
        )
        auditing = models.Q(auditor=user, audit_round__status=AuditRound.Status.OPEN) & councils
        if action == "view":
            mine = auditing
            if user.is_lead:
                mine |= models.Q(audit_round__council_id=user.organisation_id)
            if user.does_casework:
                mine |= models.Q(mode=Audit.Mode.LIVE, practitioner=user) & councils
            return qs.filter(mine)
        editable = qs.filter(audit_round__status=AuditRound.Status.OPEN).exclude(
            status=Audit.Status.COMPLETED
        )
        if action == "edit":
            return editable.filter(auditing)
        if action == "reflect":
            if not user.does_casework:
                return self.none()
            return editable.filter(councils, mode=Audit.Mode.LIVE, practitioner=user)
        return self.none()


class Audit(models.Model):
    """One auditor's audit of one sampled record: a concern (that did not become an enquiry) or an
    enquiry. A moderation is another ``Audit`` of the same record by a second auditor, pointing at
    the audit it moderates; the agreement between the two is ``audits.results.agreement``."""

    class Mode(models.TextChoices):
        STANDARD = "standard", "Auditor alone"
        LIVE = "live", "Live, with the practitioner"

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    audit_round = models.ForeignKey(AuditRound, on_delete=models.CASCADE, related_name="audits")
    # The sampled record: the enquiry, or the concern when no enquiry followed; person and team as
    # they were when sampled (the team is what "by team" results group on).
    concern = models.ForeignKey("concerns.Concern", on_delete=models.PROTECT, related_name="+")
    enquiry = models.ForeignKey(
        "enquiries.Enquiry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Where in the drawn sample (1, 2, ...): the order audit_sample prints.
    position = models.PositiveIntegerField()
    moderates = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="moderations"
    )
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="audits"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.STANDARD)
    # In a live audit, the practitioner whose work is audited, who records their own reflections.
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    practitioner_reflections = models.TextField("The practitioner's reflections", max_length=5000, blank=True)
    summary = models.TextField("The auditor's summary", max_length=5000, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = AuditQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["audit_round", "position", "pk"]
        constraints = [
            # One first audit of each sampled record in a round; moderations point at it.
            models.UniqueConstraint(
                fields=["audit_round", "concern"],
                condition=models.Q(moderates__isnull=True),
                name="one_audit_per_sampled_record",
            ),
            models.UniqueConstraint(
                fields=["moderates"],
                condition=models.Q(moderates__isnull=False),
                name="one_moderation_per_audit",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="completed") | models.Q(completed_at__isnull=False),
                name="audit_completed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["auditor", "status"], name="audit_auditor_idx")]

    def __str__(self) -> str:
        return f"{self.audit_round}: {self.reference}"

    @property
    def reference(self) -> str:
        """The sampled record's reference: the enquiry's, or the concern's."""
        return self.enquiry.reference if self.enquiry_id else self.concern.reference  # type: ignore[union-attr]

    @property
    def is_moderation(self) -> bool:
        return self.moderates_id is not None


class AuditAnswer(models.Model):
    """An answer to one question: the scale's value (with its grade copied, so results group on a
    column) and the auditor's comment."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(AuditQuestion, on_delete=models.PROTECT, related_name="answers")
    value = models.CharField(max_length=50, blank=True)
    grade = models.SmallIntegerField(null=True, blank=True)
    comment = models.TextField(max_length=5000, blank=True)
    # In a live audit, the practitioner's own reflection on the question, beside the auditor's comment.
    reflection = models.TextField(max_length=5000, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["audit", "question__order"]
        constraints = [models.UniqueConstraint(fields=["audit", "question"], name="one_answer_per_question")]

    def __str__(self) -> str:
        return f"{self.question.key}: {self.value or '-'}"


class LearningActionQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "LearningActionQuerySet":
        """Who sees a learning action: its owner, the owner's team manager, the auditor who set it and
        the council's safeguarding lead. "edit" (marking it done): the owner, their manager, the lead."""
        if not user.is_authenticated:
            return self.none()
        mine = models.Q(owner=user)
        if user.is_manager and user.team_id:
            mine |= models.Q(owner__team_id=user.team_id, owner__organisation_id=user.organisation_id)
        if user.is_lead:
            mine |= models.Q(audit__audit_round__council_id=user.organisation_id)
        if action == "view":
            mine |= models.Q(created_by=user)
            return self.filter(mine)
        if action == "edit":
            return self.filter(mine, status=LearningAction.Status.OPEN)
        return self.none()

    def open(self) -> "LearningActionQuerySet":
        return self.filter(status=LearningAction.Status.OPEN)


class LearningAction(models.Model):
    """Something to learn or change that an audit found, owned by a named member of staff."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="learning_actions")
    action = models.TextField("What will be learned or done", max_length=2000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="learning_actions"
    )
    due_on = models.DateField("Due date")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(null=True, blank=True)
    done_note = models.TextField("What was done", max_length=2000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = LearningActionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(done_on__isnull=False),
                name="learning_action_done_date",
            )
        ]

    def __str__(self) -> str:
        return self.action[:60]
