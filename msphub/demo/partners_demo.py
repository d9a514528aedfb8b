"""Working with partners in the demo (issue 15): a whole-service enquiry about a care home with three
adults, partner-owned plan actions, a partner lead and an independent feedback interviewer, for
Riverside.

Built last (``DemoBuilder.build``, after the Board's assurance), through the services of the concerns,
enquiries, providers and feedback apps, so their rules apply. The same seed gives the same data:
choices come from a generator of its own (``partners-<seed>``, so adding this changed nothing the rest
of the demo draws), every date is counted back from the builder's anchor, and history rows are
stamped with the simulated time and acting user through the builder's ``_stamp_history``.

What Riverside gets:
- a concern about Meadowview Care Home from an anonymous whistleblower, before any adult was named,
  which started a whole-service enquiry led by the Front Door's team manager;
- three residents, each with their own concern (raised by the police, the NHS trust and the care home)
  and section 42 enquiry, linked to the whole-service enquiry; the alleged person and the responses
  used are recorded on their enquiries;
- plan actions on those enquiries owned by partners: Riverside Police (one overdue) and the care home;
- provider actions on the whole-service enquiry, one done and one overdue (its lead is notified);
- a second, open service concern about Sunrise Home Care Ltd;
- the users ``police_lead`` (Riverside Police's partner lead) and ``healthwatch`` (an independent
  feedback interviewer at Riverside Healthwatch), with, when the feedback app is installed, one closed
  enquiry assigned to them;
- the response used and the person alleged to have caused harm on some of Riverside's closed enquiries,
  so the dashboard's outcomes by response has figures.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from simple_history.signals import pre_create_historical_record

from msphub.accounts.models import Organisation, Role, User
from msphub.concerns import services as concern_services
from msphub.concerns.models import Concern, ConcernUpdate, Decision, FirstContact
from msphub.core.models import ReferenceSequence
from msphub.core.validators import nhs_number_check_digit
from msphub.enquiries import services as enquiry_services
from msphub.enquiries.models import AllegedPerson, Enquiry, EnquiryResponse, PlanAction
from msphub.people.models import Person
from msphub.providers import services as provider_services
from msphub.providers.models import LinkedConcern, ProviderAction, ServiceConcern, WholeServiceEnquiry

from . import content as c

if TYPE_CHECKING:
    from .build import DemoBuilder

CARE_HOME = "Meadowview Care Home"
HOME_CARE = "Sunrise Home Care Ltd"
POLICE = "Riverside Police"
NHS_TRUST = "Riverside NHS Foundation Trust"
HEALTHWATCH = "Riverside Healthwatch"
MORE_INFORMATION = (
    "Our officer went back to the home today: two more families have called us about the night staff."
)
NEW_KIND_AGENCIES = (
    ("North West Ambulance Service", Organisation.Kind.AMBULANCE),
    ("Riverside Fire and Rescue Service", Organisation.Kind.FIRE_RESCUE),
    ("Riverside Probation Service", Organisation.Kind.PROBATION),
    ("Riverside Medical Practice", Organisation.Kind.GP_PRACTICE),
    ("HMP Riverside", Organisation.Kind.PRISON),
)
# The demo's users made here (not in content.USERS: the rest of the demo does not know them).
PARTNER_USERS = [
    c.DemoUser(
        "police_lead",
        "Imran",
        "Qureshi",
        Role.PARTNER_LEAD,
        POLICE,
        None,
        "Detective inspector, safeguarding lead for the force",
    ),
    c.DemoUser(
        "healthwatch",
        "Beth",
        "Marlow",
        Role.FEEDBACK_INTERVIEWER,
        HEALTHWATCH,
        None,
        "Engagement officer, Riverside Healthwatch",
    ),
]
PARTNER_USERNAMES = [u.username for u in PARTNER_USERS]
WSE_PREFIXES = (provider_services.WSE_PREFIX, provider_services.SERVICE_CONCERN_PREFIX)
# Of Riverside's closed enquiries, the share given a response used (and some an alleged person).
RESPONSE_SHARE = 0.6


@dataclass(frozen=True)
class Resident:
    given_name: str
    family_name: str
    gender: str
    born: date
    ethnicity: str
    support: str
    raised_by: str  # a demo username, or "" for the care home's own staff (no account)
    days_back: int
    what_happened: str
    wants: str
    risk_types: tuple[str, ...]
    practitioner: str


RESIDENTS = [
    Resident(
        "Margaret",
        "Hollis",
        "Female",
        date(1936, 2, 11),
        "White",
        "Support with Memory and Cognition",
        "partner",
        45,
        "Police attended Meadowview after a call from a relative. Margaret had bruising to both wrists "
        "and said the night staff \u201cpull me up\u201d. Her call bell had been unplugged.",
        "I want the night staff to be gentle and to come when I ring.",
        ("Physical Abuse", "Organisational Abuse"),
        "practitioner",
    ),
    Resident(
        "Stanley",
        "Okoro",
        "Male",
        date(1941, 9, 3),
        "Black / African / Caribbean / Black British",
        "Physical Support",
        "partner2",
        38,
        "Admitted to Riverside General dehydrated with a grade 3 pressure ulcer. Ward staff found his "
        "repositioning charts at Meadowview blank for four nights.",
        "I want to go back to my room when it is safe, and for my son to be told what is happening.",
        ("Neglect and Acts of Omission", "Organisational Abuse"),
        "practitioner2",
    ),
    Resident(
        "Irene",
        "Walsh",
        "Female",
        date(1939, 6, 27),
        "White",
        "Support with Memory and Cognition",
        "",
        33,
        "A senior carer reported that Irene was left in wet bedding overnight and missed her evening "
        "medication three times in a week when only two staff were on shift.",
        "She told me she wants \u201cthe nice girls\u201d and her tablets on time.",
        ("Neglect and Acts of Omission", "Organisational Abuse"),
        "practitioner",
    ),
]

ALLEGED = [
    ("Night shift care workers", AllegedPerson.Relationship.PAID_CARER, AllegedPerson.Carer.PAID),
    ("The registered manager of the home", AllegedPerson.Relationship.PROFESSIONAL, AllegedPerson.Carer.NO),
    ("A care worker on the night shift", AllegedPerson.Relationship.PAID_CARER, AllegedPerson.Carer.PAID),
]
RESPONSE_CHOICES = [
    (EnquiryResponse.Response.PROTECTION_PLAN, 5),
    (EnquiryResponse.Response.CARE_CHANGE, 5),
    (EnquiryResponse.Response.PROVIDER_ACTION, 3),
    (EnquiryResponse.Response.POLICE_ACTION, 2),
    (EnquiryResponse.Response.MEDIATION, 2),
    (EnquiryResponse.Response.FAMILY_GROUP_CONFERENCE, 1),
    (EnquiryResponse.Response.RESTORATIVE, 1),
]
CLOSED_ALLEGED = [
    ("Her son", AllegedPerson.Relationship.CHILD, AllegedPerson.Carer.UNPAID, True),
    ("A neighbour", AllegedPerson.Relationship.FRIEND_NEIGHBOUR, AllegedPerson.Carer.NO, False),
    ("A home care worker", AllegedPerson.Relationship.PAID_CARER, AllegedPerson.Carer.PAID, False),
    ("His partner", AllegedPerson.Relationship.PARTNER, AllegedPerson.Carer.UNPAID, False),
]


# --- Removing an earlier run ---------------------------------------------------------------------


def remove_partners_demo(council_ids: list[int]) -> None:
    """Delete the demo councils' whole-service enquiries, service concerns and provider actions (with
    their history and notifications) and the feedback assignments of their enquiries. Called by
    ``remove_demo_data`` before the casework goes. Users and organisations are kept and updated in
    place, as the rest of the demo's are."""
    from msphub.worktray.services import records_gone

    history = {
        m: m.history.model for m in (WholeServiceEnquiry, LinkedConcern, ProviderAction, ServiceConcern)
    }
    wse_ids = set(
        WholeServiceEnquiry.objects.filter(council_id__in=council_ids).values_list("pk", flat=True)
    ) | set(
        history[WholeServiceEnquiry].objects.filter(council_id__in=council_ids).values_list("id", flat=True)
    )
    concern_ids = set(
        ServiceConcern.objects.filter(council_id__in=council_ids).values_list("pk", flat=True)
    ) | set(history[ServiceConcern].objects.filter(council_id__in=council_ids).values_list("id", flat=True))
    records_gone(WholeServiceEnquiry.objects.filter(pk__in=wse_ids).values_list("uuid", flat=True))
    # A service concern protects the enquiry it started.
    ServiceConcern.objects.filter(pk__in=concern_ids).delete()
    WholeServiceEnquiry.objects.filter(pk__in=wse_ids).delete()
    history[LinkedConcern].objects.filter(whole_service_enquiry_id__in=wse_ids).delete()
    history[ProviderAction].objects.filter(whole_service_enquiry_id__in=wse_ids).delete()
    history[WholeServiceEnquiry].objects.filter(id__in=wse_ids).delete()
    history[ServiceConcern].objects.filter(id__in=concern_ids).delete()
    _remove_feedback_assignments(council_ids)
    for prefix in WSE_PREFIXES:
        _reset_sequence(
            prefix, WholeServiceEnquiry if prefix == provider_services.WSE_PREFIX else ServiceConcern
        )


