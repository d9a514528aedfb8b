"""Board assurance in the demo (issue 14): a round of case file audits, two Safeguarding Adults
Reviews (and a referral not progressed), and the Board's annual report, for Riverside.

Built after the casework (``DemoBuilder.build``), through the services of the audits, sars and
annualreport apps, so every rule they hold applies. The same seed gives the same data, as for the
rest of the demo: choices come from a generator of their own (seeded from the demo's seed, so adding
this changed nothing the casework draws), every date is counted from the builder's anchor, and
history rows are stamped with the simulated time and the acting user through the builder's
``_stamp_history``. The services stamp the real time on a few fields and draw random uuids; those
are written over afterwards (``_settle``), on the records and on their history rows alike.

What Riverside gets:
- the shipped MSP case file audit tool, and a round of "2 enquiries per team per month" over the last
  full quarter, drawn with ``audits.sampling.draw``; most audits completed by the council's case file
  auditor or the police's multi-agency auditor, one live with the practitioner's reflections, one in
  progress and one not started (when the sample is big enough); a quarter of them moderated by the
  other auditor, some grades differing, so agreement is below 100%; learning actions owned by the
  practitioners, some open, some done and one overdue;
- a mandatory review concluded in the current financial year (the adult died), with its findings and
  four recommendations (completed with evidence, overdue, in progress, not started), its adult linked
  by the lead to a demo person; a discretionary review in progress (the adult survived) with an early
  recommendation; and a referral not progressed;
- a draft annual report for the current financial year with every section the Board writes drafted.

The outcomes not achieved with notes come from the casework itself (enquiry_stages.py: every outcome
graded not achieved at closure has a note; content.ACHIEVEMENT_NOTES).
"""

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from simple_history.signals import pre_create_historical_record

from msphub.accounts.models import Organisation, User
from msphub.annualreport import services as report_services
from msphub.annualreport.models import AnnualReport, ReportSection, Section
from msphub.audits import sampling, tools
from msphub.audits import services as audit_services
from msphub.audits.models import Audit, AuditAnswer, AuditQuestion, AuditRound, LearningAction
from msphub.concerns.models import Concern
from msphub.core import categories
from msphub.core.periods import FinancialYear
from msphub.enquiries.models import Enquiry
from msphub.people.models import Person
from msphub.sars import services as sar_services
from msphub.sars.models import ReviewAdult, ReviewRecommendation, SafeguardingAdultsReview

from . import content as c

if TYPE_CHECKING:
    from .build import DemoBuilder

T = TypeVar("T")

ROUND_TITLE = "Monthly case file audit"
SAMPLE_SIZE = 2  # enquiries per team per month
MODERATION_PERCENT = 25
# How far behind the anchor the round's quarter ends at least: the audits need time to be done.
QUARTER_LAG_DAYS = 28
# The round is drawn this many days after its quarter ends, once late records are in.
AS_AT_AFTER_DAYS = 14
# The mandatory review's adult died at least this long before the anchor: time for the referral, the
# decision and a review concluded a fortnight ago.
SAR_LEAD_TIME_DAYS = 140
# Of the auditor's answers, the chance the moderator grades one differently.
MODERATION_DIFFERS = 0.2

# The records made here, with the fields the services stamp with the real time: written over with
# the simulated ones (by pk), and on the history rows that hold a value.
BACKDATED: dict[type[models.Model], tuple[str, ...]] = {
    AuditRound: ("created_at", "sampled_at"),
    Audit: ("completed_at",),
    LearningAction: ("created_at", "due_on", "done_on"),
    SafeguardingAdultsReview: ("created_at",),
    AnnualReport: ("created_at",),
    ReportSection: ("updated_at",),
}


# --- Removing an earlier run ---------------------------------------------------------------------


