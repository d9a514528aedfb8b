"""A safeguarding concern, from the first report through triage to the section 42 decision."""

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from msphub.core import categories
from msphub.people.models import Person


def first_contact_window() -> timedelta:
    hours = settings.MSPHUB["FIRST_CONTACT_HOURS"]
    assert isinstance(hours, int | float), "MSPHUB['FIRST_CONTACT_HOURS'] is a number of hours"
    return timedelta(hours=hours)


def counted_concern(path: str = "") -> models.Q:
    """The one rule for a concern the return and the measures count (``ConcernQuerySet.counted``),
    for a query on the concern itself or reaching it through ``path`` (``"concern__"`` from an
    enquiry): neither set aside nor flagged as abuse in another area."""
    return models.Q(**{f"{path}set_aside": "", f"{path}other_area": ""})


class ConcernQuerySet(models.QuerySet):
    def for_agency(self, organisation_id: int | None, council_id: int | None = None) -> "ConcernQuerySet":
        """The concerns a partner agency raised (access.md, scope "agency"), whose status it follows: a
        partner referrer's, across the councils it works with; a partner system's token's, of the one
        council that issued the token (``council_id``)."""
        if organisation_id is None:
            return self.none()
        qs = self.filter(raiser_organisation_id=organisation_id)
        return qs if council_id is None else qs.filter(council_id=council_id)

    def for_user(self, user, action: str = "view") -> "ConcernQuerySet":
        """Concerns the user may act on; see ../shared/domain/access.md.

        Actions: "view" (council staff), "triage" (own or team; unallocated ones may be picked up),
        "sign_off" (managers, for their team), "status" (a partner sees its agency's concerns' status),
        "manage" (corrections: setting a concern aside, a transfer, the other-area flag: the
        safeguarding lead for the council, a team manager for their team's concerns and those no team
        has picked up yet).
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_partner_referrer:
            if action != "status":
                return self.none()
            return self.for_agency(user.organisation_id)
        if not user.does_casework:
            return self.none()
        qs = self.filter(council_id=user.organisation_id)
        if action == "status":
            qs = qs.filter(raised_by_user=user)
        if not user.is_lead:
            hidden = Person.objects.restricted_from(user)
            qs = qs.exclude(person__in=hidden)
        if action in ("view", "status") or user.is_lead and action == "triage":
            return qs
        if action == "triage":
            # A user without a team must not match every record that has no team.
            mine = models.Q(assigned_to=user)
            if user.team_id:
                mine |= models.Q(team_id=user.team_id)
            return qs.filter(mine | models.Q(team__isnull=True, status=Concern.Status.RECEIVED))
        if action == "sign_off":
            if not user.is_manager or not user.team_id:
                return self.none()
            # A decision recorded by someone without a team (the lead) goes to any team manager.
            teamless = models.Q(team__isnull=True, status=Concern.Status.AWAITING_SIGN_OFF)
            return qs.filter(models.Q(team_id=user.team_id) | teamless)
        if action == "manage":
            if user.is_lead:
                return qs
            if not user.is_manager:
                return self.none()
            theirs = models.Q(team__isnull=True)
            if user.team_id:
                theirs |= models.Q(team_id=user.team_id)
            return qs.filter(theirs)
        return self.none()

    def counted(self) -> "ConcernQuerySet":
        """The concerns the national return and the measures count: not set aside (entered in error
        or a duplicate) and not flagged as abuse that occurred in another council's area. A concern
        transferred between councils is counted by the council that holds it (``council``)."""
        return self.filter(counted_concern())

    def set_aside_ones(self) -> "ConcernQuerySet":
        """Marked as entered in error or as a duplicate: in the record, never counted."""
        return self.exclude(set_aside="")

    def in_other_area(self) -> "ConcernQuerySet":
        """Flagged as abuse that occurred in another council's area (outside this installation): left
        out of this council's return, with a warning naming them."""
        return self.exclude(other_area="")

    def refresh_first_contact(self) -> int:
        """Set these concerns' ``first_contact_at`` from their first contacts: the earliest not
        entered in error. ``FirstContact.save`` and ``delete`` do it for their concern; a bulk write
        of contacts (the synthetic data) calls this after. Returns the number of concerns."""
        earliest = FirstContact.objects.counted().filter(concern=models.OuterRef("pk")).order_by("contact_at")
        return self.update(first_contact_at=models.Subquery(earliest.values("contact_at")[:1]))

    def first_contact_within_target(self) -> "ConcernQuerySet":
        """Spoken to within 24 hours of the concern being received (exactly 24 hours counts).

        Only conversations that happened count: not one marked entered in error, and never an
        unsuccessful attempt (``ContactAttempt``, a separate record)."""
        return self.filter(first_contact_at__lte=models.F("received_at") + first_contact_window())

    def first_contact_overdue(self, now=None) -> "ConcernQuerySet":
        """Not yet spoken to, and more than 24 hours since the concern was received."""
        now = now or timezone.now()
        # The concern's own first_contact_at (kept by its contacts), as the queue and the measures.
        return self.filter(
            received_at__lt=now - first_contact_window(), first_contact_at__isnull=True
        ).exclude(status=Concern.Status.CLOSED)

    def open(self) -> "ConcernQuerySet":
        """Not decided yet: still at the front door (see ``Concern.is_decided``)."""
        return self.filter(status__in=Concern.UNDECIDED)


