"""The worktray's rules: notifying people of events and of work falling due, allocating concerns,
reading and marking notifications, and each user's email preference.

Events (a decision or closure returned, work allocated) are notified by the service that makes the
change, calling ``decision_returned``, ``closure_returned`` or ``allocated`` inside its transaction,
so the notification is kept exactly when the change is. Work falling due is found set-based by
``generate_due`` (run by ``manage.py send_notifications`` before it emails). Either way a user has
at most one notification per event (its ``key``): ``notify`` ignores one already there.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from msphub.accounts.models import Organisation, Role, User
from msphub.accounts.permissions import ALLOCATE, MY_AUDITS, SAFEGUARDING_LEAD
from msphub.concerns.models import Concern, ConcernQuerySet
from msphub.core.states import StateChanged, lock_status
from msphub.enquiries.models import (
    SHARED_PLAN_ROLES,
    Enquiry,
    EnquiryQuerySet,
    PlanAction,
    PlanActionQuerySet,
)
from msphub.people.models import Person

from .models import Notification, NotificationPreference

Kind = Notification.Kind

# A first conversation with the adult falling due within this many hours is notified (and listed).
FIRST_CONTACT_SOON = timedelta(hours=4)
# A review falling due within this many days is notified (and listed), as is one overdue.
REVIEW_SOON = timedelta(days=7)
# How many rows each worktray section shows; the section says how many more there are.
SECTION_ROWS = 50


@dataclass(frozen=True)
class Due:
    """A notification to make: who, what kind, about which record, for which event."""

    user_id: int
    kind: str
    record_type: str
    record_uuid: UUID
    reference: str
    key: str
    person_id: int | None = None  # the record's person, to leave out users a restriction hides it from


CONCERN = Concern._meta.label_lower
ENQUIRY = Enquiry._meta.label_lower
LEARNING_ACTION = "audits.learningaction"
# A plan action a partner agency owns, for its staff: the enquiry's uuid and reference (so it goes
# when the enquiry does), the action in its key; it opens the agency's page of the action, never the
# enquiry's (``plan_action_uuid``).
PLAN_ACTION = PlanAction._meta.label_lower
ACTION_OVERDUE_KEY = "action_overdue"


def plan_action_uuid(notification: Notification) -> UUID:
    """The plan action an overdue-action notification is about, from its key
    ("action_overdue:<action uuid>:<date due>")."""
    return UUID(notification.key.split(":")[1])


def create_due(due: Iterable[Due], now: datetime | None = None) -> int:
    """Make the notifications ``due`` asks for, as ``generate_due`` does (``_create``): for another
    app's set-based rule that builds its own ``Due`` rows (providers.services)."""
    return _create(due, now)


def _create(due: Iterable[Due], now: datetime | None = None) -> int:
    """One insert for them all; a notification already made for the same user and event is kept
    as it is (read or not). Returns how many were asked for (not how many were new: SQLite and
    PostgreSQL both skip conflicts silently)."""
    rows = [
        Notification(
            user_id=d.user_id,
            kind=d.kind,
            record_type=d.record_type,
            record_uuid=d.record_uuid,
            reference=d.reference,
            key=d.key[:200],
            created_at=now or timezone.now(),
        )
        for d in _who_may_see(list(due))
    ]
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _who_may_see(due: list[Due]) -> list[Due]:
    """Leave out inactive users, and users a restricted person's record is hidden from (anyone not
    named on it but the safeguarding lead: ``PersonQuerySet.restricted_from``), so that nobody is
    told of a record they could not open. Two queries, whatever the number of rows."""
    if not due:
        return []
    users = {
        pk: role
        for pk, role in User.objects.filter(pk__in={d.user_id for d in due}, is_active=True).values_list(
            "pk", "role"
        )
    }
    person_ids = {d.person_id for d in due if d.person_id is not None}
    restricted: dict[int, set[int]] = {}
    if person_ids:
        for pk in Person.objects.filter(pk__in=person_ids, restricted=True).values_list("pk", flat=True):
            restricted[pk] = set()
        named = Person.restricted_to.through.objects.filter(person_id__in=restricted)
        for person_id, user_id in named.values_list("person_id", "user_id"):
            restricted[person_id].add(user_id)
    kept = []
    seen: set[tuple[int, str]] = set()
    for d in due:
        if d.user_id not in users or (d.user_id, d.key) in seen:
            continue
        hidden = restricted.get(d.person_id) if d.person_id is not None else None
        if hidden is not None and d.user_id not in hidden and users[d.user_id] != Role.SAFEGUARDING_LEAD:
            continue
        seen.add((d.user_id, d.key))
        kept.append(d)
    return kept