def remove_assurance(council_ids: list[int]) -> None:
    """Delete the demo councils' audit rounds, reviews and annual reports, with their history.

    Called first by ``remove_demo_data``: audits and reviews protect the concerns, enquiries and
    people they are about, so they go before the casework does."""
    rounds = AuditRound.history.model.objects.filter(council_id__in=council_ids).values("id")
    audit_ids = set(
        Audit.history.model.objects.filter(audit_round_id__in=rounds).values_list("id", flat=True)
    ) | set(Audit.objects.filter(audit_round__council_id__in=council_ids).values_list("pk", flat=True))
    reviews = SafeguardingAdultsReview.history.model.objects.filter(council_id__in=council_ids).values("id")
    reports = AnnualReport.history.model.objects.filter(council_id__in=council_ids).values("id")
    review_ids = set(reviews.values_list("id", flat=True)) | set(
        SafeguardingAdultsReview.objects.filter(council_id__in=council_ids).values_list("pk", flat=True)
    )
    report_ids = set(reports.values_list("id", flat=True)) | set(
        AnnualReport.objects.filter(council_id__in=council_ids).values_list("pk", flat=True)
    )
    round_ids = set(rounds.values_list("id", flat=True)) | set(
        AuditRound.objects.filter(council_id__in=council_ids).values_list("pk", flat=True)
    )
    # Deleting cascades to audits, answers, learning actions, adults, recommendations and sections.
    AuditRound.objects.filter(pk__in=round_ids).delete()
    SafeguardingAdultsReview.objects.filter(pk__in=review_ids).delete()
    AnnualReport.objects.filter(pk__in=report_ids).delete()
    # The history, "-" rows of the deletes included.
    for audit_part in (AuditAnswer, LearningAction):
        audit_part.history.model.objects.filter(audit_id__in=audit_ids).delete()
    Audit.history.model.objects.filter(id__in=audit_ids).delete()
    AuditRound.history.model.objects.filter(id__in=round_ids).delete()
    for review_part in (ReviewAdult, ReviewRecommendation):
        review_part.history.model.objects.filter(review_id__in=review_ids).delete()
    SafeguardingAdultsReview.history.model.objects.filter(id__in=review_ids).delete()
    ReportSection.history.model.objects.filter(report_id__in=report_ids).delete()
    AnnualReport.history.model.objects.filter(id__in=report_ids).delete()


# --- Building ------------------------------------------------------------------------------------