class Concern(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        TRIAGE = "triage", "Being looked at"
        AWAITING_SIGN_OFF = "awaiting_sign_off", "Decision awaiting sign-off"
        ENQUIRY = "enquiry", "Enquiry started"
        CLOSED = "closed", "Closed"

    # Still at the front door: received, being looked at, or its decision awaiting sign-off. Once the
    # decision is signed off (an enquiry started, or the concern closed) the triage can no longer change.
    UNDECIDED = (Status.RECEIVED, Status.TRIAGE, Status.AWAITING_SIGN_OFF)

    # What a partner agency is told: four plain stages and nothing else.
    PARTNER_STATUS = {
        Status.RECEIVED: "Received",
        Status.TRIAGE: "Being looked at",
        Status.AWAITING_SIGN_OFF: "Being looked at",
        Status.ENQUIRY: "Enquiry started",
        Status.CLOSED: "Closed",
    }

    class SetAside(models.TextChoices):
        ERROR = "error", "Entered in error"
        DUPLICATE = "duplicate", "Duplicate"

    class RaiserKind(models.TextChoices):
        PROFESSIONAL = (
            "professional",
            "Someone who works with the adult (a professional or volunteer)",
        )
        FAMILY_FRIEND = "family_friend", "A family member, friend or carer"
        SELF = "self", "The adult themselves"
        PUBLIC = "public", "A member of the public"

    class Consent(models.TextChoices):
        GIVEN = "given", "Yes, they agreed to this concern being raised"
        NOT_GIVEN = "not_given", "No, they did not agree"
        NOT_SOUGHT = "not_sought", "They have not been asked"

    class NotSoughtReason(models.TextChoices):
        LACKS_CAPACITY = "lacks_capacity", "They lack the mental capacity to consent"
        OTHERS_AT_RISK = "others_at_risk", "Other people are at risk"
        CRIME = "crime", "A crime may have been committed"
        PUBLIC_INTEREST = "public_interest", "It is in the public interest"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    council = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="concerns_received",
        limit_choices_to={"kind": "council"},
    )
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    # One submission of the form makes at most one concern, however often it is posted.
    submission_token = models.UUIDField(unique=True, null=True, blank=True, editable=False)

    # Who raised it and how to reach them
    raised_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="concerns_raised",
    )
    raiser_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="concerns_raised",
    )
    raiser_kind = models.CharField(max_length=20, choices=RaiserKind.choices)
    raiser_name = models.CharField(max_length=200)
    raiser_role = models.CharField(max_length=200, blank=True)
    raiser_organisation_name = models.CharField(max_length=200, blank=True)
    raiser_phone = models.CharField(max_length=40, blank=True)
    raiser_email = models.EmailField(blank=True)

    # Who it is about, as the raiser described them (linked to a person record at triage)
    adult_given_name = models.CharField(max_length=100)
    adult_family_name = models.CharField(max_length=100)
    adult_date_of_birth = models.DateField(null=True, blank=True)
    adult_address = models.TextField(max_length=500, blank=True)
    adult_postcode = models.CharField(max_length=8, blank=True)
    adult_phone = models.CharField(max_length=40, blank=True)
    adult_needs = models.TextField(max_length=2000, blank=True)
    adult_communication_needs = models.TextField(max_length=1000, blank=True)

    # What happened
    what_happened = models.TextField(max_length=5000)
    happened_on = models.DateField(null=True, blank=True)
    still_happening = models.BooleanField(default=False)
    location_of_risk = models.CharField(max_length=40, choices=categories.LOCATION_OF_RISK)
    source_of_risk = models.CharField(max_length=40, choices=categories.SOURCE_OF_RISK)
    care_provider_name = models.CharField(max_length=200, blank=True)
    care_provider = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="concerns_about",
        limit_choices_to={"kind": "care_provider"},
    )
    immediate_danger = models.BooleanField(default=False)
    # What was done to keep the adult safe, asked for when the concern reports immediate danger or
    # ongoing abuse (``reports_risk``): recorded at triage, and needed before the decision.
    safety_action = models.TextField("Safety action taken", max_length=5000, blank=True, default="")
    safety_action_at = models.DateTimeField("Safety action recorded at", null=True, blank=True)
    safety_action_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Safety action recorded by",
    )

    # Consent to raise the concern
    consent = models.CharField(max_length=20, choices=Consent.choices)
    consent_not_given_reason = models.TextField(max_length=2000, blank=True)
    consent_not_sought_reason = models.CharField(max_length=20, choices=NotSoughtReason.choices, blank=True)

    # The three MSP questions, or why the person has not been asked yet
    msp_asked = models.BooleanField("The person was asked what they want")
    wants_to_happen = models.TextField(max_length=2000, blank=True)
    how_to_happen = models.TextField(max_length=2000, blank=True)
    outcomes_wanted = models.TextField(max_length=2000, blank=True)
    not_asked_reason = models.TextField(max_length=2000, blank=True)

    # Triage
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="concerns"
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="concerns"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="concerns_assigned",
    )

    # Corrections (a team manager or the safeguarding lead): set aside as entered in error or as a
    # duplicate of another of the council's concerns; kept in the record, never counted.
    set_aside = models.CharField(max_length=10, choices=SetAside.choices, blank=True, default="")
    set_aside_reason = models.TextField(max_length=2000, blank=True, default="")
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    set_aside_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    set_aside_at = models.DateTimeField(null=True, blank=True)
    # The abuse occurred in the area of a council outside this installation: its name. Left out of
    # this council's return (with a warning).
    other_area = models.CharField("The area where the abuse occurred", max_length=200, blank=True, default="")
    other_area_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    other_area_at = models.DateTimeField(null=True, blank=True)

    # When the adult (or their representative) was first spoken to: the earliest of the concern's
    # first contacts not entered in error, kept here by FirstContact.save and delete (and
    # ``refresh_first_contact``), never entered. Kept on the concern because the queue, the 24-hour
    # measure and the timeliness figures ask it of every concern they read: looked up from the
    # contacts each time, it was a third of the largest council's dashboard's concerns pass. Not
    # in the concern's history (the contacts have their own, with who recorded or struck each).
    first_contact_at = models.DateTimeField("First spoken to", null=True, blank=True, editable=False)

    # The referrer's loop (docs/partners.md): the raising agency's own reference (an incident or Datix
    # number), and what the referrer is told of the outcome, in words written for them by the council.
    raiser_reference = models.CharField(
        "Your organisation's reference",
        max_length=50,
        blank=True,
        default="",
        help_text="For example an incident or Datix number",
    )
    outcome_for_referrer = models.TextField(
        "What the referrer is told about the outcome", max_length=2000, blank=True, default=""
    )

    history = HistoricalRecords(excluded_fields=["submission_token", "first_contact_at"])
    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            # A duplicate names the concern it duplicates; nothing else does.
            models.CheckConstraint(
                condition=models.Q(set_aside="duplicate", duplicate_of__isnull=False)
                | (~models.Q(set_aside="duplicate") & models.Q(duplicate_of__isnull=True)),
                name="duplicate_names_its_original",
            ),
        ]
        indexes = [
            models.Index(fields=["council", "status", "received_at"]),
            models.Index(fields=["council", "care_provider_name"]),
            # Repeat concerns: earlier concerns about the same person.
            models.Index(fields=["person", "received_at"]),
            # The repeat measure's probe for each counted concern (an earlier counted concern about the
            # person in the twelve months before), answered from the index alone: on the index above
            # each probe also reads the concern to see whether it is counted (the largest council's
            # concerns by month, 110 to 78 ms).
            models.Index(
                fields=["person", "received_at"],
                condition=counted_concern(),
                name="concern_counted_person_idx",
            ),
            # A council's counted concerns by when they were received, with the concern, its person
            # and when they were first spoken to: the dashboard's and the measures' passes over one
            # council's concerns (by month, timeliness, people by number of concerns) read the index
            # alone, not each concern's row scattered through the table (the largest council's
            # dashboard about 40 ms less).
            models.Index(
                fields=["council", "received_at", "id", "person", "first_contact_at"],
                condition=counted_concern(),
                name="concern_council_counted_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    # Written only by the first contacts (``first_contact_at``): a concern saved whole from an
    # instance read before a contact was recorded must not put back the value it was read with.
    KEPT_BY_CONTACTS = frozenset({"first_contact_at"})

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            # As Django's own save of an instance read with some fields deferred: the loaded ones.
            left_out = self.KEPT_BY_CONTACTS | self.get_deferred_fields()
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.attname not in left_out
            ]
        super().save(*args, **kwargs)

    @property
    def adult_name(self) -> str:
        return f"{self.adult_given_name} {self.adult_family_name}"

    @property
    def is_decided(self) -> bool:
        """The decision is signed off: an enquiry started or the concern closed; triage is over."""
        return self.status not in self.UNDECIDED

    @property
    def reports_risk(self) -> bool:
        """The person raising it reported immediate danger or abuse still going on: it is listed first
        in the queue and a safety action is asked for."""
        return self.immediate_danger or self.still_happening

    @property
    def needs_safety_action(self) -> bool:
        """It reports a risk and nobody has recorded yet what was done to keep the adult safe."""
        return self.reports_risk and not self.safety_action

    @property
    def is_set_aside(self) -> bool:
        return bool(self.set_aside)

    @property
    def is_counted(self) -> bool:
        """As ``ConcernQuerySet.counted``, for one concern."""
        return not self.set_aside and not self.other_area

    @property
    def partner_status(self) -> str:
        return self.PARTNER_STATUS[self.Status(self.status)]

    @property
    def risk_type_labels(self) -> list[str]:
        return [r.risk_type for r in self.risk_types.all()]

    def first_contact_due(self):
        return self.received_at + first_contact_window()

    def age(self, now=None) -> timedelta:
        return (now or timezone.now()) - self.received_at


class ConcernRiskType(models.Model):
    """One type of risk on a concern (a concern may have several)."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="risk_types")
    risk_type = models.CharField(max_length=40, choices=categories.RISK_TYPE)

    class Meta:
        ordering = ["risk_type"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "risk_type"], name="unique_concern_risk_type")
        ]

    def __str__(self) -> str:
        return self.risk_type


class FirstContactQuerySet(models.QuerySet):
    def counted(self) -> "FirstContactQuerySet":
        """Conversations that count as contact: not marked entered in error."""
        return self.filter(entered_in_error_at__isnull=True)


class FirstContact(models.Model):
    """A conversation with the adult (or their representative) during triage.

    One recorded by mistake (the wrong person, the wrong date) is never deleted: it is marked
    entered in error with a reason, shown struck through, and no longer counted."""

    class Method(models.TextChoices):
        IN_PERSON_HOME = "home", "In person, at home"
        IN_PERSON_ELSEWHERE = "elsewhere", "In person, somewhere else"
        PHONE = "phone", "By phone"
        VIDEO = "video", "By video call"

    class SpokeWith(models.TextChoices):
        ADULT = "adult", "The adult"
        REPRESENTATIVE = (
            "representative",
            "Their representative (family, friend, carer or advocate)",
        )

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="first_contacts")
    contact_at = models.DateTimeField("When")
    method = models.CharField(max_length=20, choices=Method.choices)
    spoke_with = models.CharField(max_length=20, choices=SpokeWith.choices)
    representative_name = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    wants = models.TextField("What they said they want to happen", max_length=2000)
    notes = models.TextField(max_length=5000, blank=True)
    entered_in_error_at = models.DateTimeField(null=True, blank=True)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_in_error_reason = models.TextField(max_length=2000, blank=True, default="")
    history = HistoricalRecords()
    objects = FirstContactQuerySet.as_manager()

    class Meta:
        ordering = ["contact_at"]
        indexes = [
            # A concern's first counted contact, read straight off the index (every concern the
            # measures and the front-door queue count asks for it).
            models.Index(
                fields=["concern", "contact_at"],
                condition=models.Q(entered_in_error_at__isnull=True),
                name="first_contact_counted_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.concern} contact at {self.contact_at}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        Concern.objects.filter(pk=self.concern_id).refresh_first_contact()

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        deleted = super().delete(*args, **kwargs)
        Concern.objects.filter(pk=self.concern_id).refresh_first_contact()
        return deleted

    @property
    def is_entered_in_error(self) -> bool:
        return self.entered_in_error_at is not None


class ContactAttempt(models.Model):
    """An unsuccessful attempt to reach the adult (or their representative): recorded, so the record
    shows the effort made, and never counted as contact."""

    class Method(models.TextChoices):
        PHONE = "phone", "By phone"
        VISIT = "visit", "A visit"
        VIDEO = "video", "By video call"
        WRITTEN = "written", "In writing (letter, email or text message)"

    class Outcome(models.TextChoices):
        NO_ANSWER = "no_answer", "No answer"
        DECLINED = "declined", "They declined to speak"
        UNAVAILABLE = "unavailable", "Someone answered but they could not speak"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="contact_attempts")
    attempted_at = models.DateTimeField("When")
    method = models.CharField(max_length=20, choices=Method.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    notes = models.TextField(max_length=2000, blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["attempted_at"]

    def __str__(self) -> str:
        return f"{self.concern} attempt at {self.attempted_at}"


class ConcernTransferQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "ConcernTransferQuerySet":
        """Transfers the user may see ("view": the sending council's casework staff, the receiving
        council's team managers and safeguarding lead) or decide on ("sign_off": the receiving
        council's team managers and lead, while proposed)."""
        if not user.is_authenticated or not user.does_casework:
            return self.none()
        deciders = user.is_manager or user.is_lead
        if action == "view":
            sending = models.Q(from_council_id=user.organisation_id)
            if not user.is_lead:
                hidden = Person.objects.restricted_from(user)
                sending &= ~models.Q(concern__person__in=hidden)
            if deciders:
                return self.filter(sending | models.Q(to_council_id=user.organisation_id))
            return self.filter(sending)
        if action == "sign_off" and deciders:
            return self.filter(to_council_id=user.organisation_id, status=ConcernTransfer.Status.PROPOSED)
        return self.none()


class ConcernTransfer(models.Model):
    """A concern passed to the council (in this installation) where the abuse occurred: proposed by
    the sending council's team manager or lead, accepted or declined by the receiving council's."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="transfers")
    from_council = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="transfers_out"
    )
    to_council = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="transfers_in"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    reason = models.TextField("Why it should be transferred", max_length=2000)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    declined_reason = models.TextField(max_length=2000, blank=True, default="")
    history = HistoricalRecords()
    objects = ConcernTransferQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["concern"], condition=models.Q(status="proposed"), name="one_proposed_transfer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.concern} to {self.to_council}"

    @property
    def reference(self) -> str:
        """The concern's reference: the access log names a transfer page by it."""
        return self.concern.reference


class ConcernNote(models.Model):
    """Information gathered during triage (checks with agencies, history, etc.)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(max_length=5000)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Note on {self.concern}"


class ConcernUpdate(models.Model):
    """Information the referrer added after raising the concern (on the page, or through the API); it
    enters the person's chronology and is never changed or deleted."""

    class Source(models.TextChoices):
        REFERRER = "referrer", "The referrer, on msphub"
        API = "api", "The referrer's organisation's system"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="updates")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.REFERRER)
    added_at = models.DateTimeField(default=timezone.now)
    text = models.TextField("Information to add", max_length=5000)

    class Meta:
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return f"Information added to {self.concern}"


