"""The adult at risk and the people who represent them."""

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.html import strip_tags
from simple_history.models import HistoricalRecords

from msphub.core import categories
from msphub.core.validators import format_nhs_number, validate_nhs_number

# Break-glass access to a restricted record lasts this long from when it is granted.
EMERGENCY_ACCESS_HOURS = 8
EMERGENCY_ACCESS_PERIOD = timedelta(hours=EMERGENCY_ACCESS_HOURS)
# The reason for emergency access: at least this many characters once markup and repeated spaces
# are taken out, with at least this many letters (so "...................." is not a reason).
EMERGENCY_REASON_MIN_LENGTH = 20
EMERGENCY_REASON_MIN_LETTERS = 10


def _may_see_restricted(user) -> models.Q:
    """When a restricted person (the row filtered) is open to ``user`` anyway: the user is named on
    the record, or is the council's casework staff with unexpired emergency access to it.

    The one rule for restricted records: the people's, concerns' and enquiries' ``for_user`` all
    use it (``PersonQuerySet.restricted_from``). The safeguarding lead sees every restricted record
    and is not asked this."""
    named = Person.restricted_to.through.objects.filter(person_id=models.OuterRef("pk"), user_id=user.pk)
    allowed = models.Q(models.Exists(named))
    if user.council_id is not None:  # council casework staff only, never a partner
        emergency = EmergencyAccess.objects.current().filter(person_id=models.OuterRef("pk"), user_id=user.pk)
        allowed |= models.Q(council_id=user.council_id) & models.Q(models.Exists(emergency))
    return allowed


class PersonQuerySet(models.QuerySet):
    def restricted_from(self, user) -> "PersonQuerySet":
        """The restricted records ``user`` may not see (unless they are the lead, who sees all)."""
        return self.filter(restricted=True).exclude(_may_see_restricted(user))

    def not_merged(self) -> "PersonQuerySet":
        """The records still in use: not merged into another record (``services.merge_people``)."""
        return self.filter(merged_into__isnull=True)

    def for_user(self, user, action: str = "view") -> "PersonQuerySet":
        """Records the user may see ("view") or change ("edit"); see ../shared/domain/access.md.

        A record merged into another is in none of them: not in search, lists, likely duplicates,
        nor open to any change. Only its own page and history show it (``Person.with_merged``)."""
        return self.not_merged()._scoped_for_user(user, action)

    def _scoped_for_user(self, user, action: str) -> "PersonQuerySet":
        if not user.is_authenticated:
            return self.none()
        if user.is_partner_enquiry_officer:
            # A partner making an enquiry sees the person it is about, and changes nothing.
            if action != "view":
                return self.none()
            visible = self.filter(enquiries__making_organisation_id=user.organisation_id)
            return visible.filter(models.Q(restricted=False) | _may_see_restricted(user)).distinct()
        if not user.does_casework:
            return self.none()
        qs = self.filter(council_id=user.organisation_id)
        if not user.is_lead:
            # Restricted records: only named users, those with emergency access (and the
            # safeguarding lead) see them.
            qs = qs.filter(models.Q(restricted=False) | _may_see_restricted(user))
        if action == "view" or user.is_lead:
            return qs
        # Practitioners and managers change the records their team owns or works on.
        if not user.team_id:
            return qs.filter(created_by=user)
        return qs.filter(models.Q(team_id=user.team_id) | models.Q(concerns__team_id=user.team_id)).distinct()


class PersonWithMergedQuerySet(PersonQuerySet):
    """For a person's own page and its history alone: a record merged into another still opens there
    (to whoever could have seen it), to say where its concerns and enquiries went. Any other action
    is as ``PersonQuerySet.for_user``: nothing is changed on, or added to, a merged record."""

    def for_user(self, user, action: str = "view") -> "PersonQuerySet":
        if action != "view":
            return super().for_user(user, action)
        return self._scoped_for_user(user, action)


