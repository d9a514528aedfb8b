"""Organisations (councils and partner agencies), teams and users with one role each."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models


class OrganisationQuerySet(models.QuerySet):
    def managed_by_council(self, council_id: int | None) -> "OrganisationQuerySet":
        """The council itself and the partner agencies that work with it alone: what its safeguarding
        lead manages in the admin. An agency shared with another council is a system administrator's to
        manage, or one council's lead could give its users access to the other's records."""
        if council_id is None:
            return self.none()
        shared = Organisation.councils.through.objects.exclude(to_organisation_id=council_id)
        return self.filter(
            models.Q(pk=council_id, kind=Organisation.Kind.COUNCIL)
            | (
                models.Q(councils=council_id)
                & ~models.Q(kind__in=[Organisation.Kind.COUNCIL, Organisation.Kind.NETWORK])
                & ~models.Q(pk__in=shared.values("from_organisation_id"))
            )
        ).distinct()


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COUNCIL = "council", "Council"
        POLICE = "police", "Police"
        NHS_TRUST = "nhs_trust", "NHS trust"
        ICB = "icb", "Integrated care board"
        CARE_PROVIDER = "care_provider", "Care provider"
        HOUSING = "housing", "Housing"
        ADVOCACY = "advocacy", "Advocacy service"
        VOLUNTARY = "voluntary", "Voluntary sector"
        AMBULANCE = "ambulance", "Ambulance service"
        FIRE_RESCUE = "fire_rescue", "Fire and rescue service"
        PROBATION = "probation", "Probation service"
        PRISON = "prison", "Prison"
        GP_PRACTICE = "gp_practice", "GP practice"
        NETWORK = "network", "Regional or national network"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ons_code = models.CharField(
        "ONS area code",
        max_length=9,
        blank=True,
        validators=[RegexValidator(r"^[EWSN]\d{8}$", "Enter a nine-character ONS code, like E09000001")],
    )
    region = models.CharField(max_length=100, blank=True)
    # A network covers every council only when it says so: a blank region is "none", never "everywhere"
    # by accident (a regional lead of a network with neither covers nothing).
    national = models.BooleanField(
        "Covers all of England",
        default=False,
        help_text="Networks only: a national network's regional leads see every council's benchmark "
        "figures and the national temperature-check rounds. Set by a system administrator.",
    )
    review_interval_days = models.PositiveSmallIntegerField(
        "Days between enquiry reviews",
        default=28,
        help_text="Councils only: an open enquiry is due a review this many days after it started "
        "or was last reviewed.",
    )
    # Partner agencies work with one or more councils; a concern they raise goes to a council.
    councils = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="partners",
        limit_choices_to={"kind": "council"},
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ons_code"], condition=~models.Q(ons_code=""), name="unique_ons_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_council(self) -> bool:
        return self.kind == self.Kind.COUNCIL


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="unique_team_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    TEAM_MANAGER = "team_manager", "Team manager"
    SAFEGUARDING_LEAD = "safeguarding_lead", "Safeguarding lead"
    PARTNER_REFERRER = "partner_referrer", "Partner referrer"
    BOARD_VIEWER = "board_viewer", "Board viewer"
    PARTNER_ENQUIRY_OFFICER = "partner_enquiry_officer", "Partner enquiry officer"
    INTERVIEWER = "interviewer", "Temperature-check interviewer"
    REGIONAL_LEAD = "regional_lead", "Regional lead"
    # Council or partner staff who audit case files: they see only the records sampled for them.
    CASE_FILE_AUDITOR = "case_file_auditor", "Case file auditor"
    # A partner agency's lead: their own agency's figures, aggregate only (never a record).
    PARTNER_LEAD = "partner_lead", "Partner lead"
    # Healthwatch or an advocacy service asking people about their enquiry independently: sees only the
    # contact details and reference of the closed enquiries the lead assigns to them.
    FEEDBACK_INTERVIEWER = "feedback_interviewer", "Independent feedback interviewer"


COUNCIL_CASEWORK_ROLES = {Role.PRACTITIONER, Role.TEAM_MANAGER, Role.SAFEGUARDING_LEAD}
# A partner agency's staff on shared safeguarding plans (``User.on_shared_plans``). Not the partner
# lead: access.md gives them their agency's figures, aggregate only, never a record.
SHARED_PLAN_ROLES = (Role.PARTNER_REFERRER, Role.PARTNER_ENQUIRY_OFFICER)
# Roles of the regional and national networks: given by a system administrator, never by a council's
# lead (a lead who could would see other councils' benchmark figures and every temperature check).
NETWORK_ROLES = {Role.REGIONAL_LEAD, Role.INTERVIEWER}


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="members")
    role = models.CharField(max_length=30, choices=Role.choices, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @classmethod
    def casework_staff(cls, council_id: int | None) -> "models.QuerySet[User]":
        """The council's active practitioners, team managers and safeguarding leads, by name: who may
        lead an enquiry, or be named on a restricted record."""
        return cls.objects.filter(
            organisation_id=council_id, role__in=COUNCIL_CASEWORK_ROLES, is_active=True
        ).order_by("first_name", "last_name")

    # Role questions in one place, so views and querysets ask rather than compare strings.
    @property
    def does_casework(self) -> bool:
        """A council practitioner, team manager or safeguarding lead."""
        return (
            self.role in COUNCIL_CASEWORK_ROLES
            and self.organisation is not None
            and self.organisation.is_council
        )

    @property
    def is_manager(self) -> bool:
        return self.does_casework and self.role == Role.TEAM_MANAGER

    @property
    def is_lead(self) -> bool:
        return self.does_casework and self.role == Role.SAFEGUARDING_LEAD

    @property
    def is_partner_referrer(self) -> bool:
        return self.role == Role.PARTNER_REFERRER and self.organisation_id is not None

    @property
    def is_partner_enquiry_officer(self) -> bool:
        """Makes section 42 enquiries on a council's behalf (a mental health trust, a care provider)."""
        return self.role == Role.PARTNER_ENQUIRY_OFFICER and self.organisation_id is not None

    @property
    def is_interviewer(self) -> bool:
        return self.role == Role.INTERVIEWER

    @property
    def is_regional_lead(self) -> bool:
        """A regional lead of a network that covers a region or, flagged national, all of England."""
        return self.role == Role.REGIONAL_LEAD and self.network_region is not None

    @property
    def network_region(self) -> str | None:
        """The region a regional lead's network covers: its name, "" for a national network (the
        national flag; national temperature-check rounds have a blank region), None for neither."""
        if self.role != Role.REGIONAL_LEAD or self.organisation is None:
            return None
        if self.organisation.national:
            return ""
        return self.organisation.region or None

    @property
    def is_case_file_auditor(self) -> bool:
        """Audits case files sampled for them (a council's or a partner agency's staff); sees no other
        record (access.md)."""
        return self.role == Role.CASE_FILE_AUDITOR and self.organisation_id is not None

    @property
    def is_partner_lead(self) -> bool:
        """A partner agency's lead: sees that agency's figures, aggregate only (access.md)."""
        return (
            self.role == Role.PARTNER_LEAD
            and self.organisation_id is not None
            and self.organisation is not None
            and self.organisation.kind not in (Organisation.Kind.COUNCIL, Organisation.Kind.NETWORK)
        )

    @property
    def is_feedback_interviewer(self) -> bool:
        """An independent feedback interviewer (Healthwatch, an advocacy service): contact details and
        the reference of the closed enquiries assigned to them, and the feedback they record."""
        return self.role == Role.FEEDBACK_INTERVIEWER and self.organisation_id is not None

    @property
    def is_partner_user(self) -> bool:
        """Staff of a partner agency (not a council, not a network) in any role: who may see and complete
        their own agency's actions on a shared safeguarding plan."""
        return (
            self.organisation_id is not None
            and self.organisation is not None
            and self.organisation.kind not in (Organisation.Kind.COUNCIL, Organisation.Kind.NETWORK)
        )

    @property
    def on_shared_plans(self) -> bool:
        """Sees and completes their agency's actions on shared safeguarding plans (docs/enquiries.md): a
        partner agency's referrers and enquiry officers. A partner lead sees figures only, a partner's
        case file auditor audits, and an independent feedback interviewer stays independent of the
        enquiry: none of them."""
        return self.is_partner_user and self.role in SHARED_PLAN_ROLES

    @property
    def is_board_viewer(self) -> bool:
        return self.role == Role.BOARD_VIEWER

    @property
    def aggregates_council(self) -> "Organisation | None":
        """The council whose figures (measures, SAC, dashboard, benchmarks) this user sees: council
        staff's and Board viewers' own council (access.md); None for everyone else."""
        if (self.does_casework or self.is_board_viewer) and self.organisation is not None:
            if self.organisation.is_council:
                return self.organisation
        return None

    @property
    def council_id(self) -> int | None:
        """The council whose records this user works on (None for partners)."""
        return self.organisation_id if self.does_casework else None