class Decision(models.Model):
    """The section 42 decision on a concern; it takes effect when a team manager signs it off."""

    class Outcome(models.TextChoices):
        SECTION_42 = "s42", "Section 42 enquiry"
        OTHER_ENQUIRY = "other", "Other safeguarding enquiry"
        NO_ENQUIRY = "none", "No enquiry"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    concern = models.OneToOneField(Concern, on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    criterion_care_needs = models.BooleanField("The adult has needs for care and support", default=False)
    criterion_abuse_risk = models.BooleanField(
        "The adult is experiencing, or is at risk of, abuse or neglect", default=False
    )
    criterion_cannot_protect = models.BooleanField(
        "Because of those needs, the adult cannot protect themselves", default=False
    )
    other_enquiry_reason = models.TextField(max_length=2000, blank=True)
    pathway = models.CharField(max_length=30, choices=categories.Pathway.choices, blank=True)
    referred_agency = models.CharField(max_length=20, choices=categories.ReferredAgency.choices, blank=True)
    no_further_action_reason = models.TextField(max_length=2000, blank=True)
    rationale = models.TextField("Reasons for the decision", max_length=5000)
    lead_practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    returned_comment = models.TextField("Why the decision was returned", max_length=2000, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            # A section 42 enquiry needs all three criteria of section 42(1).
            models.CheckConstraint(
                condition=~models.Q(outcome="s42")
                | models.Q(
                    criterion_care_needs=True,
                    criterion_abuse_risk=True,
                    criterion_cannot_protect=True,
                ),
                name="s42_needs_all_three_criteria",
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome="none") | ~models.Q(pathway=""),
                name="no_enquiry_needs_pathway",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.concern}: {self.get_outcome_display()}"

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None

    @property
    def opens_enquiry(self) -> bool:
        return self.outcome in (self.Outcome.SECTION_42, self.Outcome.OTHER_ENQUIRY)