class DeathSource(models.TextChoices):
    """Where a date of death came from."""

    FAMILY = "family", "Family"
    NHS = "nhs", "GP or NHS record"
    CORONER = "coroner", "Coroner or registrar"
    OTHER = "other", "Other"


# SG1e of the national return (learning, developmental or intellectual disability): the value is the
# return's column label, so the return and its SQL recount group on it as it is.
AUTISM = (
    "Learning, Developmental or Intellectual Disability "
    "(Autism excluding Asperger's Syndrome/ High Functioning Autism)"
)
ASPERGERS = (
    "Learning, Developmental or Intellectual Disability (Asperger's Syndrome/ High Functioning Autism)"
)
AUTISM_NEITHER = "Neither"
AUTISM_NOT_KNOWN = "Not known"
AUTISM_CHOICES = [
    (AUTISM, "Autism (excluding Asperger's syndrome or high-functioning autism)"),
    (ASPERGERS, "Asperger's syndrome or high-functioning autism"),
    (AUTISM_NEITHER, "Neither"),
    (AUTISM_NOT_KNOWN, "Not known"),
]


class Person(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    council = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="people",
        limit_choices_to={"kind": "council"},
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        help_text="The team that created or holds the record.",
    )
    given_name = models.CharField("First name", max_length=100)
    family_name = models.CharField("Last name", max_length=100)
    preferred_name = models.CharField(
        "Preferred name", max_length=100, blank=True, help_text="What the person likes to be called"
    )
    date_of_birth = models.DateField(null=True, blank=True)
    nhs_number = models.CharField(
        "NHS number", max_length=10, blank=True, db_index=True, validators=[validate_nhs_number]
    )
    gender = models.CharField(max_length=20, choices=categories.GENDER, default="Not Known")
    ethnicity = models.CharField(
        max_length=60, choices=categories.ETHNICITY, default="Undeclared / Not Known"
    )
    primary_support_reason = models.CharField(
        max_length=60, choices=categories.PRIMARY_SUPPORT_REASON, default="Not Known"
    )
    date_of_death = models.DateField(null=True, blank=True)
    date_of_death_source = models.CharField(
        "Where the date of death came from", max_length=20, choices=DeathSource.choices, blank=True
    )
    autism = models.CharField(
        "Autism or Asperger's syndrome, as recorded by the council",
        max_length=120,
        choices=AUTISM_CHOICES,
        default=AUTISM_NOT_KNOWN,
    )
    address = models.TextField(max_length=500, blank=True)
    postcode = models.CharField(max_length=8, blank=True, db_index=True)
    phone = models.CharField(max_length=40, blank=True)
    communication_needs = models.TextField(
        max_length=2000,
        blank=True,
        help_text="For example an interpreter, British Sign Language, easy read, hearing loop",
    )
    restricted = models.BooleanField(
        default=False,
        help_text="Only named users and the safeguarding lead can see a restricted record, for "
        "example when the person works for the council.",
    )
    restricted_to = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A duplicate merged into another record by the safeguarding lead (``services.merge_people``):
    # kept, with its history, but its concerns, enquiries and representatives are the kept record's.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        help_text="The record this duplicate was merged into.",
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    merge_reason = models.TextField("Why the records were merged", max_length=2000, blank=True)
    history = HistoricalRecords(excluded_fields=["created_at"])

    objects = PersonQuerySet.as_manager()
    # Merged records too, for the record's own page and history only (see the queryset).
    with_merged = PersonWithMergedQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            # A merge says when, by whom and why, and never into the record itself.
            models.CheckConstraint(
                condition=models.Q(merged_into__isnull=True)
                | (
                    models.Q(merged_at__isnull=False, merged_by__isnull=False)
                    & ~models.Q(merge_reason="")
                    & ~models.Q(merged_into=models.F("pk"))
                ),
                name="person_merge_recorded",
            ),
        ]
        indexes = [
            models.Index(fields=["council", "family_name", "date_of_birth"]),
            # Every record lookup excludes restricted people the user is not named on; this small
            # partial index lets that be a few index entries instead of a scan of everyone.
            models.Index(fields=["id"], condition=models.Q(restricted=True), name="person_restricted"),
        ]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number) if self.nhs_number else ""

    def clean(self) -> None:
        errors = {}
        death, birth = self.date_of_death, self.date_of_birth
        if death and birth and death < birth:
            errors["date_of_death"] = "Date of death must be the same as or after the date of birth"
        elif death and death > timezone.localdate():
            errors["date_of_death"] = "Date of death must be today or in the past"
        if death and not self.date_of_death_source:
            errors["date_of_death_source"] = "Select where the date of death came from"
        if self.date_of_death_source and not death:
            errors["date_of_death"] = "Enter the date of death, or remove where it came from"
        if errors:
            raise ValidationError(errors)

    def age_on(self, day: date) -> int | None:
        if not self.date_of_birth:
            return None
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