def notify(users: Iterable[User | None], kind: str, record: Concern | Enquiry, key: str) -> None:
    """Tell each of ``users`` (None and repeats left out) about ``record``, once per ``key``.

    Called inside the transaction of the change it reports, so both are kept or neither."""
    person_id = record.person_id
    _create(
        Due(
            user_id=user.pk,
            kind=kind,
            record_type=record._meta.label_lower,
            record_uuid=record.uuid,
            reference=record.reference,
            key=key,
            person_id=person_id,
        )
        for user in {u.pk: u for u in users if u is not None}.values()
    )


# --- Events: the hooks the concern and enquiry services call -------------------------------------


def learning_action_set(action: Any) -> None:
    """A case file audit set ``action`` for its owner: tell them once (the audited record's
    reference only; the action's words stay on the audit)."""
    audit = action.audit
    record = audit.enquiry if audit.enquiry_id else audit.concern
    _create(
        [
            Due(
                user_id=action.owner_id,
                kind=Kind.LEARNING_ACTION,
                record_type=LEARNING_ACTION,
                record_uuid=record.uuid,
                reference=record.reference,
                key=f"learning_action:{action.uuid}",
                person_id=audit.person_id,
            )
        ]
    )


def decision_returned(decision: Any) -> None:
    """A team manager returned the decision: the practitioner who made it (and the concern's assignee,
    if another) is told. The comment is read from the decision when shown, never copied."""
    concern = decision.concern
    key = f"decision_returned:{decision.uuid}:{decision.decided_at.isoformat()}"
    notify([decision.decided_by, concern.assigned_to], Kind.DECISION_RETURNED, concern, key)


def closure_returned(enquiry: Enquiry) -> None:
    """A team manager returned the closure: whoever asked for it and the lead practitioner are told."""
    requested = enquiry.closure_requested_at.isoformat() if enquiry.closure_requested_at else ""
    key = f"closure_returned:{enquiry.uuid}:{requested}"
    notify([enquiry.closure_requested_by, enquiry.lead_practitioner], Kind.CLOSURE_RETURNED, enquiry, key)


def allocated(record: Concern | Enquiry, user: User, by: User | None = None) -> None:
    """``user`` was given ``record`` (a concern to triage, an enquiry to lead) by ``by``: told, unless
    they gave it to themselves. Each allocation is its own event (given back later, told again)."""
    if by is not None and by.pk == user.pk:
        return
    key = f"allocated:{record.uuid}:{user.pk}:{timezone.now().isoformat()}"
    notify([user], Kind.ALLOCATED, record, key)


# --- Work falling due, found set-based -------------------------------------------------------------


def _managers(team_ids: set[int], council_ids: set[int]) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """The active team managers (with a team: the ones who may sign off) of ``team_ids`` and of
    ``council_ids``, by team and by council; one query. Set-based ``User.is_manager``."""
    by_team: dict[int, list[int]] = defaultdict(list)
    by_council: dict[int, list[int]] = defaultdict(list)
    if not team_ids and not council_ids:
        return by_team, by_council
    rows = User.objects.filter(
        Q(team_id__in=team_ids) | Q(organisation_id__in=council_ids),
        role=Role.TEAM_MANAGER,
        is_active=True,
        team__isnull=False,
        organisation__kind=Organisation.Kind.COUNCIL,
    ).values_list("pk", "team_id", "organisation_id")
    for pk, team_id, council_id in rows:
        by_team[team_id].append(pk)
        by_council[council_id].append(pk)
    return by_team, by_council


