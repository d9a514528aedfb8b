"""Enquiries at every stage, built through the enquiry services once a council's concerns exist.

Each enquiry gets a plan first (how far it has got, whether the person lacks capacity, what they
said they want, who makes it), then a minimum of each stage the demo must show is made sure of,
then the plan is played as a list of dated events in order: outcomes, contacts, reviews, plan
actions, closure requests, returns, sign-off and feedback. Every event happens after the enquiry
started and before the anchor, on working days, and history rows carry the simulated time.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from msphub.accounts.models import Organisation, User
from msphub.concerns.models import Concern
from msphub.core import categories
from msphub.enquiries import services
from msphub.enquiries.models import (
    AdvocacyReferral,
    BestInterestsDecision,
    CapacityAssessment,
    Enquiry,
    Feedback,
    Involvement,
    PlanAction,
)

from . import content as c

if TYPE_CHECKING:
    from .build import PersonPlan

# Days from the start of an enquiry to the request to close it: median about ten weeks, a long tail.
MEDIAN_DAYS = 75
CLOSURE_RETURN_RATE = 0.12
FEEDBACK_WINDOW_DAYS = services.FEEDBACK_WINDOW.days
# Chance the person lacks capacity for a decision in the enquiry, by primary support reason
# (about one in five overall, as nationally).
LACKS_CAPACITY = {
    "Support with Memory and Cognition": 0.4,
    "Learning Disability Support": 0.3,
    "Mental Health Support": 0.1,
}
# What the enquiry found beyond what the concern recorded (SG2 counts every different category found):
# how often it found the risk in another place too, or from another source, and which.
EXTRA_LOCATION_RATE = 0.15
EXTRA_LOCATIONS = ("In the Community", "Own Home", "Community Service")
EXTRA_SOURCE_RATE = 0.1
# Consented quotes: how soon a team manager or the lead moderates one, and how often it is approved.
MODERATION_DAYS = (1, 10)
QUOTE_APPROVAL_RATE = 0.85
# Words that name the worker (the moderator redacts the name before the Board sees them).
NAMED_COMMENT = "{first_name} was kind and explained everything."
REDACTED = "[name]"
# The least the Riverside demo shows of each thing someone looks for on the caseload pages (new
# enquiries come from the "opened" concerns in build.py).
MINIMUMS = {
    "requested": 3,
    "returned": 2,
    "review_overdue": 3,
    "action_overdue": 3,
    "advocacy_prompt": 2,
    "feedback_due": 3,
    "partner": 5,
}


@dataclass(eq=False)
class EnquiryPlan:
    enquiry: Enquiry
    concern: Concern
    person: "PersonPlan"
    scenario: c.Scenario
    provider: str
    received: datetime
    start: datetime
    stage: str = ""  # new, progress, returned (closure returned, open again), requested, closed
    returned: bool = False
    first_request: datetime | None = None
    returned_at: datetime | None = None
    request: datetime | None = None
    signed: datetime | None = None
    asked: str = ""  # expressed, late, chose_not, not_asked, none_yet
    lacks: bool = False
    support: str = ""  # care_act, imca, family, none (for those who lack capacity)
    review_overdue: bool = False
    action_overdue: bool = False
    partner: bool = False
    mood: str = "good"
    close: dict[str, Any] = field(default_factory=dict)
    feedback: list[tuple[str, str, datetime]] = field(default_factory=list)
    # Filled in while the plan plays: the outcomes added, and the decision capacity was assessed for.
    outcome_specs: list[dict[str, Any]] = field(default_factory=list)
    capacity_decision: str = ""
    outcome_change: str = ""  # what was changed on the day of the next review

    @property
    def end(self) -> datetime | None:
        """When the enquiry work stopped for the (first) closure request, or None if still going."""
        return self.first_request

    def age_days(self, latest: datetime) -> float:
        return (latest - self.start).total_seconds() / 86400


class EnquiryStagesMixin:
    """Used by DemoBuilder; relies on its rng, clock, users, history_values and backdates."""

    rng: Any
    anchor: datetime
    latest: datetime
    users: dict[str, User]
    team_managers: dict[int | None, User]
    orgs: dict[str, Organisation]
    history_values: dict[type, dict[str, Any]]
    backdates: dict[type, dict[int, dict[str, Any]]]
    clock: datetime
    actor: User | None
    opened: list[EnquiryPlan]

    _weighted: Callable[[Any], Any]
    _uuid: Callable[[], Any]

    # Dates and times ---------------------------------------------------------------------------

    def _on(self, day: date) -> datetime:
        """A time in working hours on the day, or on the Monday after a weekend."""
        if day.weekday() >= 5:
            day += timedelta(days=7 - day.weekday())
        minutes = self.rng.randrange(9 * 60, 17 * 60 + 30)
        return timezone.make_aware(datetime.combine(day, time(minutes // 60, minutes % 60)))

    def _after(self, when: datetime, days: int) -> datetime:
        """Some days after a moment (later the same day for 0), in working hours."""
        day = timezone.localtime(when).date() + timedelta(days=days)
        if days <= 0:
            later = when + timedelta(hours=self.rng.uniform(0.3, 2.5))
            if timezone.localtime(later).date() == day and timezone.localtime(later).hour < 19:
                return later
            day += timedelta(days=1)
        return self._on(day)

    def _days_ago(self, days: int) -> datetime:
        """A working-hours moment the given number of days before yesterday (a weekday)."""
        day = self.anchor.date() - timedelta(days=1 + days)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return self._on(day)

    def _happened(self, when: datetime | None) -> bool:
        return when is not None and when < self.latest

    # Planning ----------------------------------------------------------------------------------

    def _plan_enquiries(self, plans: list[EnquiryPlan], minimums: bool) -> None:
        for plan in plans:
            self._plan_stage(plan)
            self._plan_person(plan)
            plan.close = self._closure_choices(plan)
        if minimums:
            self._ensure_minimums(plans)
        self._plan_partner(plans, minimums)
        for plan in plans:
            self._plan_feedback(plan)
        if minimums:
            self._ensure_feedback_due(plans)

    def _plan_stage(self, plan: EnquiryPlan) -> None:
        rng = self.rng
        days = round(min(max(rng.lognormvariate(0, 0.6) * MEDIAN_DAYS, 12), 300))
        plan.returned = rng.random() < CLOSURE_RETURN_RATE
        if plan.returned:
            plan.first_request = self._after(plan.start, days - rng.randint(4, 12))
            plan.returned_at = self._after(plan.first_request, rng.choice([0, 1, 1, 2, 3]))
            plan.request = self._after(plan.returned_at, rng.randint(3, 10))
        else:
            plan.first_request = plan.request = self._after(plan.start, days)
        plan.signed = self._after(plan.request, rng.choices([0, 1, 2, 3, 5, 8, 14], [3, 4, 3, 2, 2, 1, 1])[0])
        if self._happened(plan.signed):
            plan.stage = "closed"
        elif self._happened(plan.request):
            plan.stage, plan.signed = "requested", None
        elif plan.returned and self._happened(plan.returned_at):
            plan.stage, plan.request, plan.signed = "returned", None, None
        elif plan.returned and self._happened(plan.first_request):
            # The first request waits for the manager, who has not sent it back yet.
            plan.stage, plan.returned, plan.request, plan.signed = (
                "requested",
                False,
                plan.first_request,
                None,
            )
            plan.returned_at = None
        else:
            age = plan.age_days(self.latest)
            plan.stage = "new" if age < 14 and (age < 7 or rng.random() < 0.6) else "progress"
            plan.first_request = plan.returned_at = plan.request = plan.signed = None
            plan.returned = False
        age = plan.age_days(self.latest)
        plan.review_overdue = plan.stage == "progress" and age > 40 and rng.random() < 0.2
        plan.action_overdue = plan.stage == "progress" and age > 20 and rng.random() < 0.25
        plan.mood = self._weighted((("good", 83), ("mixed", 17)))

    def _plan_person(self, plan: EnquiryPlan) -> None:
        rng = self.rng
        plan.lacks = rng.random() < LACKS_CAPACITY.get(plan.person.support, 0.04)
        if plan.lacks:
            # Open enquiries are more often still waiting for the referral to be made.
            none = 25 if plan.stage in ("new", "progress") else 8
            has_family = bool(plan.person.representatives)
            plan.support = self._weighted(
                (("care_act", 30), ("imca", 22), ("family", 40 if has_family else 8), ("none", none))
            )
        if plan.stage == "new":
            plan.asked = "none_yet"
            return
        roll = rng.random()
        if roll < 0.72:
            plan.asked = "expressed"
        elif roll < 0.84:
            plan.asked = "late"  # could not be asked at first; outcomes recorded a week or two later
        elif roll < 0.94:
            plan.asked = "chose_not"
        else:
            plan.asked = "not_asked"

    def _make_stage(self, plan: EnquiryPlan, stage: str) -> None:
        """Move an in-progress enquiry to a later stage that has happened by now."""
        age = int(plan.age_days(self.latest))
        plan.stage = stage
        plan.review_overdue = plan.action_overdue = False
        if stage == "requested":
            plan.request = self._days_ago(self.rng.randint(0, 4))
            plan.returned = age > 45 and self.rng.random() < 0.4
            if plan.returned:
                plan.returned_at = self._days_ago(self.rng.randint(7, 12))
                plan.first_request = self._days_ago(self.rng.randint(13, 16))
            else:
                plan.first_request = plan.request
        else:  # returned
            plan.returned = True
            plan.first_request = self._days_ago(self.rng.randint(5, 12))
            plan.returned_at = self._after(plan.first_request, self.rng.randint(1, 3))
            plan.request = None

    def _ensure_minimums(self, plans: list[EnquiryPlan]) -> None:
        rng = self.rng

        def candidates(min_age: float, test: Callable[[EnquiryPlan], bool] = lambda p: True) -> list:
            found = [
                p for p in plans if p.stage == "progress" and p.age_days(self.latest) > min_age and test(p)
            ]
            rng.shuffle(found)
            return found

        for stage, min_age in (("requested", 30), ("returned", 35)):
            missing = MINIMUMS[stage] - sum(p.stage == stage for p in plans)
            for plan in candidates(min_age)[: max(missing, 0)]:
                self._make_stage(plan, stage)
        for flag, min_age in (("review_overdue", 45), ("action_overdue", 21)):
            missing = MINIMUMS[flag] - sum(getattr(p, flag) for p in plans)

            def not_yet(p: EnquiryPlan, flag: str = flag) -> bool:
                return not getattr(p, flag)

            for plan in candidates(min_age, not_yet)[: max(missing, 0)]:
                setattr(plan, flag, True)
        missing = MINIMUMS["advocacy_prompt"] - sum(self._will_prompt(p) for p in plans)
        fits = {"Support with Memory and Cognition", "Learning Disability Support"}
        for plan in candidates(14, lambda p: p.person.support in fits and not p.lacks)[: max(missing, 0)]:
            plan.lacks, plan.support = True, "none"

    @staticmethod
    def _will_prompt(plan: EnquiryPlan) -> bool:
        return plan.stage in ("progress", "returned") and plan.lacks and plan.support == "none"

    def _plan_partner(self, plans: list[EnquiryPlan], minimums: bool) -> None:
        """A few enquiries the NHS trust makes on the council's behalf, some open and some closed."""
        if not minimums:
            return
        fitting = [
            p
            for p in plans
            if p.scenario.key in c.MAKING_PARTNER_SCENARIOS and p.stage != "new" and not p.person.restricted
        ]
        self.rng.shuffle(fitting)
        chosen = fitting[: MINIMUMS["partner"]]
        if sum(p.stage != "closed" for p in chosen) < 2:
            others = [
                p for p in plans if p.stage == "progress" and p not in chosen and not p.person.restricted
            ]
            chosen += others[: 2 - sum(p.stage != "closed" for p in chosen)]
        for plan in chosen:
            plan.partner = True

    def _plan_feedback(self, plan: EnquiryPlan) -> None:
        """Who was asked for feedback, how and when: at closure, or independently within 8 weeks."""
        rng = self.rng
        if plan.stage not in ("closed", "requested") or plan.request is None:
            return
        reps = plan.person.representatives
        if plan.lacks or plan.close["closure_reason"] == "died":
            versions = ["representative"] if reps or plan.support in ("care_act", "imca") else []
        else:
            versions = ["adult"]
            if reps and rng.random() < 0.15:
                versions.append("representative")
        roll = rng.random()
        when = None
        if roll < 0.3:
            when, asked_by = self._after(plan.request, 0), "practitioner"
        elif roll < 0.55 and plan.signed is not None:
            when, asked_by = self._after(plan.signed, rng.randint(7, FEEDBACK_WINDOW_DAYS - 7)), "independent"
        if when is not None and self._happened(when):
            plan.feedback = [(v, asked_by, when) for v in versions]

    def _ensure_feedback_due(self, plans: list[EnquiryPlan]) -> None:
        since = self.anchor - timedelta(days=FEEDBACK_WINDOW_DAYS)
        recent = [p for p in plans if p.stage == "closed" and p.signed is not None and p.signed >= since]
        due = [p for p in recent if not p.feedback]
        for plan in [p for p in recent if p.feedback][: max(MINIMUMS["feedback_due"] - len(due), 0)]:
            plan.feedback = []

    # Playing a plan ----------------------------------------------------------------------------

    def _run_enquiry(self, plan: EnquiryPlan) -> None:
        rng = self.rng
        enquiry = plan.enquiry
        lead = enquiry.lead_practitioner
        manager = self.team_managers[enquiry.team_id]
        worker = self.users["partner_eo"] if plan.partner else lead
        events: list[tuple[datetime, int, User, Callable[[], None]]] = []
        end = plan.end or self.latest

        def at(when: datetime | None, actor: User, fn: Callable[[], None]) -> bool:
            """Schedule a step if it falls after the start and before the enquiry work ended."""
            if when is None or when <= plan.start or when >= end:
                return False
            events.append((when, len(events), actor, fn))
            return True

        words = self._enquiry_words(plan, lead, worker)
        riverside = enquiry.council_id == self.orgs[c.RIVERSIDE["name"]].pk

        if plan.partner:
            org = self.orgs[c.MAKING_PARTNER]
            set_at = self._after(plan.start, 0)

            def allocate() -> None:
                enquiry.making_organisation = org
                enquiry.save(update_fields=["making_organisation"])

            at(set_at, manager, allocate)
            first_day = self._after(set_at, rng.randint(1, 3))
        else:
            first_day = self._after(plan.start, rng.choice([0, 1, 1, 2, 3, 4]))

        # Taking part: substantial difficulty, and whether someone appropriate can support them.
        difficulty = plan.lacks or (plan.stage == "new" and rng.random() < 0.3)
        if difficulty:
            appropriate = {"family": True, "none": rng.choice([False, None])}.get(plan.support, False)
            if not plan.lacks:
                appropriate = None

            def participation() -> None:
                enquiry.substantial_difficulty = True
                enquiry.has_appropriate_person = appropriate
                enquiry.save(update_fields=["substantial_difficulty", "has_appropriate_person"])

            at(self._after(first_day, 0), worker, participation)

        # The first contact, then more contacts and meetings while the enquiry runs.
        span = max((end - plan.start).days, 1)
        contact_days = [first_day] + sorted(
            self._after(plan.start, d)
            for d in rng.sample(range(5, span), min(max(span // 21, 0), 4, max(span - 5, 0)))
        )
        for n, when in enumerate(contact_days):
            participation_kind = self._participation(plan, first=n == 0)
            at(when, worker, self._involvement_step(plan, worker, when, participation_kind, words))

        # What the person wants.
        outcomes_at = self._after(first_day, 0)
        reasons = Enquiry.NoOutcomesReason
        if plan.asked == "none_yet":
            if rng.random() < 0.4:
                at(
                    outcomes_at,
                    worker,
                    lambda: services.set_no_outcomes_reason(enquiry, reasons.NOT_ASKED_YET),
                )
        elif plan.asked == "chose_not":
            at(
                outcomes_at,
                worker,
                lambda: services.set_no_outcomes_reason(enquiry, reasons.CHOSE_NOT_TO_SAY),
            )
        elif plan.asked == "not_asked":
            no_rep = plan.lacks and not plan.person.representatives
            reason = reasons.NO_REPRESENTATIVE if no_rep else reasons.NOT_ASKED_YET
            at(outcomes_at, worker, lambda: services.set_no_outcomes_reason(enquiry, reason))
        else:
            if plan.asked == "late":
                at(
                    outcomes_at,
                    worker,
                    lambda: services.set_no_outcomes_reason(enquiry, reasons.NOT_ASKED_YET),
                )
                outcomes_at = self._after(outcomes_at, rng.randint(5, 15))
            for spec in self._outcome_specs(plan, words, outcomes_at):
                at(outcomes_at, worker, self._outcome_step(plan, spec))
                outcomes_at += timedelta(minutes=2)

        # Capacity, best interests and advocacy.
        if plan.lacks:
            assessed = self._after(first_day, rng.randint(2, 10))
            at(assessed, worker, self._capacity_step(plan, worker, assessed, "lacks", words))
            if rng.random() < 0.4:
                decided = self._after(assessed, rng.randint(3, 14))
                at(decided, worker, self._best_interests_step(plan, worker, decided, words))
            family = plan.support == "family" and plan.person.representatives and rng.random() < 0.25
            if plan.support in ("care_act", "imca") or family:
                referred = self._after(assessed, rng.randint(0, 2))
                self._advocacy(plan, referred, worker, words, at)
        elif rng.random() < 0.2:
            assessed = self._after(first_day, rng.randint(3, 20))
            at(assessed, worker, self._capacity_step(plan, worker, assessed, "has", words))

        # Risk assessment, and the safeguarding plan.
        assessed_risk = self._after(first_day, rng.randint(1, 12))
        text = rng.choice(c.RISK_ASSESSMENTS).format(**words)

        def risk() -> None:
            enquiry.risk_assessment = text
            enquiry.save(update_fields=["risk_assessment", "risk_assessment_outcome", "risk_outcome"])

        at(assessed_risk, worker, risk)
        self._plan_actions(plan, worker, first_day, end, words, at)

        # Reviews, with changes to outcomes agreed at one of them.
        self._reviews(plan, worker, words, at)

        # Closure: request, perhaps a return and a second request, sign-off.
        close_data = plan.close
        if plan.first_request is not None:
            events.append(
                (plan.first_request, len(events), worker, self._request_step(plan, close_data, True))
            )
        if plan.returned_at is not None:
            comment = rng.choice(c.CLOSURE_RETURN_COMMENTS).format(**words)
            events.append(
                (
                    plan.returned_at,
                    len(events),
                    manager,
                    lambda: services.return_closure(enquiry, manager, comment),
                )
            )
            # Work done after the return: another contact, and a second request if it has been made.
            again = self._after(plan.returned_at, 1)
            if again < (plan.request or self.latest):
                kind = self._participation(plan)
                events.append(
                    (again, len(events), worker, self._involvement_step(plan, worker, again, kind, words))
                )
            if plan.request is not None:
                events.append(
                    (plan.request, len(events), worker, self._request_step(plan, close_data, False))
                )
        if plan.signed is not None:
            events.append((plan.signed, len(events), manager, self._sign_off_step(plan, manager)))
        for version, asked_by, when in plan.feedback:
            recorder = worker if asked_by == "practitioner" else self._independent(riverside)
            holder: dict[str, Feedback] = {}
            step, consented = self._feedback_step(plan, version, asked_by, when, words, holder)
            events.append((when, len(events), recorder, step))
            if consented:
                moderated = self._after(when, rng.randint(*MODERATION_DAYS))
                if moderated < self.latest:  # the most recent still await moderation
                    moderator = self._moderator(riverside, plan)
                    step = self._moderation_step(holder, moderator, moderated, words["lead"])
                    events.append((moderated, len(events), moderator, step))

        self.history_values = {
            Concern: {"received_at": plan.received, "uuid": plan.concern.uuid},
            Enquiry: {"started_at": plan.start},
        }
        for when, _, actor, step in sorted(events, key=lambda e: (e[0], e[1])):
            assert plan.start < when < self.latest, (enquiry.reference, when)
            self.clock, self.actor = when, actor
            step()
        self.backdates[Enquiry][enquiry.pk] = {
            "started_at": plan.start,
            "closure_requested_at": plan.request or plan.first_request,
            "closed_at": plan.signed,
        }

    def _independent(self, riverside: bool) -> User:
        """Someone independent of the enquiry who asks for feedback after it closes."""
        return self.users["lead" if riverside else "hillside_manager"]

    def _enquiry_words(self, plan: EnquiryPlan, lead: User, worker: User) -> dict[str, str]:
        reps = plan.person.representatives
        rep = f"{reps[0][0]} ({reps[0][2].lower()})" if reps else ""
        riverside = plan.enquiry.council_id == self.orgs[c.RIVERSIDE["name"]].pk
        advocates = c.ADVOCATES if riverside else c.HILLSIDE_ADVOCATES
        advocate, organisation = advocates[plan.person.uuid.int % len(advocates)]
        place = plan.provider or (
            "Riverside General Hospital" if plan.scenario.key in c.MAKING_PARTNER_SCENARIOS else ""
        )
        civic = "Riverside Civic Centre" if riverside else "Hillside Town Hall"
        return plan.person.words | {
            "provider": plan.provider,
            "lead": worker.get_full_name(),
            "rep": rep or "an IMCA",
            "advocate": advocate,
            "advocate_organisation": organisation,
            "place": place or civic,
            "civic": civic,
            "provider_manager": f"the manager of {plan.provider}" if plan.provider else "district nurse",
            "provider_or_agency": plan.provider or "the agencies involved",
        }

    def _participation(self, plan: EnquiryPlan, first: bool = False) -> str:
        if plan.lacks:
            options = [("representative", 40), ("home", 25), ("elsewhere", 10), ("not_present", 15)]
            if plan.support in ("care_act", "imca"):
                options.append(("advocate", 40))
            if not plan.person.representatives:
                options = [o for o in options if o[0] != "representative"] or [("home", 1)]
            return self._weighted(options)
        weights = list(c.PARTICIPATION_WEIGHTS)
        if first:
            weights = [(k, w) for k, w in weights if k != "not_present"]
        if not plan.person.representatives:
            weights = [(k, w) for k, w in weights if k != "representative"]
        return self._weighted(weights)

    def _involvement_step(
        self, plan: EnquiryPlan, user: User, when: datetime, participation: str, words: dict[str, str]
    ) -> Callable[[], None]:
        kind, place, attendees, minutes = self.rng.choice(c.INVOLVEMENTS[participation])
        data = {
            "uuid": self._uuid(),
            "held_on": timezone.localtime(when).date(),
            "kind": kind,
            "place": place.format(**words),
            "attendees": attendees.format(**words),
            "participation": participation,
            "minutes": minutes.format(**words),
        }
        return lambda: services.add_record(plan.enquiry, Involvement, data, user)

    def _outcome_specs(
        self, plan: EnquiryPlan, words: dict[str, str], when: datetime
    ) -> list[dict[str, Any]]:
        """One to three desired outcomes in the person's (or their representative's) words."""
        rng = self.rng
        reps = plan.person.representatives
        by_rep = plan.lacks and (reps or plan.support in ("care_act", "imca")) and rng.random() < 0.6
        if by_rep:
            pool = list(c.REPRESENTATIVE_OUTCOME_WORDS)
            name = f"{reps[0][0]} ({reps[0][2].lower()})" if reps else f"{words['advocate']} (advocate)"
        else:
            own = c.OUTCOME_WORDS.get(plan.scenario.key, [])
            pool = list(own) + [w for w in c.GENERIC_OUTCOME_WORDS if rng.random() < 0.3]
            name = ""
        negotiation = None
        if not by_rep:
            fitting = [n for n in c.NEGOTIATIONS if n[0] == plan.scenario.key]
            if fitting and rng.random() < 0.35:
                negotiation = rng.choice(fitting)
        count = min(rng.choices([1, 2, 3], [4, 4, 2])[0] - (negotiation is not None), len(pool))
        chosen = rng.sample(pool, count)
        specs = []
        for category, said, reworded in chosen:
            specs.append(
                {
                    "data": {
                        "uuid": self._uuid(),
                        "words": said.format(**words),
                        "category": category,
                        "expressed_by": "representative" if by_rep else "adult",
                        "representative_name": name,
                        "expressed_on": timezone.localtime(when).date(),
                    },
                    "reworded": reworded.format(**words),
                    "negotiation": None,
                }
            )
        if negotiation is not None:
            _, category, said, agreed, reason, note = negotiation
            at_outset = rng.random() < 0.5
            data = {
                "uuid": self._uuid(),
                "words": said,
                "category": category,
                "expressed_by": "adult",
                "representative_name": "",
                "expressed_on": timezone.localtime(when).date(),
            }
            negotiated = {
                "negotiated_outcome": agreed.format(**words),
                "negotiated_reason": reason,
                "negotiated_note": note.format(**words),
            }
            if at_outset:
                data |= negotiated
            specs.append({"data": data, "reworded": "", "negotiation": None if at_outset else negotiated})
        return specs

    def _outcome_step(self, plan: EnquiryPlan, spec: dict[str, Any]) -> Callable[[], None]:
        def step() -> None:
            spec["outcome"] = services.add_outcome(plan.enquiry, spec["data"])
            plan.outcome_specs.append(spec)

        return step

    def _capacity_step(
        self, plan: EnquiryPlan, user: User, when: datetime, outcome: str, words: dict[str, str]
    ) -> Callable[[], None]:
        decision = self.rng.choice(c.CAPACITY_DECISIONS).format(**words)
        plan.capacity_decision = plan.capacity_decision or decision
        data = {
            "uuid": self._uuid(),
            "decision": decision,
            "assessed_on": timezone.localtime(when).date(),
            "assessor": f"{user.get_full_name()}, {user.job_title.lower() or 'social worker'}",
            "outcome": outcome,
            "notes": c.CAPACITY_NOTES[outcome].format(**words),
        }
        return lambda: services.add_record(plan.enquiry, CapacityAssessment, data)

    def _best_interests_step(
        self, plan: EnquiryPlan, user: User, when: datetime, words: dict[str, str]
    ) -> Callable[[], None]:
        consulted = ", ".join(
            x
            for x in (words["rep"] if plan.person.representatives else "", "GP", words["provider_manager"])
            if x
        )
        data = {
            "uuid": self._uuid(),
            "decision": plan.capacity_decision or c.CAPACITY_DECISIONS[0].format(**words),
            "decided_on": timezone.localtime(when).date(),
            "decision_maker": user.get_full_name(),
            "consulted": consulted,
            "outcome": self.rng.choice(c.BEST_INTERESTS_OUTCOMES).format(**words),
        }
        return lambda: services.add_record(plan.enquiry, BestInterestsDecision, data)

    def _advocacy(
        self,
        plan: EnquiryPlan,
        referred: datetime,
        user: User,
        words: dict[str, str],
        at: Callable[..., bool],
    ) -> None:
        rng = self.rng
        kind = {"care_act": "care_act", "imca": "imca"}.get(plan.support, "family_friend")
        if kind == "family_friend":
            name, organisation = plan.person.representatives[0][0], ""
        else:
            name, organisation = words["advocate"], words["advocate_organisation"]
        started = self._after(referred, rng.randint(2, 21))
        data: dict[str, Any] = {
            "uuid": self._uuid(),
            "kind": kind,
            "referred_on": timezone.localtime(referred).date(),
            "started_on": None,
            "advocate_name": "" if kind != "family_friend" else name,
            "advocate_organisation": organisation,
        }
        holder: dict[str, AdvocacyReferral] = {}

        def refer() -> None:
            holder["referral"] = services.add_record(plan.enquiry, AdvocacyReferral, dict(data))

        def start() -> None:
            referral = holder["referral"]
            referral.started_on = timezone.localtime(started).date()
            referral.advocate_name = name
            referral.full_clean()
            referral.save()

        if at(referred, user, refer) and not at(started, user, start) and plan.first_request is not None:
            # The closure gate: a referral not started when closure is asked for is not going ahead.
            when = max(referred + timedelta(minutes=1), plan.first_request - timedelta(minutes=30))

            def not_going_ahead() -> None:
                services.mark_advocacy_not_going_ahead(
                    holder["referral"],
                    "No longer needed: the enquiry is closing",
                    on=timezone.localtime(when).date(),
                )

            at(when, user, not_going_ahead)

    def _plan_actions(
        self,
        plan: EnquiryPlan,
        user: User,
        first_day: datetime,
        end: datetime,
        words: dict[str, str],
        at: Callable[..., bool],
    ) -> None:
        rng = self.rng
        riverside = plan.enquiry.council_id == self.orgs[c.RIVERSIDE["name"]].pk
        options = [
            (action, agency)
            for action, agency, scenarios in c.PLAN_ACTIONS
            if (plan.provider or "{provider}" not in agency)
            and (not scenarios or plan.scenario.key in scenarios)
        ]
        count = rng.choices([0, 1, 2, 3], [1, 3, 4, 2])[0] if plan.stage != "new" else rng.choice([0, 1])
        count = min(count, len(options))
        today = self.anchor.date()
        for n, (action, agency) in enumerate(rng.sample(options, count)):
            created = self._after(first_day, rng.randint(0, 7))
            due = timezone.localtime(created).date() + timedelta(days=rng.randint(7, 35))
            overdue = plan.action_overdue and n == 0
            if overdue:
                due = min(due, today - timedelta(days=rng.randint(2, 12)))
                if due <= timezone.localtime(created).date():
                    continue
            agency = agency.format(**words)
            if not riverside:
                agency = c.HILLSIDE_AGENCIES.get(agency, agency)
            data = {
                "uuid": self._uuid(),
                "action": action.format(**words),
                "owner_agency": agency,
                "due_on": due,
            }
            holder: dict[str, PlanAction] = {}

            def add(data: dict[str, Any] = data, holder: dict[str, PlanAction] = holder) -> None:
                holder["action"] = services.add_record(plan.enquiry, PlanAction, data)

            if not at(created, user, add) or overdue:
                continue
            done = self._on(due + timedelta(days=rng.randint(-6, 4)))
            if done <= created or done >= end:
                done = self._after(created, rng.randint(1, 5))
            marked = False
            if rng.random() < (0.97 if plan.stage in ("closed", "requested") else 0.85):

                def mark_done(holder: dict[str, PlanAction] = holder, done: datetime = done) -> None:
                    action = holder["action"]
                    action.done_on = timezone.localtime(done).date()
                    action.save(update_fields=["done_on"])

                marked = at(done, user, mark_done)
            if not marked and plan.first_request is not None:
                # The closure gate: an action not done when closure is asked for is handed over.
                when = max(created + timedelta(minutes=1), plan.first_request - timedelta(minutes=30))

                def hand_over(
                    holder: dict[str, PlanAction] = holder, agency: str = agency, when: datetime = when
                ) -> None:
                    services.resolve_action(
                        holder["action"],
                        user,
                        PlanAction.Status.HANDED_OVER,
                        on=timezone.localtime(when).date(),
                        handed_over_to=agency,
                    )

                at(when, user, hand_over)

    def _reviews(self, plan: EnquiryPlan, user: User, words: dict[str, str], at: Callable[..., bool]) -> None:
        """Reviews every interval, mostly on time; an overdue enquiry's last one was too long ago."""
        rng = self.rng
        interval = plan.enquiry.council.review_interval_days
        end = plan.end or self.latest
        last_day = timezone.localtime(end).date()
        due = timezone.localtime(plan.start).date() + timedelta(days=interval)
        overdue_from = self.anchor.date() - timedelta(days=2)
        changed = False
        while True:
            held_day = due + timedelta(days=rng.randint(1, 9) if rng.random() < 0.12 else -rng.randint(0, 6))
            held = self._on(held_day)
            if held >= end or timezone.localtime(held).date() >= last_day:
                break
            next_due = timezone.localtime(held).date() + timedelta(days=interval)
            if plan.review_overdue and next_due >= overdue_from:
                break  # this review never happened, so the enquiry has been due one for days
            if not changed and rng.random() < 0.45:
                changed = self._outcome_changes(plan, held, user, words, at)
            at(held, user, self._review_step(plan, user, held, words))
            due = next_due

    def _outcome_changes(
        self, plan: EnquiryPlan, when: datetime, user: User, words: dict[str, str], at: Callable[..., bool]
    ) -> bool:
        """Reword, withdraw or negotiate an outcome on the day of a review (decided when it runs)."""
        rng = self.rng
        choice = rng.random()
        reason = rng.choice(c.WITHDRAWN_REASONS).format(**words)
        day = timezone.localtime(when).date()

        def step() -> None:
            specs = [s for s in plan.outcome_specs if s["outcome"].is_active]
            negotiable = [s for s in specs if s["negotiation"]]
            rewordable = [s for s in specs if s["reworded"]]
            if negotiable:
                services.change_outcome(negotiable[0]["outcome"], negotiable[0]["negotiation"])
                plan.outcome_change = "negotiated"
            elif rewordable and choice < 0.6:
                services.change_outcome(rewordable[0]["outcome"], {"words": rewordable[0]["reworded"]})
                plan.outcome_change = "reworded"
            elif len(specs) >= 2 and choice < 0.8:
                services.withdraw_outcome(specs[-1]["outcome"], reason, on=day)
                plan.outcome_change = "withdrawn"
            elif specs:
                plan.outcome_change = "none"

        return at(when - timedelta(minutes=5), user, step)

    def _review_step(
        self, plan: EnquiryPlan, user: User, when: datetime, words: dict[str, str]
    ) -> Callable[[], None]:
        rng = self.rng
        has_rep = bool(plan.person.representatives)
        participants = [p for p in c.REVIEW_PARTICIPANTS if has_rep or "{rep}" not in p]
        if plan.lacks and has_rep:
            view = f"{words['rep']}: " + rng.choice(c.REPRESENTATIVE_VIEWS)
        else:
            view = rng.choice(c.PERSONS_VIEWS)
        data = {
            "uuid": self._uuid(),
            "held_on": timezone.localtime(when).date(),
            "participants": rng.choice(participants).format(**words),
            "persons_view": view,
        }
        texts = [rng.choice(c.PROGRESS).format(**words) for _ in range(4)]

        def step() -> None:
            outcomes = plan.enquiry.outcomes.filter(withdrawn_on__isnull=True).order_by("pk")
            progress = {o.pk: texts[n % len(texts)] for n, o in enumerate(outcomes)}
            change = c.OUTCOME_CHANGES[plan.outcome_change].format(**words) if plan.outcome_change else ""
            plan.outcome_change = ""
            services.record_review(plan.enquiry, user, data | {"outcome_changes": change}, progress)

        return step

    def _closure_choices(self, plan: EnquiryPlan) -> dict[str, Any]:
        """The SAC closure items the practitioner selects (the rest come from the record)."""
        rng = self.rng
        words = plan.person.words
        risk = self._weighted(c.RISK_ASSESSMENT_WEIGHTS)
        risk_outcome = (
            self._weighted(c.RISK_OUTCOME_WEIGHTS) if risk == "Risk identified and action taken" else ""
        )
        if risk.startswith("Enquiry ceased"):
            reason = "persons_request"
        elif risk == "No risk identified and no action taken" and rng.random() < 0.7:
            reason = "not_substantiated"
        else:
            reason = self._weighted((("complete", 90), ("died", 3), ("moved", 3), ("other", 4)))
        poor = risk_outcome == "Risk remained" or reason == "persons_request"
        if poor:
            # How the person felt about it follows, more often than not, from how it ended.
            plan.mood = self._weighted((("poor", 40), ("mixed", 40), (plan.mood, 20)))
        if plan.lacks:
            capacity = categories.LACKED_CAPACITY
        else:
            capacity = self._weighted(
                (("No, they did not lack capacity", 92), ("Don't know", 6), ("Not recorded", 2))
            )
        return {
            "risk_assessment_outcome": risk,
            "risk_outcome": risk_outcome,
            "closure_reason": reason,
            "closure_note": rng.choice(c.CLOSURE_NOTES[reason]).format(**words),
            "mental_capacity": capacity,
            "achievements": [
                self._weighted(c.ACHIEVEMENT_WEIGHTS["poor" if poor else "good"]) for _ in range(4)
            ],
        }

    def _request_step(self, plan: EnquiryPlan, choices: dict[str, Any], first: bool) -> Callable[[], None]:
        enquiry = plan.enquiry
        when = plan.first_request if first else plan.request
        words = plan.person.words

        def step() -> None:
            self.history_values[Enquiry]["closure_requested_at"] = when
            prefill = services.closure_prefill(enquiry)
            outcomes = list(enquiry.outcomes.filter(withdrawn_on__isnull=True).order_by("pk"))
            achievements = {o.pk: choices["achievements"][n % 4] for n, o in enumerate(outcomes)}
            notes = {
                o.pk: self.rng.choice(c.ACHIEVEMENT_NOTES[achievements[o.pk]]).format(**words)
                for o in outcomes
            }
            supported = bool(prefill["capacity_supported"] or enquiry.has_appropriate_person)
            data = {
                "msp_asked": prefill["msp_asked"] or "Not Recorded",
                "risk_assessment_outcome": choices["risk_assessment_outcome"],
                "risk_outcome": choices["risk_outcome"],
                "mental_capacity": prefill["mental_capacity"] or choices["mental_capacity"],
                "capacity_supported": supported,
                "closure_reason": choices["closure_reason"],
                "closure_note": choices["closure_note"],
                **self._findings(prefill, first),
            }
            assert self.actor is not None
            missing = services.request_closure(enquiry, self.actor, data, achievements, notes)
            assert not missing, (enquiry.reference, missing)

        return step

    def _findings(self, prefill: dict[str, Any], first: bool) -> dict[str, list[str]]:
        """What the enquiry found: mostly what the concern recorded (the pre-fill), sometimes the
        risk in another place too or from another source. A second request keeps the first's."""
        found = {name: list(prefill[name]) for name in services.FINDINGS_MISSING}
        if not first:
            return found
        if self.rng.random() < EXTRA_LOCATION_RATE:
            places = [p for p in EXTRA_LOCATIONS if p not in found["found_locations"]]
            if places:
                found["found_locations"].append(self.rng.choice(places))
        if self.rng.random() < EXTRA_SOURCE_RATE:
            others = [s for s, _ in categories.SOURCE_OF_RISK if s not in found["found_sources"]]
            if others:
                found["found_sources"].append(self.rng.choice(others))
        return found

    def _sign_off_step(self, plan: EnquiryPlan, manager: User) -> Callable[[], None]:
        def step() -> None:
            self.history_values[Enquiry]["closed_at"] = plan.signed
            services.sign_off_closure(plan.enquiry, manager)

        return step

    def _feedback_step(
        self,
        plan: EnquiryPlan,
        version: str,
        asked_by: str,
        when: datetime,
        words: dict[str, str],
        holder: dict[str, Feedback],
    ) -> tuple[Callable[[], None], bool]:
        """The step recording the feedback (kept in ``holder``), and whether its words may be quoted."""
        rng = self.rng
        weights = c.FEEDBACK_ANSWER_WEIGHTS[plan.mood]
        answers = {q: self._weighted(weights) for q in services.FEEDBACK_QUESTIONS}
        comments = ""
        if rng.random() < 0.55:
            pool = c.FEEDBACK_COMMENTS if version == "adult" else c.REPRESENTATIVE_FEEDBACK_COMMENTS
            comments = rng.choice(pool)
            if version == "adult" and rng.random() < 0.25:
                comments = NAMED_COMMENT.format(first_name=words["lead"].split()[0])
        relationship = ""
        if version == "representative":
            reps = plan.person.representatives
            relationship = reps[0][2] if reps else ("IMCA" if plan.support == "imca" else "Advocate")
        data = {
            "uuid": self._uuid(),
            "version": version,
            "representative_relationship": relationship,
            "asked_by": asked_by,
            "asked_on": timezone.localtime(when).date(),
            **answers,
            "comments": comments,
            "consent_to_quote": bool(comments) and rng.random() < 0.6,
        }

        def step() -> None:
            assert self.actor is not None
            holder["feedback"] = services.record_feedback(plan.enquiry, self.actor, data)

        return step, bool(data["consent_to_quote"])

    def _moderator(self, riverside: bool, plan: EnquiryPlan) -> User:
        """Who approves or declines a quote: a team manager or the lead (the lead for a restricted
        record, which a manager may not see)."""
        if not riverside:
            return self.users["hillside_manager"]
        if plan.person.restricted:
            return self.users["lead"]
        return self.users[self._weighted((("manager", 45), ("manager2", 25), ("lead", 30)))]

    def _moderation_step(
        self, holder: dict[str, Feedback], moderator: User, when: datetime, worker: str
    ) -> Callable[[], None]:
        """Approve (with the worker's name taken out) or decline a quote, as ``moderator``."""
        approve = self.rng.random() < QUOTE_APPROVAL_RATE

        def step() -> None:
            feedback = holder["feedback"]
            if not services.can_moderate_quote(feedback, moderator):
                return  # left awaiting moderation
            text = feedback.comments.replace(worker, REDACTED).replace(worker.split()[0], REDACTED)
            self.history_values[Feedback] = {"moderated_at": when}
            services.moderate_quote(feedback, moderator, approve, text)
            self.backdates.setdefault(Feedback, {})[feedback.pk] = {"moderated_at": when}

        return step