class Representative(models.Model):
    class Kind(models.TextChoices):
        FAMILY = "family", "Family member"
        FRIEND = "friend", "Friend"
        CARER = "carer", "Carer"
        ADVOCATE = "advocate", "Advocate"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="representatives")
    name = models.CharField(max_length=200)
    kind = models.CharField("Type", max_length=20, choices=Kind.choices)
    relationship = models.CharField(
        max_length=100, blank=True, help_text="For example daughter, neighbour, IMCA"
    )
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


def clean_emergency_reason(value: str) -> str:
    """The reason as kept: markup removed and runs of spaces and new lines made one space."""
    return " ".join(strip_tags(value or "").split())


def validate_emergency_reason(value: str) -> None:
    text = clean_emergency_reason(value)
    if not text:
        raise ValidationError("Enter why you need to see this record", code="required")
    letters = sum(ch.isalpha() for ch in text)
    if len(text) < EMERGENCY_REASON_MIN_LENGTH or letters < EMERGENCY_REASON_MIN_LETTERS:
        raise ValidationError(
            f"The reason must be at least {EMERGENCY_REASON_MIN_LENGTH} characters: say why you need "
            "to see this record now",
            code="too_short",
        )


class EmergencyAccessQuerySet(models.QuerySet):
    def current(self, now: datetime | None = None) -> "EmergencyAccessQuerySet":
        """Not yet expired."""
        return self.filter(expires_at__gt=now or timezone.now())

    def for_user(self, user, action: str = "view") -> "EmergencyAccessQuerySet":
        """The safeguarding lead reads every emergency access to their council's records; nobody
        changes one."""
        if action != "view" or not user.is_authenticated or not user.is_lead:
            return self.none()
        return self.filter(person__council_id=user.organisation_id)


class EmergencyAccess(models.Model):
    """Break-glass access: a council practitioner not named on a restricted record sees it (and
    its concerns and enquiries) for EMERGENCY_ACCESS_HOURS, having said why. Granting it is logged
    and the council's safeguarding leads are told (``services.grant_emergency_access``). Written
    once, never changed."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Erased with the person (the reason may say who they are); the access log keeps the trail.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="emergency_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=2000, validators=[validate_emergency_reason])
    granted_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(editable=False)

    objects = EmergencyAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at"]
        verbose_name_plural = "emergency accesses"
        indexes = [models.Index(fields=["user", "person", "expires_at"])]

    def __str__(self) -> str:
        return f"Emergency access by {self.user_id} to person {self.person_id} at {self.granted_at}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A record of what happened: written once, never edited.
        if not self._state.adding:
            raise TypeError("an emergency access is written once and never changed")
        self.reason = clean_emergency_reason(self.reason)
        self.expires_at = self.granted_at + EMERGENCY_ACCESS_PERIOD
        super().save(*args, **kwargs)

    @property
    def is_current(self) -> bool:
        return self.expires_at > timezone.now()