def _first_contacts_due(now: datetime) -> list[dict[str, Any]]:
    """Open concerns whose adult has not been spoken to and whose first contact is due within
    FIRST_CONTACT_SOON (or is overdue): the assignee, else the team's managers, else (not picked up)
    the council's managers."""
    return list(
        Concern.objects.open()
        .first_contact_overdue(now + FIRST_CONTACT_SOON)  # overdue by then: the one rule
        .values("uuid", "reference", "person_id", "assigned_to_id", "team_id", "council_id")
    )


def generate_due(now: datetime | None = None) -> int:
    """Notify everyone whose work is falling due: first contacts due within 4 hours, reviews due
    within 7 days or overdue, plan actions and provider actions overdue, decisions and closures
    waiting for sign-off.

    A fixed number of queries, whatever the number of records; running it again notifies nobody
    twice (each event's key). Returns how many notifications were asked for."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    contacts = _first_contacts_due(now)
    decisions = list(
        Concern.objects.filter(status=Concern.Status.AWAITING_SIGN_OFF, decision__isnull=False).values(
            "uuid",
            "reference",
            "person_id",
            "team_id",
            "council_id",
            "decision__uuid",
            "decision__decided_at",
            "decision__decided_by_id",
        )
    )
    closures = list(
        Enquiry.objects.filter(status=Enquiry.Status.CLOSURE_REQUESTED).values(
            "uuid",
            "reference",
            "person_id",
            "team_id",
            "council_id",
            "closure_requested_by_id",
            "closure_requested_at",
        )
    )
    # Managers are looked up once for every row that needs them.
    teams = {r["team_id"] for r in [*contacts, *decisions, *closures] if r["team_id"]}
    councils = {r["council_id"] for r in contacts if not r["team_id"] and not r["assigned_to_id"]}
    councils |= {r["council_id"] for r in [*decisions, *closures] if not r["team_id"]}
    by_team, by_council = _managers(teams, councils)

    def managers_of(row: Mapping[str, Any]) -> list[int]:
        return by_team[row["team_id"]] if row["team_id"] else by_council[row["council_id"]]

    due: list[Due] = []
    for row in contacts:
        recipients = [row["assigned_to_id"]] if row["assigned_to_id"] else managers_of(row)
        key = f"first_contact_due:{row['uuid']}"
        record = (CONCERN, row["uuid"], row["reference"])
        due += [Due(pk, Kind.FIRST_CONTACT_DUE, *record, key, row["person_id"]) for pk in recipients]
    for decided in decisions:
        key = f"sign_off_waiting:{decided['decision__uuid']}:{decided['decision__decided_at'].isoformat()}"
        record = (CONCERN, decided["uuid"], decided["reference"])
        due += [
            Due(pk, Kind.SIGN_OFF_WAITING, *record, key, decided["person_id"])
            for pk in managers_of(decided)
            if pk != decided["decision__decided_by_id"]  # nobody signs off their own decision
        ]
    for closure in closures:
        requested = closure["closure_requested_at"].isoformat() if closure["closure_requested_at"] else ""
        key = f"sign_off_waiting:{closure['uuid']}:{requested}"
        record = (ENQUIRY, closure["uuid"], closure["reference"])
        due += [
            Due(pk, Kind.SIGN_OFF_WAITING, *record, key, closure["person_id"])
            for pk in managers_of(closure)
            if pk != closure["closure_requested_by_id"]
        ]
    reviews = Enquiry.objects.filter(
        status=Enquiry.Status.OPEN, next_review_due__lte=today + REVIEW_SOON
    ).values_list("uuid", "reference", "person_id", "lead_practitioner_id", "next_review_due")
    for uuid, reference, person_id, lead_id, review_due in reviews:
        kind = Kind.REVIEW_OVERDUE if review_due is not None and review_due < today else Kind.REVIEW_DUE
        due.append(
            Due(lead_id, kind, ENQUIRY, uuid, reference, f"{kind.value}:{uuid}:{review_due}", person_id)
        )
    due += _actions_overdue_due(today)
    # Provider actions of whole-service enquiries: the providers app's own set-based rule, made in
    # the same insert (imported here: providers imports this module).
    from msphub.providers.services import overdue_actions_due

    due += overdue_actions_due(today)
    return _create(due, now)


def _actions_overdue_due(today: date) -> list[Due]:
    """Overdue plan actions notify their owner: a partner agency's staff on the shared plan
    (``SHARED_PLAN_ROLES``) for the actions it owns, linked to the agency's page of the action; the
    lead practitioner for the council's own actions, the person's own part of the plan and those
    owned by someone outside msphub, and for an agency's action when the agency has nobody active in
    msphub (or no longer works with the council, or a restriction hides the person's record from all
    of them), so that someone is always told. A fixed number of queries."""
    actions = list(_actions_overdue(today))
    partner_owned = {
        (a["owner_organisation_id"], a["enquiry__council_id"])
        for a in actions
        if a["owner_organisation_id"] not in (None, a["enquiry__council_id"])
    }
    staff: dict[tuple[int, int], list[int]] = defaultdict(list)
    if partner_owned:
        organisations = {org for org, _ in partner_owned}
        works_with = set(
            Organisation.councils.through.objects.filter(from_organisation_id__in=organisations).values_list(
                "from_organisation_id", "to_organisation_id"
            )
        )
        users = User.objects.filter(
            organisation_id__in=organisations, role__in=SHARED_PLAN_ROLES, is_active=True
        ).values_list("pk", "organisation_id")
        by_organisation: dict[int, list[int]] = defaultdict(list)
        for pk, organisation_id in users:
            by_organisation[organisation_id].append(pk)
        for org, council in partner_owned & works_with:
            staff[(org, council)] = by_organisation[org]
    agency_due = []
    for action in actions:
        key = f"{ACTION_OVERDUE_KEY}:{action['uuid']}:{action['due_on']}"
        record = (action["enquiry__uuid"], action["enquiry__reference"], key, action["enquiry__person_id"])
        agency = staff.get((action["owner_organisation_id"], action["enquiry__council_id"]), [])
        agency_due += [Due(pk, Kind.ACTION_OVERDUE, PLAN_ACTION, *record) for pk in agency]
    # The agency's staff a restricted person's record is hidden from are not told (``_who_may_see``):
    # an action none of them may be told of goes to the lead practitioner instead.
    due = _who_may_see(agency_due)
    told = {d.key for d in due}
    for action in actions:
        key = f"{ACTION_OVERDUE_KEY}:{action['uuid']}:{action['due_on']}"
        if key not in told:
            record = (
                action["enquiry__uuid"],
                action["enquiry__reference"],
                key,
                action["enquiry__person_id"],
            )
            due.append(Due(action["enquiry__lead_practitioner_id"], Kind.ACTION_OVERDUE, ENQUIRY, *record))
    return due


def _actions_overdue(today: date) -> QuerySet[PlanAction, dict[str, Any]]:
    """Plan actions overdue (``PlanActionQuerySet.overdue``, the one rule the caseload's "actions
    overdue" list uses too) on enquiries not closed (``EnquiryQuerySet.open``)."""
    actions = PlanAction.objects.overdue(today).exclude(enquiry__status=Enquiry.Status.CLOSED)
    return actions.values(
        "uuid",
        "due_on",
        "owner_organisation_id",
        "enquiry__uuid",
        "enquiry__reference",
        "enquiry__person_id",
        "enquiry__council_id",
        "enquiry__lead_practitioner_id",
    )


# --- Reading notifications -------------------------------------------------------------------------


def unread_count(user: User) -> int:
    return Notification.objects.for_user(user).unread().count()


def mark_read(notification: Notification, now: datetime | None = None) -> None:
    """Marked read (once: a second press keeps the first time)."""
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now or timezone.now()
        )