@dataclass
class AssuranceSummary:
    audits: int
    completed: int
    moderations: int
    learning_actions: int
    reviews: int
    recommendations: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def last_full_quarter(anchor: date) -> tuple[date, date]:
    """The last calendar quarter (January to March, April to June, ...) that ended at least
    ``QUARTER_LAG_DAYS`` before ``anchor``."""
    latest = anchor - timedelta(days=QUARTER_LAG_DAYS)
    # The quarter ``latest`` falls in starts on its first month; the one before it is the last full one.
    start_month = 3 * ((latest.month - 1) // 3) + 1
    end = date(latest.year, start_month, 1) - timedelta(days=1)
    start = date(end.year, end.month - 2, 1)
    return start, end


class AssuranceBuilder:
    def __init__(self, builder: "DemoBuilder") -> None:
        self.b = builder
        self.rng = random.Random(f"assurance-{builder.seed}")
        self.anchor = builder.anchor
        self.today = builder.anchor.date()
        self.council = builder.riverside
        self.users = builder.users
        self.lead = self.users["lead"]
        self.auditors = [self.users["auditor"], self.users["police_auditor"]]
        # Simulated values by model and pk, written at the end (``_settle``).
        self.backdates: dict[type[models.Model], dict[int, dict[str, Any]]] = {m: {} for m in BACKDATED}

    # Simulated time and history

    def _at(self, when: datetime, actor: User | None) -> datetime:
        """Set the clock and actor the next history rows are stamped with; never after the anchor."""
        self.b.clock = min(when, self.b.latest)
        self.b.actor = actor
        return self.b.clock

    def _on(self, day: date, hour: float = 10.0) -> datetime:
        minutes = int(hour * 60)
        return timezone.make_aware(datetime.combine(day, time(minutes // 60, minutes % 60)))

    def _backdate(self, obj: models.Model, **values: Any) -> None:
        self.backdates[type(obj)].setdefault(obj.pk, {}).update(values)
        for name, value in values.items():
            setattr(obj, name, value)

    def _weighted(self, pairs: list[tuple[T, int]]) -> T:
        return self.rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]

    def build(self) -> AssuranceSummary:
        self.b.history_values = {}
        pre_create_historical_record.connect(
            self.b._stamp_history, weak=False, dispatch_uid="seed_demo_assurance"
        )
        try:
            audits, moderations, actions = self._audits()
            reviews, recommendations = self._reviews()
            self._annual_report()
        finally:
            pre_create_historical_record.disconnect(dispatch_uid="seed_demo_assurance")
        self._settle()
        return AssuranceSummary(
            audits=len(audits),
            completed=sum(a.status == Audit.Status.COMPLETED for a in audits),
            moderations=moderations,
            learning_actions=actions,
            reviews=reviews,
            recommendations=recommendations,
        )

    # Case file audits

    def _audits(self) -> tuple[list[Audit], int, int]:
        tool = tools.load_shipped()
        questions = list(tool.questions.order_by("order"))
        start, end = last_full_quarter(self.today)
        as_at = end + timedelta(days=AS_AT_AFTER_DAYS)
        created = self._at(self._on(as_at, 9.5), self.lead)
        audit_round = audit_services.create_round(
            self.lead,
            audit_services.NewRound(
                title=f"{ROUND_TITLE}, {start:%B} to {end:%B %Y}",
                tool=tool,
                rule=AuditRound.Rule.PER_TEAM_MONTH,
                period_start=start,
                period_end=end,
                as_at=as_at,
                seed=f"riverside-{start:%Y-%m}",
                sample_size=SAMPLE_SIZE,
                moderation_percent=MODERATION_PERCENT,
            ),
        )
        self._backdate(audit_round, created_at=created)
        self._at(created + timedelta(minutes=5), self.lead)
        audits = sampling.draw(audit_round)
        audit_round.refresh_from_db()
        self._backdate(audit_round, sampled_at=self.b.clock)
        if not audits:
            return [], 0, 0
        picks = {a.pk for a in sampling.moderation_picks(audit_round)}

        # Who does what: auditors in turn; one live audit, and at the end of the sample (when it is
        # big enough) one still in progress and one not started, none of them moderated.
        unpicked = [a for a in audits if a.pk not in picks]
        live = next((a for a in unpicked if self._live_practitioner(a) is not None), None)
        in_progress = unpicked[-1] if len(audits) >= 6 and unpicked[-1] is not live else None
        not_started = (
            unpicked[-2] if len(audits) >= 8 and len(unpicked) >= 3 and unpicked[-2] is not live else None
        )
        first_auditor: dict[int, User] = {}
        assigned = self._at(created + timedelta(minutes=30), self.lead)
        for n, audit in enumerate(audits):
            mode = Audit.Mode.LIVE if audit is live else Audit.Mode.STANDARD
            audit_services.assign_auditor(audit, self.lead, self.auditors[n % 2], mode)
            first_auditor[audit.pk] = self.auditors[n % 2]
        self._at(assigned + timedelta(days=1), self.lead)
        moderations = audit_services.set_up_moderations(
            audit_round,
            self.lead,
            {pk: self.auditors[1 - self.auditors.index(first_auditor[pk])] for pk in picks},
        )
        by_first = {m.moderates_id: m for m in moderations}

        # Completions spread from a few days after the draw to two days before the anchor.
        first_day, last_day = as_at + timedelta(days=3), self.today - timedelta(days=2)
        span = max((last_day - first_day).days, 0)
        answers_of: dict[int, dict[int, tuple[str, str]]] = {}
        done: list[Audit] = []
        for n, audit in enumerate(audits):
            day = first_day + timedelta(days=span * n // max(len(audits) - 1, 1))
            when = self._on(day, 10 + self.rng.random() * 5)
            quality = self._weighted(c.AUDIT_FILE_QUALITY)
            if audit is not_started:
                continue
            given = self._answers(audit, questions, quality)
            auditor = audit.auditor
            assert auditor is not None
            if audit is in_progress:
                # Half the questions answered so far.
                half = dict(list(given.items())[: len(given) // 2])
                self._at(when, auditor)
                audit_services.save_answers(audit, auditor, self._given(half))
                continue
            if audit is live:
                self._reflect(audit, questions, when - timedelta(hours=2))
            self._at(when - timedelta(hours=1), auditor)
            audit_services.save_answers(audit, auditor, self._given(given), c.AUDIT_SUMMARIES[quality])
            self._complete(audit, when)
            answers_of[audit.pk] = given
            done.append(audit)

        # The moderator reads the file a few days after the first auditor, and mostly agrees.
        for first_pk, moderation in by_first.items():
            if first_pk not in answers_of:
                continue
            first = next(a for a in audits if a.pk == first_pk)
            assert first.completed_at is not None
            when = min(first.completed_at + timedelta(days=self.rng.randint(2, 6)), self._on(last_day, 16))
            given = self._moderated(questions, answers_of[first_pk])
            self._at(when - timedelta(hours=1), moderation.auditor)
            audit_services.save_answers(moderation, moderation.auditor, self._given(given))  # type: ignore[arg-type]
            self._complete(moderation, when)
        actions = self._learning_actions(done)
        return audits, len(moderations), actions

    def _live_practitioner(self, audit: Audit) -> User | None:
        """The council practitioner who leads the record, who can sit with the auditor (a live audit)."""
        lead_id = audit_services.record_lead_id(audit)
        user = next((u for u in self.users.values() if u.pk == lead_id), None)
        return (
            user
            if user is not None and user.does_casework and user.organisation_id == self.council.pk
            else None
        )

    def _answers(
        self, audit: Audit, questions: list[AuditQuestion], quality: str
    ) -> dict[int, tuple[str, str]]:
        """The auditor's answer (value, comment) to each question, as the file reads."""
        given: dict[int, tuple[str, str]] = {}
        enquiry = audit.enquiry
        for question in questions:
            if question.is_free_text:
                pool = c.AUDIT_WORKED_WELL if "well" in question.key else c.AUDIT_COULD_BE_BETTER
                given[question.pk] = ("", self.rng.choice(pool))
                continue
            value = self._value(question, quality, enquiry)
            grade = _grade_of(question, value)
            good, poor = c.AUDIT_COMMENTS.get(question.key, c.AUDIT_COMMENTS_DEFAULT)
            comment = ""
            if grade is not None and self.rng.random() < 0.7:
                comment = self.rng.choice(good if grade >= 3 else poor)
            given[question.pk] = (value, comment)
        return given

    def _value(self, question: AuditQuestion, quality: str, enquiry: Enquiry | None) -> str:
        options = {opt["grade"]: str(opt["value"]) for opt in question.scale}
        not_applicable = options.get(None)
        if not_applicable and self.rng.random() < c.AUDIT_NOT_APPLICABLE_RATE.get(question.key, 0):
            lacked = enquiry is not None and enquiry.mental_capacity == categories.LACKED_CAPACITY
            if not (lacked and question.key in ("capacity_considered", "advocacy")):
                return not_applicable
        graded = sorted((g for g in options if g is not None), reverse=True)
        if len(graded) == 2:
            # A yes/no question; where the record answers it, the auditor's answer follows the record.
            yes, no = options[graded[0]], options[graded[1]]
            known = _from_record(question.key, enquiry)
            if known is not None and self.rng.random() < 0.9:
                return yes if known else no
            return yes if self.rng.random() < c.AUDIT_YES_RATE[quality] else no
        weights = dict(c.AUDIT_GRADE_WEIGHTS[quality])
        pairs = [(options[g], weights.get(g, 1)) for g in graded]
        return self._weighted(pairs)

    def _moderated(
        self, questions: list[AuditQuestion], first: dict[int, tuple[str, str]]
    ) -> dict[int, tuple[str, str]]:
        """The second auditor's answers: the first auditor's, a grade apart on some questions (on one
        at least, so the demo's agreement is below 100%)."""
        scaled = [q for q in questions if not q.is_free_text and _grade_of(q, first[q.pk][0]) is not None]
        differ = {q.pk for q in scaled if self.rng.random() < MODERATION_DIFFERS}
        if scaled and not differ:
            differ = {self.rng.choice(scaled).pk}
        given: dict[int, tuple[str, str]] = {}
        for question in questions:
            value, _ = first[question.pk]
            if question.is_free_text:
                given[question.pk] = ("", self.rng.choice(c.AUDIT_WORKED_WELL + c.AUDIT_COULD_BE_BETTER))
            elif question.pk in differ:
                given[question.pk] = (
                    _neighbour(question, value, self.rng),
                    self.rng.choice(c.MODERATION_COMMENTS[:2]),
                )
            else:
                given[question.pk] = (value, "")
        return given

    def _given(self, answers: dict[int, tuple[str, str]]) -> dict[int, audit_services.Given]:
        return {pk: audit_services.Given(value=v, comment=text) for pk, (v, text) in answers.items()}

    def _complete(self, audit: Audit, when: datetime) -> None:
        at = self._at(when, audit.auditor)
        self.b.history_values[Audit] = {"completed_at": at}
        audit_services.complete_audit(audit, audit.auditor)  # type: ignore[arg-type]
        self.b.history_values.pop(Audit)
        self._backdate(audit, completed_at=at)

    def _reflect(self, audit: Audit, questions: list[AuditQuestion], when: datetime) -> None:
        practitioner = next(u for u in self.users.values() if u.pk == audit.practitioner_id)
        self._at(when, practitioner)
        keys = {q.key: q.pk for q in questions}
        reflections = {keys[key]: text for key, text in c.AUDIT_REFLECTIONS.items() if key in keys}
        audit_services.save_reflections(audit, practitioner, reflections, c.AUDIT_REFLECTIONS_OVERALL)

    def _learning_actions(self, done: list[Audit]) -> int:
        """Learning actions from the weaker files (or the first completed ones): the first open, the
        second done, the third overdue, owned by the practitioner who led the record."""
        if not done:
            return 0
        staff = {u.pk: u for u in audit_services.learning_action_owners(done[0])}
        fallback = self.users["practitioner"]
        states = ["open", "done", "overdue", "open"]
        made = 0
        for n, state in enumerate(states):
            audit = done[n % len(done)]
            auditor = audit.auditor
            assert auditor is not None
            owner = staff.get(audit_services.record_lead_id(audit) or 0, fallback)
            assert audit.completed_at is not None
            created = self._at(audit.completed_at + timedelta(minutes=10), auditor)
            created_on = timezone.localdate(created)
            if state == "overdue":
                due = max(created_on + timedelta(days=1), self.today - timedelta(days=10))
                due = min(due, self.today - timedelta(days=1))
            elif state == "done":
                due = created_on + timedelta(days=21)
            else:
                due = self.today + timedelta(days=14 + 14 * n)
            # The service refuses a due date in the past, as a form would: it is set for today's date
            # and then moved back to the simulated one.
            self.b.history_values[LearningAction] = {"due_on": due}
            action = audit_services.add_learning_action(
                audit,
                auditor,
                c.LEARNING_ACTIONS[n % len(c.LEARNING_ACTIONS)],
                owner,
                max(due, self.today),
            )
            self._backdate(action, created_at=created, due_on=due)
            if state == "done":
                done_at = self._at(
                    min(
                        created + timedelta(days=self.rng.randint(5, 15)),
                        self._on(self.today - timedelta(days=1)),
                    ),
                    owner,
                )
                self.b.history_values[LearningAction] = {
                    "due_on": due,
                    "done_on": timezone.localdate(done_at),
                }
                audit_services.mark_learning_action_done(action, owner, c.LEARNING_DONE_NOTES[0])
                self._backdate(action, done_on=timezone.localdate(done_at))
            self.b.history_values.pop(LearningAction, None)
            made += 1
        return made

    # Safeguarding Adults Reviews

    def _reviews(self) -> tuple[int, int]:
        year = FinancialYear.containing(self.today)
        # The adult of the mandatory review is a demo person whose casework ended a while ago: they
        # died soon after, and the review's dates follow from then, the review concluding this year.
        person, died = self._person_who_died(self.today - timedelta(days=SAR_LEAD_TIME_DAYS))
        if died is None:
            died = self.today - timedelta(days=SAR_LEAD_TIME_DAYS)
        referred = died + timedelta(days=21)
        decided = referred + timedelta(days=21)
        started = decided + timedelta(days=14)
        concluded = min(max(year.start, started + timedelta(days=120)), self.today - timedelta(days=14))
        concluded = max(concluded, year.start, started)
        published = concluded + timedelta(days=30)
        review = self._review(c.SAR_CONCLUDED, referred, decided, SafeguardingAdultsReview.Decision.MANDATORY)
        status = SafeguardingAdultsReview.Status
        self._at(self._on(concluded, 15), self.lead)
        sar_services.update_progress(
            review,
            self.lead,
            status=status.PUBLISHED if published < self.today else status.CONCLUDED,
            started_on=started,
            concluded_on=concluded,
            published_on=published if published < self.today else None,
            reviewer=c.SAR_CONCLUDED["reviewer"],
        )
        self._findings(review, c.SAR_CONCLUDED, concluded)
        spec = c.SAR_CONCLUDED["adult"]
        age_band = _age_band(person, died) if person else "75-84"
        adult = sar_services.save_adult(
            review,
            self.lead,
            pseudonym=spec["pseudonym"],
            died=True,
            serious_harm=True,
            age_band=age_band,
            date_of_death=died,
        )
        if person is not None:
            # The lead links the review's adult to the person's record: only the lead sees it.
            self._at(self._on(decided, 11), self.lead)
            sar_services.link_person(adult, self.lead, person)
        recommendations = self._recommendations(review, c.SAR_CONCLUDED_RECOMMENDATIONS, concluded)

        # The discretionary review, started some weeks ago; the adult survived.
        started2 = self.today - timedelta(days=40)
        decided2 = started2 - timedelta(days=14)
        review2 = self._review(
            c.SAR_IN_PROGRESS,
            decided2 - timedelta(days=30),
            decided2,
            SafeguardingAdultsReview.Decision.DISCRETIONARY,
        )
        self._at(self._on(started2, 15), self.lead)
        sar_services.update_progress(
            review2,
            self.lead,
            status=status.IN_PROGRESS,
            started_on=started2,
            concluded_on=None,
            published_on=None,
            reviewer=c.SAR_IN_PROGRESS["reviewer"],
        )
        self._findings(review2, c.SAR_IN_PROGRESS, started2)
        spec2 = c.SAR_IN_PROGRESS["adult"]
        sar_services.save_adult(
            review2,
            self.lead,
            pseudonym=spec2["pseudonym"],
            died=False,
            serious_harm=True,
            age_band="18-64",
        )
        recommendations += self._recommendations(review2, c.SAR_IN_PROGRESS_RECOMMENDATIONS, started2)

        # A referral the Board decided not to progress.
        referred3 = self.today - timedelta(days=60)
        self._review(
            c.SAR_NOT_PROGRESSED,
            referred3,
            referred3 + timedelta(days=20),
            SafeguardingAdultsReview.Decision.NOT_PROGRESSED,
        )
        return 2, recommendations

    def _review(
        self, spec: dict[str, Any], referred: date, decided: date, decision: str
    ) -> SafeguardingAdultsReview:
        referrer = Organisation.objects.get(name=spec["referred_by"])
        created = self._at(self._on(referred, 14), self.lead)
        review = sar_services.new_review(
            self.council,
            self.lead,
            referred_on=referred,
            referring_organisation=referrer,
            referral_summary=spec["summary"],
        )
        self._backdate(review, created_at=created)
        self._at(self._on(decided, 11), self.lead)
        sar_services.record_decision(
            review, self.lead, decision=decision, decision_on=decided, reasons=spec["decision_reasons"]
        )
        return review

    def _findings(self, review: SafeguardingAdultsReview, spec: dict[str, Any], on: date) -> None:
        self._at(self._on(on, 16), self.lead)
        sar_services.update_findings(
            review,
            self.lead,
            themes=spec["themes"],
            family_involvement=spec["family_involvement"],
            family_involvement_note=spec["family_note"],
            findings=spec["findings"],
        )

    def _recommendations(
        self, review: SafeguardingAdultsReview, specs: list[tuple[str, str, str]], on: date
    ) -> int:
        """Each recommendation added on ``on`` and then brought to its state."""
        statuses = ReviewRecommendation.Status
        for n, (owner_name, text, state) in enumerate(specs):
            owner = Organisation.objects.get(name=owner_name)
            if state == "completed":
                due = on + timedelta(days=60)
            elif state == "overdue":
                due = max(on + timedelta(days=7), self.today - timedelta(days=20))
                due = min(due, self.today - timedelta(days=1))
            else:
                due = self.today + timedelta(days=90 + 30 * n)
            self._at(self._on(on, 16.5), self.lead)
            rec = sar_services.add_recommendation(review, self.lead, text=text, owner=owner, due_on=due)
            if state == "open":
                continue
            progressed = min(on + timedelta(days=self.rng.randint(20, 50)), self.today - timedelta(days=3))
            progressed = max(progressed, on)
            self._at(self._on(progressed, 12), self.lead)
            completed = state == "completed"
            sar_services.update_recommendation(
                rec,
                self.lead,
                text=text,
                owner=owner,
                due_on=due,
                status=statuses.COMPLETED if completed else statuses.IN_PROGRESS,
                evidence=c.SAR_EVIDENCE if completed else "",
                completed_on=progressed if completed else None,
            )
        return len(specs)

    def _person_who_died(self, cutoff: date) -> tuple[Person | None, date | None]:
        """A Riverside person (not restricted) whose casework all ended by ``cutoff`` (an enquiry about
        them closed, nothing received or open after), and the day they died: the day their enquiry
        closed because they died, else a week after it closed. People whose enquiry closed because they
        died come first, then the latest to close."""
        before = self._on(cutoff + timedelta(days=1), 0)
        later_concern = Concern.objects.filter(person=OuterRef("pk"), received_at__gte=before)
        later_enquiry = Enquiry.objects.filter(person=OuterRef("pk")).filter(
            Q(closed_at__isnull=True) | Q(closed_at__gte=before)
        )
        person = (
            Person.objects.filter(council=self.council, restricted=False, merged_into__isnull=True)
            .filter(enquiries__status=Enquiry.Status.CLOSED)
            .exclude(Exists(later_concern))
            .exclude(Exists(later_enquiry))
            .annotate(
                last_closed=Max("enquiries__closed_at"),
                died_reason=Exists(
                    Enquiry.objects.filter(person=OuterRef("pk"), closure_reason=Enquiry.ClosureReason.DIED)
                ),
            )
            .order_by("-died_reason", "-last_closed", "uuid")
            .first()
        )
        if person is None:
            return None, None
        closed = timezone.localdate(person.last_closed)
        return person, closed if person.died_reason else closed + timedelta(days=7)

    # The annual report

    def _annual_report(self) -> None:
        year = FinancialYear.containing(self.today)
        created = self._at(self._on(max(year.start, self.today - timedelta(days=30)), 9), self.lead)
        report = report_services.create_report(self.council, year, self.lead)
        self._backdate(report, created_at=created)
        members = {m.name: m for m in report_services.members(self.council)}
        # The demo's texts are keyed by section; a key the report does not know would be saved unseen.
        assert set(c.ANNUAL_REPORT_SECTIONS) | {Section.MEMBERS} == set(Section.values), "section keys"
        for n, (key, text) in enumerate(c.ANNUAL_REPORT_SECTIONS.items()):
            when = self._at(created + timedelta(days=1 + n, hours=2), self.lead)
            for section in report_services.save_section(report, key, {None: text}, self.lead):
                self._backdate(section, updated_at=when)
        when = self._at(created + timedelta(days=7), self.lead)
        texts = {members[name]: text for name, text in c.ANNUAL_REPORT_MEMBERS.items() if name in members}
        for section in report_services.save_section(report, Section.MEMBERS, texts, self.lead):  # type: ignore[arg-type]
            self._backdate(section, updated_at=when)

    # Afterwards

    def _settle(self) -> None:
        """Write the simulated times over the real ones, and seeded uuids over the random ones, on the
        records and on their history rows."""
        for model, rows in self.backdates.items():
            history = model.history.model  # type: ignore[attr-defined]
            for pk, values in rows.items():
                model._default_manager.filter(pk=pk).update(**values)
            for name in BACKDATED[model]:
                live = model._default_manager.filter(pk=OuterRef("id")).values(name)[:1]
                history.objects.filter(id__in=list(rows), **{f"{name}__isnull": False}).update(
                    **{name: models.Subquery(live)}
                )
        scopes: list[tuple[type[models.Model], Q]] = [
            (AuditRound, Q(council=self.council)),
            (Audit, Q(audit_round__council=self.council)),
            (LearningAction, Q(audit__audit_round__council=self.council)),
            (SafeguardingAdultsReview, Q(council=self.council)),
            (ReviewAdult, Q(review__council=self.council)),
            (ReviewRecommendation, Q(review__council=self.council)),
            (AnnualReport, Q(council=self.council)),
        ]
        for model, scope in scopes:
            pks = list(model._default_manager.filter(scope).order_by("pk").values_list("pk", flat=True))
            stubs = [model(pk=pk, uuid=uuid.UUID(int=self.rng.getrandbits(128), version=4)) for pk in pks]
            model._default_manager.bulk_update(stubs, ["uuid"], batch_size=500)
            live = model._default_manager.filter(pk=OuterRef("id")).values("uuid")[:1]
            model.history.model.objects.filter(id__in=pks).update(uuid=models.Subquery(live))  # type: ignore[attr-defined]


def _grade_of(question: AuditQuestion, value: str) -> int | None:
    for option in question.scale:
        if str(option["value"]) == value:
            return option.get("grade")
    return None


def _neighbour(question: AuditQuestion, value: str, rng: random.Random) -> str:
    """A value one grade away from ``value`` on the question's scale (up or down, as the scale allows)."""
    graded = sorted((o["grade"], str(o["value"])) for o in question.scale if o.get("grade") is not None)
    grades = [g for g, _ in graded]
    here = grades.index(_grade_of(question, value))
    steps = [i for i in (here - 1, here + 1) if 0 <= i < len(graded)]
    return graded[rng.choice(steps)][1]


def _from_record(key: str, enquiry: Enquiry | None) -> bool | None:
    """What the record itself says about a yes/no question, where it says anything."""
    if enquiry is None:
        return None
    if key == "asked_outcomes" and enquiry.msp_asked:
        return enquiry.msp_asked in (categories.ASKED_AND_EXPRESSED, categories.ASKED_NONE_EXPRESSED)
    if key == "first_contact":
        concern = enquiry.concern
        if concern.first_contact_at is None:
            return False
        return concern.first_contact_at - concern.received_at <= timedelta(hours=24)
    return None


def _age_band(person: Person, on: date) -> str:
    if person.date_of_birth is None:
        return "Age unknown"
    born = person.date_of_birth
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for upper, band in ((64, "18-64"), (74, "65-74"), (84, "75-84"), (94, "85-94")):
        if age <= upper:
            return band
    return "95+"


def seed_assurance(builder: "DemoBuilder") -> dict[str, int]:
    return AssuranceBuilder(builder).build().as_dict()