def _remove_feedback_assignments(council_ids: list[int]) -> None:
    try:
        from msphub.feedback.models import FeedbackAssignment
    except ImportError:  # the feedback app is not installed
        return
    assignments = FeedbackAssignment.objects.filter(enquiry__council_id__in=council_ids)
    ids = list(assignments.values_list("pk", flat=True))
    assignments.delete()
    model_history = getattr(FeedbackAssignment, "history", None)
    if model_history is not None:
        model_history.model.objects.filter(id__in=ids).delete()


def _reset_sequence(prefix: str, model: type[models.Model]) -> None:
    """As ``build.reset_reference_sequences``: wind the prefix back to the highest reference in use."""
    for seq in ReferenceSequence.objects.filter(prefix=prefix):
        highest = (
            model._default_manager.filter(reference__startswith=f"{prefix}-{seq.year}-")
            .order_by("-reference")
            .values_list("reference", flat=True)
            .first()
        )
        if highest is None:
            seq.delete()
        else:
            seq.last = int(highest.rsplit("-", 1)[1])
            seq.save(update_fields=["last"])


# --- Building ------------------------------------------------------------------------------------


@dataclass
class PartnersSummary:
    whole_service_enquiries: int
    linked_adults: int
    partner_actions: int
    partner_actions_overdue: int
    provider_actions_overdue: int
    responses: int
    alleged_persons: int
    feedback_assignments: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class PartnersBuilder:
    def __init__(self, builder: "DemoBuilder") -> None:
        self.b = builder
        self.rng = random.Random(f"partners-{builder.seed}")
        self.anchor = builder.anchor
        self.today = builder.anchor.date()
        self.council = builder.riverside
        self.users = builder.users
        self.orgs = builder.orgs
        self.added_information = False

    def _at(self, day: date, hour: float, actor: User | None) -> datetime:
        """The simulated moment ``hour`` o'clock on ``day`` (never after the anchor), set as the clock
        and actor the next history rows are stamped with."""
        minutes = int(hour * 60)
        moment = timezone.make_aware(datetime.combine(day, time(minutes // 60, minutes % 60)))
        self.b.clock = min(moment, self.b.latest)
        self.b.actor = actor
        return self.b.clock

    def _days_ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _reseed_uuid(self, model: type[models.Model], pk: int) -> None:
        """Give a row a uuid from the seeded generator, in the row and its history alike (a service
        made it with a random one), so a rebuild is the same row for row."""
        value = self._uuid()
        model._default_manager.filter(pk=pk).update(uuid=value)
        model.history.model.objects.filter(id=pk).update(uuid=value)  # type: ignore[attr-defined]

    def _nhs_number(self) -> str:
        while True:
            stem = "999" + "".join(str(self.rng.randrange(10)) for _ in range(6))
            check = nhs_number_check_digit(stem)
            if check is not None and (number := f"{stem}{check}") not in self.b.nhs_numbers:
                self.b.nhs_numbers.add(number)
                return number

    def build(self) -> PartnersSummary:
        self._organisations_and_users()
        self.b.history_values = {}
        pre_create_historical_record.connect(
            self.b._stamp_history, weak=False, dispatch_uid="seed_demo_partners"
        )
        try:
            wse = self._whole_service_enquiry()
            enquiries = [self._resident(wse, resident) for resident in RESIDENTS]
            partner_actions = self._partner_actions(enquiries)
            self._provider_actions(wse)
            self._other_service_concern()
            responses, alleged = self._closed_enquiry_details()
            assigned = self._feedback_assignment()
        finally:
            pre_create_historical_record.disconnect(dispatch_uid="seed_demo_partners")
            self.b.history_values = {}
        self._follow_notifications()
        self._at(self.today, 6, None)
        overdue = provider_services.notify_overdue_actions(self.today)
        return PartnersSummary(
            whole_service_enquiries=1,
            linked_adults=wse.links.count(),
            partner_actions=len(partner_actions),
            partner_actions_overdue=PlanAction.objects.filter(pk__in=[a.pk for a in partner_actions])
            .overdue(self.today)
            .count(),
            provider_actions_overdue=overdue,
            responses=responses,
            alleged_persons=alleged,
            feedback_assignments=assigned,
        )

    # Organisations and users

    def _organisations_and_users(self) -> None:
        healthwatch, _ = Organisation.objects.update_or_create(
            name=HEALTHWATCH, defaults={"kind": Organisation.Kind.ADVOCACY, "region": c.RIVERSIDE["region"]}
        )
        healthwatch.councils.add(self.council)
        self.orgs[HEALTHWATCH] = healthwatch
        # Agencies of the kinds the partner figures name (they raise no demo concern of their own).
        for name, kind in NEW_KIND_AGENCIES:
            agency, _ = Organisation.objects.update_or_create(
                name=name, defaults={"kind": kind, "region": c.RIVERSIDE["region"]}
            )
            agency.councils.add(self.council)
        # The demo's one password, already hashed on the builder's users.
        password = self.users["partner"].password
        for number, spec in enumerate(PARTNER_USERS, start=len(c.USERS)):
            assert spec.organisation is not None
            org = self.orgs[spec.organisation]
            domain = spec.organisation.lower().replace(" ", "-")
            user, _ = User.objects.update_or_create(
                username=spec.username,
                defaults={
                    "first_name": spec.first_name,
                    "last_name": spec.last_name,
                    "email": f"{spec.first_name}.{spec.last_name}".lower() + f"@{domain}.example",
                    "organisation": org,
                    "team": None,
                    "role": spec.role,
                    "job_title": spec.job_title,
                    "phone": f"01632 960{number:03d}",
                    "is_staff": False,
                    "is_superuser": False,
                    "is_active": True,
                    "password": password,
                },
            )
            user.groups.clear()
            user.user_permissions.clear()
            self.users[spec.username] = user

    # The whole-service enquiry

    def _whole_service_enquiry(self) -> WholeServiceEnquiry:
        lead, manager = self.users["lead"], self.users["manager"]
        home = self.orgs[CARE_HOME]
        received = self._days_ago(50)
        self._at(received, 11.5, manager)
        whistle = provider_services.record_service_concern(
            self.council,
            manager,
            provider=home,
            what_happened=(
                "A member of staff rang the front door anonymously: nights at Meadowview have two carers "
                "for 31 residents, call bells are unplugged so that residents \u201cdo not disturb the "
                "shift\u201d, and the medication round is left until the morning."
            ),
            raised_by="Anonymous whistleblower (a member of staff)",
            received_on=received,
            happened_on=received - timedelta(days=3),
        )
        ServiceConcern.objects.filter(pk=whistle.pk).update(uuid=self._uuid())
        started = self._days_ago(44)
        self._at(started, 15, lead)
        wse = provider_services.start_enquiry(
            self.council,
            lead,
            provider=home,
            lead=manager,
            about=(
                "Night-time care at Meadowview Care Home: staffing levels, call bells left unplugged, "
                "missed medication and repositioning, after a whistleblower's call and three residents' "
                "concerns. With the commissioners, the Care Quality Commission and Riverside Police."
            ),
            started_on=started,
            service_concern=whistle,
        )
        self._at(self._days_ago(20), 16, manager)
        provider_services.update_enquiry(
            wse,
            manager,
            lead=manager,
            about=wse.about,
            findings=(
                "Rotas for the last three months show two staff on most nights. Medication records have "
                "gaps on 19 nights. The home has agreed a third night carer from this week while the "
                "enquiry continues."
            ),
        )
        WholeServiceEnquiry.objects.filter(pk=wse.pk).update(uuid=self._uuid(), created_at=self.b.clock)
        wse.refresh_from_db()
        return wse

    def _resident(self, wse: WholeServiceEnquiry, resident: Resident) -> Enquiry:
        """A resident's own concern, person and section 42 enquiry, linked to the whole-service one."""
        practitioner = self.users[resident.practitioner]
        manager = self.b.team_managers[practitioner.team_id]
        raiser = self.users[resident.raised_by] if resident.raised_by else None
        received_day = self._days_ago(resident.days_back)
        received = self._at(received_day, 9.5, raiser)
        raiser_answers: dict[str, Any]
        if raiser is not None:
            raiser_answers = {
                "raiser_name": raiser.get_full_name(),
                "raiser_role": raiser.job_title,
                "raiser_organisation_name": raiser.organisation.name if raiser.organisation else "",
                "raiser_email": raiser.email,
            }
        else:
            raiser_answers = {
                "raiser_name": "Comfort Asante",
                "raiser_role": "Senior carer",
                "raiser_organisation_name": CARE_HOME,
                "raiser_phone": "01632 960777",
            }
        answers = raiser_answers | {
            "raiser_kind": "professional",
            "adult_given_name": resident.given_name,
            "adult_family_name": resident.family_name,
            "adult_date_of_birth": resident.born,
            "adult_address": "Meadowview Care Home, 4 Mill Road, Riverside",
            "adult_postcode": "RV4 7MH",
            "adult_needs": "Lives at Meadowview Care Home",
            "what_happened": resident.what_happened,
            "happened_on": received_day - timedelta(days=1),
            "still_happening": False,
            "location_of_risk": "Care Home - Residential",
            "source_of_risk": "Service Provider",
            "care_provider_name": CARE_HOME,
            "immediate_danger": False,
            "consent": "not_sought",
            "consent_not_sought_reason": "others_at_risk",
            "msp_asked": True,
            "wants_to_happen": resident.wants,
            "risk_types": list(resident.risk_types),
        }
        concern_uuid = self._uuid()
        self.b.history_values = {Concern: {"received_at": received, "uuid": concern_uuid}}
        concern, _ = concern_services.raise_concern(answers, self.council, self._uuid(), user=raiser)
        Concern.objects.filter(pk=concern.pk).update(uuid=concern_uuid, received_at=received)
        concern.uuid, concern.received_at = concern_uuid, received

        self._at(received_day, 11, practitioner)
        concern_services.pick_up(concern, practitioner)
        if raiser is not None and raiser.is_partner_referrer and not self.added_information:
            # The referrer's loop: the police add what they learnt after raising it.
            self._at(received_day, 15, raiser)
            update = concern_services.add_information(concern, raiser, MORE_INFORMATION)
            seeded = self._uuid()
            ConcernUpdate.objects.filter(pk=update.pk).update(uuid=seeded, added_at=self.b.clock)
            # The worker's notification names the update by its uuid: the seeded one, too.
            from msphub.worktray.models import Notification

            Notification.objects.filter(key=f"information_added:{update.uuid}").update(
                key=f"information_added:{seeded}"
            )
            self.added_information = True
        person = concern_services.create_person_from_concern(
            concern,
            practitioner,
            {
                "uuid": self._uuid(),
                "given_name": resident.given_name,
                "family_name": resident.family_name,
                "date_of_birth": resident.born,
                "nhs_number": self._nhs_number(),
                "gender": resident.gender,
                "ethnicity": resident.ethnicity,
                "primary_support_reason": resident.support,
                "address": "Meadowview Care Home, 4 Mill Road, Riverside",
                "postcode": "RV4 7MH",
            },
        )
        Person.objects.filter(pk=person.pk).update(created_at=self.b.clock)
        contact_at = self._at(received_day, 14, practitioner)
        contact = concern_services.record_first_contact(
            concern,
            practitioner,
            {
                "contact_at": contact_at,
                "method": "elsewhere",
                "spoke_with": "adult",
                "wants": resident.wants,
            },
        )
        self._reseed_uuid(FirstContact, contact.pk)
        decided = self._at(received_day + timedelta(days=1), 10, practitioner)
        decision_uuid = self._uuid()
        self.b.history_values[Decision] = {"uuid": decision_uuid, "decided_at": decided}
        decision = concern_services.record_decision(
            concern,
            practitioner,
            {
                "outcome": "s42",
                "criterion_care_needs": True,
                "criterion_abuse_risk": True,
                "criterion_cannot_protect": True,
                "rationale": "Care and support needs; at risk of neglect and organisational abuse at the "
                "home; cannot protect themselves. Part of the whole-service enquiry about Meadowview.",
                "lead_practitioner": practitioner,
            },
        )
        signed = self._at(received_day + timedelta(days=1), 15, manager)
        review_due = signed.date() + timedelta(days=self.council.review_interval_days)
        enquiry_uuid = self._uuid()
        self.b.history_values[Decision]["signed_off_at"] = signed
        self.b.history_values[Enquiry] = {
            "uuid": enquiry_uuid,
            "started_at": signed,
            "next_review_due": review_due,
        }
        enquiry = concern_services.sign_off(decision, manager)
        assert enquiry is not None
        Decision.objects.filter(pk=decision.pk).update(
            uuid=decision_uuid, decided_at=decided, signed_off_at=signed
        )
        Enquiry.objects.filter(pk=enquiry.pk).update(
            uuid=enquiry_uuid, started_at=signed, next_review_due=review_due
        )
        enquiry.refresh_from_db()

        self._at(received_day + timedelta(days=2), 10, wse.lead)
        provider_services.link_concern(wse, wse.lead, concern.reference)
        LinkedConcern.objects.filter(whole_service_enquiry=wse, concern=concern).update(
            uuid=self._uuid(), linked_at=self.b.clock
        )
        return enquiry

    def _partner_actions(self, enquiries: list[Enquiry]) -> list[PlanAction]:
        """Plan actions owned by partners on the residents' enquiries: the police (one overdue) and
        the care home (one done)."""
        police, home = self.orgs[POLICE], self.orgs[CARE_HOME]
        plans = [
            (enquiries[0], "Interview the night staff on duty and review the home's CCTV", police, -6, False),
            (
                enquiries[0],
                "Review Margaret's night-time care plan with her and her daughter",
                home,
                12,
                False,
            ),
            (
                enquiries[1],
                "Replace the pressure-relieving mattress and restart two-hourly turns",
                home,
                -20,
                True,
            ),
            (
                enquiries[2],
                "Check the medication records with the pharmacist and report any gaps",
                home,
                5,
                False,
            ),
            (enquiries[2], "Share the outcome of the welfare check with the council", police, 9, False),
        ]
        actions = []
        for enquiry, text, owner, due_in, done in plans:
            started = timezone.localtime(enquiry.started_at).date()
            self._at(started + timedelta(days=1), 11, enquiry.lead_practitioner)
            action = enquiry_services.add_record(
                enquiry,
                PlanAction,
                {
                    "action": text,
                    "owner_agency": owner.name,
                    "owner_organisation": owner,
                    "due_on": self.today + timedelta(days=due_in),
                },
            )
            self._reseed_uuid(PlanAction, action.pk)
            action.refresh_from_db()
            if done:
                self._at(self.today - timedelta(days=22), 16, enquiry.lead_practitioner)
                enquiry_services.mark_action_done(
                    action, on=self.b.clock.date(), user=enquiry.lead_practitioner
                )
            actions.append(action)
        for enquiry, (description, relationship, carer) in zip(enquiries, ALLEGED, strict=True):
            self._at(
                timezone.localtime(enquiry.started_at).date() + timedelta(days=3),
                12,
                enquiry.lead_practitioner,
            )
            AllegedPerson.objects.create(
                uuid=self._uuid(),
                enquiry=enquiry,
                description=description,
                relationship=relationship,
                carer=carer,
                action_taken="Referred to the home's disciplinary process and to the police.",
                support_offered="The provider's employee assistance line.",
                recorded_by=enquiry.lead_practitioner,
                recorded_at=self.b.clock,
            )
            EnquiryResponse.objects.create(enquiry=enquiry, response=EnquiryResponse.Response.PROVIDER_ACTION)
        EnquiryResponse.objects.create(enquiry=enquiries[0], response=EnquiryResponse.Response.POLICE_ACTION)
        return actions

    def _provider_actions(self, wse: WholeServiceEnquiry) -> None:
        home, council = self.orgs[CARE_HOME], self.council
        for text, owner, who, due_in, resolved in (
            ("Put a third carer on every night shift", home, "Registered manager", -30, "done"),
            (
                "Retrain all night staff in moving and handling, with records",
                home,
                "Registered manager",
                -4,
                "",
            ),
            (
                "Audit medication records weekly and send the audit to contracts",
                home,
                "Deputy manager",
                14,
                "",
            ),
            (
                "Pause new placements until the night staffing is assured",
                council,
                "Contracts team",
                -10,
                "done",
            ),
        ):
            self._at(wse.started_on + timedelta(days=3), 10, wse.lead)
            action = provider_services.add_action(
                wse,
                wse.lead,
                action=text,
                owner_organisation=owner,
                owner_name=who,
                due_on=self.today + timedelta(days=due_in),
            )
            ProviderAction.objects.filter(pk=action.pk).update(uuid=self._uuid())
            if resolved:
                day = self.today + timedelta(days=due_in - 1)
                self._at(day, 17, wse.lead)
                provider_services.resolve_action(action, wse.lead, done=True, on=day)

    def _other_service_concern(self) -> None:
        practitioner = self.users["practitioner2"]
        received = self._days_ago(6)
        self._at(received, 10, practitioner)
        concern = provider_services.record_service_concern(
            self.council,
            practitioner,
            provider=self.orgs[HOME_CARE],
            what_happened=(
                "A contract monitoring visit found that 14 of 60 visits last week were more than an hour "
                "late and 3 were missed; the rotas give carers no travel time."
            ),
            raised_by="Contract monitoring officer, Riverside Council",
            raiser_organisation=self.council,
            received_on=received,
        )
        ServiceConcern.objects.filter(pk=concern.pk).update(uuid=self._uuid())

    # Details for the dashboard's outcomes by response

    def _closed_enquiry_details(self) -> tuple[int, int]:
        """The response used (and now and then the person alleged to have caused harm) on some of
        Riverside's closed enquiries, in reference order, chosen by this builder's generator."""
        closed = list(
            Enquiry.objects.filter(council=self.council, status=Enquiry.Status.CLOSED)
            .select_related("lead_practitioner")
            .order_by("reference")
        )
        responses = alleged = 0
        values = [v for v, _ in RESPONSE_CHOICES]
        weights = [w for _, w in RESPONSE_CHOICES]
        for enquiry in closed:
            if self.rng.random() >= RESPONSE_SHARE:
                continue
            chosen = set(self.rng.choices(values, weights=weights, k=self.rng.choice([1, 1, 2])))
            assert enquiry.closed_at is not None
            self._at(timezone.localtime(enquiry.closed_at).date(), 9, enquiry.lead_practitioner)
            for response in sorted(chosen):
                EnquiryResponse.objects.create(enquiry=enquiry, response=response)
                responses += 1
            if self.rng.random() < 0.4:
                description, relationship, carer, at_risk = self.rng.choice(CLOSED_ALLEGED)
                AllegedPerson.objects.create(
                    uuid=self._uuid(),
                    enquiry=enquiry,
                    description=description,
                    relationship=relationship,
                    carer=carer,
                    also_adult_at_risk=at_risk,
                    action_taken="Talked through what happened and agreed the plan with the adult.",
                    support_offered="A carer's assessment was offered." if carer == "unpaid" else "",
                    recorded_by=enquiry.lead_practitioner,
                    recorded_at=self.b.clock,
                )
                alleged += 1
        return responses, alleged

    def _feedback_assignment(self) -> int:
        """One closed enquiry waiting for feedback, assigned to Healthwatch (when the feedback app is
        installed)."""
        try:
            from msphub.feedback import services as feedback_services
        except ImportError:
            return 0
        if not hasattr(feedback_services, "assign") or not hasattr(feedback_services, "assignable"):
            return 0
        candidates = feedback_services.assignable(Enquiry.objects.filter(council=self.council), self.today)
        enquiry = candidates.order_by("reference").first()
        if enquiry is None:
            return 0
        self._at(self.today - timedelta(days=1), 10, self.users["lead"])
        feedback_services.assign(enquiry, self.users["lead"], self.users["healthwatch"])
        return 1

    def _follow_notifications(self) -> None:
        """Notifications made while the records had the services' random uuids follow them (by
        reference) to the demo's own, as ``DemoBuilder._backdate`` does for the rest."""
        from msphub.worktray.models import Notification

        for model in (Concern, Enquiry, WholeServiceEnquiry):
            Notification.objects.filter(record_type=model._meta.label_lower).update(
                record_uuid=models.Subquery(
                    model._default_manager.filter(reference=models.OuterRef("reference")).values("uuid")[:1]
                )
            )


def seed_partners(builder: "DemoBuilder") -> dict[str, int]:
    return PartnersBuilder(builder).build().as_dict()