def mark_all_read(user: User, now: datetime | None = None) -> int:
    with transaction.atomic():
        return Notification.objects.for_user(user).unread().update(read_at=now or timezone.now())


# The notifications shown with the manager's comment, read from the record.
RETURNED = (Kind.DECISION_RETURNED, Kind.CLOSURE_RETURNED)


def returned_comments(user: User, notifications: list[Notification]) -> dict[UUID, str]:
    """The manager's comment on each returned decision or closure among ``notifications``, read now
    from the records ``user`` may see (two queries at most, whatever their number)."""
    concerns = {n.record_uuid for n in notifications if n.kind == Kind.DECISION_RETURNED}
    enquiries = {n.record_uuid for n in notifications if n.kind == Kind.CLOSURE_RETURNED}
    comments: dict[UUID, str] = {}
    if concerns:
        rows = Concern.objects.for_user(user, "view").filter(uuid__in=concerns)
        comments.update(rows.values_list("uuid", "decision__returned_comment"))
    if enquiries:
        rows_e = Enquiry.objects.for_user(user, "view").filter(uuid__in=enquiries)
        comments.update(rows_e.values_list("uuid", "closure_returned_comment"))
    return {uuid: comment for uuid, comment in comments.items() if comment}


# --- The worktray's live sections ------------------------------------------------------------------


@dataclass
class Section:
    """One list on the worktray: its rows (at most SECTION_ROWS) and how many there are in all."""

    title: str
    rows: list[Any]
    total: int
    empty: str
    # What each row says besides its reference and person: "assigned", "first_contact", "review",
    # "actions", "decision", "closure", "learning" (a learning action: no person) or "agency_actions"
    # (a partner's plan action: the enquiry's reference only); the template's choice.
    show: str

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.rows))


def _section(show: str, title: str, rows: QuerySet[Any], empty: str) -> Section:
    """The section's first rows and its total: two queries, however many rows there are."""
    return Section(title, list(rows[:SECTION_ROWS]), rows.count(), empty, show)


def _concerns_to_work(concerns: QuerySet[Concern], user: User) -> ConcernQuerySet:
    """The concerns that are the user's to work: assigned to them and, for someone who allocates,
    their team's and those not picked up yet."""
    mine = Q(assigned_to=user)
    if ALLOCATE.allows(user):
        mine |= Q(team__isnull=True)
        if user.team_id:
            mine |= Q(team_id=user.team_id)
    # Concern's querysets are ConcernQuerySets (its manager), whatever the stubs say of filter().
    return cast(ConcernQuerySet, concerns.filter(mine))


def _enquiries_to_work(enquiries: QuerySet[Enquiry], user: User) -> QuerySet[Enquiry]:
    """Enquiries the user leads; for a partner enquiry officer, all those their agency makes (which
    the queryset's ``for_user`` already narrows to)."""
    return enquiries if user.council_id is None else enquiries.filter(lead_practitioner=user)


def sections(
    visible_concerns: QuerySet[Concern],
    visible_enquiries: QuerySet[Enquiry],
    user: User,
    now: datetime | None = None,
    agency_actions: QuerySet[PlanAction] | None = None,
) -> list[Section]:
    """The worktray's live lists, from the concerns and enquiries the user may see (``visible``),
    and the plan actions their agency owns (``visible(..., "agency")``, for a partner's staff):
    each a fixed number of queries, whatever the number of rows."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    open_concerns = visible_concerns.filter(status__in=Concern.UNDECIDED).select_related("person", "team")
    concerns_by_age = open_concerns.order_by("received_at", "pk")
    result: list[Section] = []
    if not visible_concerns.query.is_empty():  # a partner enquiry officer works on enquiries only
        result += [
            _section(
                "assigned",
                "Concerns assigned to you",
                concerns_by_age.filter(assigned_to=user),
                "No open concerns are assigned to you.",
            ),
            _section(
                "first_contact",
                "First contacts due within 4 hours or overdue",
                _concerns_to_work(concerns_by_age, user).first_contact_overdue(now + FIRST_CONTACT_SOON),
                "No first contacts are due in the next 4 hours.",
            ),
        ]
    if agency_actions is not None and not agency_actions.query.is_empty():
        result.append(
            _section(
                "agency_actions",
                "Your organisation's plan actions overdue or due within 7 days",
                cast(PlanActionQuerySet, agency_actions)
                .unresolved()
                .filter(due_on__lte=today + REVIEW_SOON, enquiry__status=Enquiry.Status.OPEN)
                .select_related("enquiry")
                .order_by("due_on", "pk"),
                "None of your organisation's plan actions are due in the next 7 days.",
            )
        )
    if not visible_enquiries.query.is_empty():  # a partner's referrer or lead works on no enquiry
        enquiries = _enquiries_to_work(visible_enquiries, user).select_related("person")
        result += [
            _section(
                "review",
                "Reviews due within 7 days or overdue",
                enquiries.filter(
                    status=Enquiry.Status.OPEN, next_review_due__lte=today + REVIEW_SOON
                ).order_by("next_review_due", "reference"),
                "No reviews are due in the next 7 days.",
            ),
            _section(
                "actions",
                "Enquiries with plan actions overdue",
                cast(EnquiryQuerySet, enquiries)
                .open()
                .with_overdue_actions(today)
                .filter(has_overdue_action=True)
                .order_by("next_review_due", "reference"),
                "No plan actions are overdue.",
            ),
        ]
    if MY_AUDITS.allows(user):  # learning actions are owned by council staff
        result += learning_action_sections(user)
    return result


def learning_action_sections(user: User) -> list[Section]:
    """Open learning actions from case file audits, by due date: the user's own and, for a team
    manager, those of the rest of their team (``LearningActionQuerySet.for_user``)."""
    from msphub.audits.models import LearningAction

    actions = (
        LearningAction.objects.for_user(user)
        .open()
        .select_related("owner", "audit__concern", "audit__enquiry")
        .order_by("due_on", "pk")
    )
    result = [
        _section(
            "learning",
            "Learning actions from case file audits",
            actions.filter(owner=user),
            "You own no open learning actions.",
        )
    ]
    if user.is_manager and user.team_id:
        result.append(
            _section(
                "learning",
                "Your team's learning actions from case file audits",
                actions.filter(owner__team_id=user.team_id).exclude(owner=user),
                "Your team has no open learning actions.",
            )
        )
    return result


def sign_offs_waiting(decisions: QuerySet[Concern], closures: QuerySet[Enquiry], user: User) -> list[Section]:
    """Decisions and closures waiting for the user's sign-off, from the concerns and enquiries they
    may sign off (``visible(..., "sign_off")``): not their own decisions or requests."""
    return [
        _section(
            "decision",
            "Decisions waiting for your sign-off",
            decisions.filter(status=Concern.Status.AWAITING_SIGN_OFF)
            .exclude(decision__decided_by=user)
            .select_related("person", "decision")
            .order_by("decision__decided_at", "pk"),
            "No decisions are waiting for your sign-off.",
        ),
        _section(
            "closure",
            "Enquiry closures waiting for your sign-off",
            closures.filter(status=Enquiry.Status.CLOSURE_REQUESTED)
            .exclude(closure_requested_by=user)
            .select_related("person")
            .order_by("closure_requested_at", "pk"),
            "No enquiry closures are waiting for your sign-off.",
        ),
    ]


# --- Allocating a concern --------------------------------------------------------------------------

NOT_IN_TEAM = "Select someone in your team"
ALREADY_ASSIGNED = "This concern is already assigned to them: select someone else"
DECIDED = "This concern has been decided, so it can no longer be allocated."
MOVED = "This concern was allocated to another team meanwhile; nothing was changed."


def allocation_candidates(concern: Concern, by: User) -> QuerySet[User]:
    """Whom ``by`` may give the concern to: active casework staff of the concern's team (of their
    own team, for a concern no team has picked up); the safeguarding lead, anyone in the council."""
    staff = User.casework_staff(concern.council_id)
    if SAFEGUARDING_LEAD.allows(by):
        return staff
    team_id = concern.team_id or by.team_id
    return staff.filter(team_id=team_id) if team_id else staff.none()


def allocate_concern(concern: Concern, by: User, assignee: User | None) -> None:
    """A team manager (or the lead) allocates or reassigns an undecided concern; the new assignee
    is told. Under the concern's row lock, so of two managers allocating at once the second is
    checked against the concern as the first left it."""
    with transaction.atomic():
        lock_status(concern, Concern.UNDECIDED, ValidationError(DECIDED))
        concern.refresh_from_db(fields=["team", "assigned_to", "status"])
        if not Concern.objects.for_user(by, "manage").filter(pk=concern.pk).exists():
            raise StateChanged(MOVED)
        if assignee is None or not allocation_candidates(concern, by).filter(pk=assignee.pk).exists():
            raise ValidationError({"assignee": NOT_IN_TEAM})
        if concern.assigned_to_id == assignee.pk:
            raise ValidationError({"assignee": ALREADY_ASSIGNED})
        concern.assigned_to = assignee
        # The lead has no team: a concern already with a team stays with it (as ``pick_up``).
        concern.team = assignee.team or concern.team
        changed = ["assigned_to", "team"]
        if concern.status == Concern.Status.RECEIVED:
            concern.status = Concern.Status.TRIAGE
            changed.append("status")
        concern.save(update_fields=changed)
        allocated(concern, assignee, by)
        # Received to being looked at is a change of status the referrer is told of (imported here:
        # concerns.services imports this module).
        from msphub.concerns.services import concern_moved_on

        concern_moved_on(concern)


# --- Email preference ------------------------------------------------------------------------------


def email_preference(user: User) -> str:
    preference = NotificationPreference.objects.filter(user=user).values_list("email", flat=True).first()
    return preference or NotificationPreference.Email.IMMEDIATE


def set_email_preference(user: User, email: str) -> None:
    if email not in NotificationPreference.Email.values:
        raise ValidationError({"email": "Select how you want to be emailed"})
    with transaction.atomic():
        NotificationPreference.objects.update_or_create(user=user, defaults={"email": email})


def users_emailed(preference: str) -> QuerySet[User]:
    """Active users with an email address whose preference is ``preference`` (no preference saved
    is "immediate")."""
    users = User.objects.filter(is_active=True).exclude(email="")
    if preference == NotificationPreference.Email.IMMEDIATE:
        return users.exclude(
            notification_preference__email__in=[
                NotificationPreference.Email.DIGEST,
                NotificationPreference.Email.OFF,
            ]
        )
    return users.filter(notification_preference__email=preference)


def records_gone(record_uuids: Iterable[UUID]) -> int:
    """Delete the notifications about records that are erased (retention) or merged away; returns
    how many. For ``governance.retention``."""
    with transaction.atomic():
        deleted, _ = Notification.objects.filter(record_uuid__in=list(record_uuids)).delete()
    return deleted
