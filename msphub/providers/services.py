"""Every change to whole-service enquiries, service concerns and provider actions, and the provider's
history (docs/providers.md).

Writes run in a transaction; a change of state locks the row and checks the state as stored
(``core.states.lock_status``), so of two people pressing at once one wins and the other is told.
Rules a form also checks are checked here again, raising ``ValidationError`` keyed by field.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncQuarter
from django.utils import timezone

from msphub.accounts.models import Organisation, User
from msphub.accounts.permissions import PROVIDERS
from msphub.concerns.models import Concern, ConcernRiskType, counted_concern
from msphub.core import categories
from msphub.core.models import ReferenceSequence
from msphub.core.periods import FinancialYear
from msphub.core.states import StateChanged, lock_status
from msphub.enquiries.models import Enquiry
from msphub.enquiries.services import partners_of
from msphub.measures.measures import MEASURES_BY_ID, Filters, base_queryset, percent, with_enquiry_kind
from msphub.worktray import services as worktray
from msphub.worktray.models import Notification

from .models import (
    LinkedConcern,
    ProviderAction,
    ServiceConcern,
    WholeServiceEnquiry,
    providers_of,
)

logger = logging.getLogger(__name__)
LONDON = ZoneInfo("Europe/London")

WSE_PREFIX = "WSE"
SERVICE_CONCERN_PREFIX = "SVC"
NOT_FOUND = "No concern or enquiry you can see has that reference: check it and try again"
CLOSED_ALREADY = "This whole-service enquiry was closed meanwhile."


def _check_not_future(**dates: date | None) -> None:
    today = timezone.localdate()
    errors = {name: "The date must be today or in the past" for name, d in dates.items() if d and d > today}
    if errors:
        raise ValidationError(errors)


def _check_provider(council: Organisation, provider: Organisation) -> None:
    if not providers_of(council.pk).filter(pk=provider.pk).exists():
        raise ValidationError({"provider": "Select a provider that works with the council"})


def _check_lead(council: Organisation, lead: User) -> None:
    if not User.casework_staff(council.pk).filter(pk=lead.pk).exists():
        raise ValidationError({"lead": "Select a member of the council's casework staff to lead it"})


def council_and_partners(council: Organisation) -> QuerySet[Organisation]:
    """The council and its partners (``enquiries.services.partners_of``, the shared plan's one rule:
    never another council or a network), by name: who may have raised a service concern."""
    partners = partners_of(council.pk)
    return Organisation.objects.filter(Q(pk=council.pk) | Q(pk__in=partners.values("pk"))).order_by("name")


def owner_organisations(council: Organisation, provider: Organisation) -> QuerySet[Organisation]:
    """Who may own a provider action, or have raised a service concern about ``provider``: the
    council or one of its partners (``council_and_partners``), and the provider itself (one of them
    while it works with the council, as ``start_enquiry`` checks; kept if it stops)."""
    partners = partners_of(council.pk)
    return Organisation.objects.filter(
        Q(pk=council.pk) | Q(pk=provider.pk) | Q(pk__in=partners.values("pk"))
    ).order_by("name")


# --- Whole-service enquiries ------------------------------------------------------------------------


def start_enquiry(
    council: Organisation,
    user: User,
    *,
    provider: Organisation,
    lead: User,
    about: str,
    started_on: date | None = None,
    service_concern: ServiceConcern | None = None,
) -> WholeServiceEnquiry:
    """Start a whole-service enquiry about ``provider``; from ``service_concern`` (still open), which
    is then marked as having started it."""
    started_on = started_on or timezone.localdate()
    _check_not_future(started_on=started_on)
    _check_provider(council, provider)
    _check_lead(council, lead)
    if not about.strip():
        raise ValidationError({"about": "Enter what the enquiry is about"})
    if service_concern is not None and (
        service_concern.council_id != council.pk or service_concern.provider_id != provider.pk
    ):
        raise ValidationError({"provider": "The service concern is about another provider"})
    with transaction.atomic():
        enquiry = WholeServiceEnquiry.objects.create(
            reference=ReferenceSequence.next_reference(WSE_PREFIX),
            council=council,
            provider=provider,
            lead=lead,
            about=about.strip(),
            started_on=started_on,
            created_by=user,
        )
        if service_concern is not None:
            _attach_service_concern(service_concern, enquiry)
    logger.info("Whole-service enquiry %s started", enquiry.reference)
    return enquiry


def update_enquiry(
    enquiry: WholeServiceEnquiry, user: User, *, lead: User, about: str, findings: str
) -> None:
    """Change the lead, what it is about, and what it has found so far (while open)."""
    _check_lead(enquiry.council, lead)
    if not about.strip():
        raise ValidationError({"about": "Enter what the enquiry is about"})
    with transaction.atomic():
        lock_status(enquiry, [WholeServiceEnquiry.Status.OPEN], StateChanged(CLOSED_ALREADY))
        enquiry.lead, enquiry.about, enquiry.findings = lead, about.strip(), findings.strip()
        enquiry.save(update_fields=["lead", "about", "findings"])


def close_enquiry(
    enquiry: WholeServiceEnquiry,
    user: User,
    *,
    findings: str,
    outcome: str,
    outcome_note: str = "",
    closed_on: date | None = None,
) -> None:
    """Close it with what it found and its outcome. Open provider actions do not hold it up: what
    becomes of them is part of the outcome (an improvement plan monitored by contracts, say)."""
    closed_on = closed_on or timezone.localdate()
    errors: dict[str, str] = {}
    if not findings.strip():
        errors["findings"] = "Enter what the enquiry found"
    if outcome not in WholeServiceEnquiry.Outcome.values:
        errors["outcome"] = "Select the outcome"
    if closed_on > timezone.localdate():
        errors["closed_on"] = "The date must be today or in the past"
    elif closed_on < enquiry.started_on:
        errors["closed_on"] = "The date closed must be on or after the date it started"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        lock_status(enquiry, [WholeServiceEnquiry.Status.OPEN], StateChanged(CLOSED_ALREADY))
        enquiry.status = WholeServiceEnquiry.Status.CLOSED
        enquiry.findings, enquiry.outcome, enquiry.outcome_note = (
            findings.strip(),
            outcome,
            outcome_note.strip(),
        )
        enquiry.closed_on, enquiry.closed_by = closed_on, user
        enquiry.save(
            update_fields=["status", "findings", "outcome", "outcome_note", "closed_on", "closed_by"]
        )
    logger.info("Whole-service enquiry %s closed", enquiry.reference)


# --- Links to adults' concerns and enquiries --------------------------------------------------------


def find_concern(user: User, reference: str) -> Concern | None:
    """The concern a reference names (a concern's, or an enquiry's: its concern), among those ``user``
    may see: the same council, and a restricted person's only for those named on it and the lead."""
    text = reference.strip().upper()
    visible = Concern.objects.for_user(user, "view")
    if text.startswith("ENQ-"):
        enquiries = Enquiry.objects.for_user(user, "view").filter(reference=text)
        return visible.filter(pk__in=enquiries.values("concern_id")).first()
    if text.startswith("CON-"):
        return visible.filter(reference=text).first()
    return None


def link_concern(enquiry: WholeServiceEnquiry, user: User, reference: str) -> LinkedConcern:
    """Link an adult's concern (named by its own or its enquiry's reference) to the whole-service
    enquiry. Looked up through the concerns' own rule for ``user``, so nobody links a record they
    could not open; the concern must be the same council's."""
    concern = find_concern(user, reference)
    if concern is None or concern.council_id != enquiry.council_id:
        raise ValidationError({"reference": NOT_FOUND})
    with transaction.atomic():
        lock_status(enquiry, [WholeServiceEnquiry.Status.OPEN], StateChanged(CLOSED_ALREADY))
        if LinkedConcern.objects.filter(whole_service_enquiry=enquiry, concern=concern).exists():
            raise ValidationError({"reference": f"{concern.reference} is already linked to this enquiry"})
        try:
            with transaction.atomic():
                link = LinkedConcern.objects.create(
                    whole_service_enquiry=enquiry, concern=concern, linked_by=user
                )
        except IntegrityError as exc:  # linked by someone else a moment ago
            raise ValidationError(
                {"reference": f"{concern.reference} is already linked to this enquiry"}
            ) from exc
    return link


def unlink_concern(link: LinkedConcern, user: User) -> None:
    """Remove a link (the link's history keeps that it was there)."""
    with transaction.atomic():
        lock_status(
            link.whole_service_enquiry, [WholeServiceEnquiry.Status.OPEN], StateChanged(CLOSED_ALREADY)
        )
        LinkedConcern.objects.filter(pk=link.pk).delete()


@dataclass(frozen=True)
class LinkedAdult:
    """One linked adult's row on the enquiry's page: their concern and, if one was opened, enquiry."""

    link: LinkedConcern
    concern: Concern
    enquiry: Enquiry | None


def linked_adults(enquiry: WholeServiceEnquiry, user: User) -> list[LinkedAdult]:
    """The links ``user`` may see (``LinkedConcern.objects.for_user``: a restricted person's concern
    is left out for those it is hidden from), with each concern, its person and enquiry: two queries."""
    links = list(
        LinkedConcern.objects.for_user(user, "view")
        .filter(whole_service_enquiry=enquiry)
        .select_related("concern", "concern__person")
    )
    enquiries = {
        e.concern_id: e
        for e in Enquiry.objects.for_user(user, "view").filter(
            concern_id__in=[link.concern_id for link in links]
        )
    }
    return [LinkedAdult(link, link.concern, enquiries.get(link.concern_id)) for link in links]


def whole_service_enquiries_of(user: User, concern: Concern) -> list[WholeServiceEnquiry]:
    """The whole-service enquiries an adult's concern (and so its enquiry) is linked to, among those
    ``user`` may see (``PROVIDERS``, and the links' own rule ``LinkedConcern.objects.for_user``):
    for the adult's concern and enquiry pages. None for anyone else (a partner enquiry officer on
    the enquiry their agency makes sees nothing of it). One query."""
    if not PROVIDERS.allows(user):
        return []
    links = LinkedConcern.objects.for_user(user, "view").filter(concern=concern)
    return list(
        WholeServiceEnquiry.objects.filter(pk__in=links.values("whole_service_enquiry_id"))
        .select_related("provider")
        .order_by("-started_on", "-reference")
    )


# --- Provider actions --------------------------------------------------------------------------------


def add_action(
    enquiry: WholeServiceEnquiry,
    user: User,
    *,
    action: str,
    owner_organisation: Organisation,
    due_on: date,
    owner_name: str = "",
) -> ProviderAction:
    if not action.strip():
        raise ValidationError({"action": "Enter what will be done"})
    if not owner_organisations(enquiry.council, enquiry.provider).filter(pk=owner_organisation.pk).exists():
        raise ValidationError(
            {"owner_organisation": "Select the provider, the council or an agency working with it"}
        )
    with transaction.atomic():
        lock_status(enquiry, [WholeServiceEnquiry.Status.OPEN], StateChanged(CLOSED_ALREADY))
        return ProviderAction.objects.create(
            whole_service_enquiry=enquiry,
            action=action.strip(),
            owner_organisation=owner_organisation,
            owner_name=owner_name.strip(),
            due_on=due_on,
            created_by=user,
        )


def resolve_action(
    action: ProviderAction, user: User, *, done: bool, not_done_reason: str = "", on: date | None = None
) -> None:
    """Done, or not done with why; once (the row locked and checked unresolved as stored)."""
    reason = not_done_reason.strip()
    if not done and not reason:
        raise ValidationError({"not_done_reason": "Enter why it was not done"})
    day = on or timezone.localdate()
    with transaction.atomic():
        lock_status(
            action.whole_service_enquiry, [WholeServiceEnquiry.Status.OPEN], StateChanged(CLOSED_ALREADY)
        )
        lock_status(
            action, [ProviderAction.Status.OPEN], StateChanged("This action has already been resolved.")
        )
        action.status = ProviderAction.Status.DONE if done else ProviderAction.Status.NOT_DONE
        action.not_done_reason = "" if done else reason
        action.resolved_on, action.resolved_by = day, user
        action.save(update_fields=["status", "not_done_reason", "resolved_on", "resolved_by"])


WHOLE_SERVICE_ENQUIRY = WholeServiceEnquiry._meta.label_lower


def overdue_actions_due(today: date | None = None) -> list[worktray.Due]:
    """The notifications overdue provider actions ask for: each open enquiry's lead, once per action
    and due date (the key ``provider_action_overdue:<action uuid>:<due date>``), about the enquiry
    (its reference only; it names no adult, so no restriction applies). One query, however many
    actions; ``worktray.services.generate_due`` makes them with the rest of the work falling due, in
    its one insert (which leaves out a lead no longer active)."""
    rows = ProviderAction.objects.overdue(today).values_list(
        "uuid",
        "due_on",
        "whole_service_enquiry__uuid",
        "whole_service_enquiry__reference",
        "whole_service_enquiry__lead_id",
    )
    return [
        worktray.Due(
            lead_id,
            Notification.Kind.PROVIDER_ACTION_OVERDUE,
            WHOLE_SERVICE_ENQUIRY,
            enquiry_uuid,
            reference,
            f"provider_action_overdue:{uuid}:{due_on}",
        )
        for uuid, due_on, enquiry_uuid, reference, lead_id in rows
    ]


def notify_overdue_actions(today: date | None = None) -> int:
    """Make ``overdue_actions_due``'s notifications now (a notification already made is kept as it
    is); returns how many were asked for. Three queries whatever the number of actions."""
    return worktray.create_due(overdue_actions_due(today))


# --- Service concerns --------------------------------------------------------------------------------


def record_service_concern(
    council: Organisation,
    user: User,
    *,
    provider: Organisation,
    what_happened: str,
    raised_by: str,
    received_on: date | None = None,
    happened_on: date | None = None,
    raiser_organisation: Organisation | None = None,
) -> ServiceConcern:
    received_on = received_on or timezone.localdate()
    _check_not_future(received_on=received_on, happened_on=happened_on)
    _check_provider(council, provider)
    errors = {}
    if not what_happened.strip():
        errors["what_happened"] = "Enter what has happened"
    if not raised_by.strip():
        errors["raised_by"] = "Enter who raised it"
    if errors:
        raise ValidationError(errors)
    if (
        raiser_organisation is not None
        and not owner_organisations(council, provider).filter(pk=raiser_organisation.pk).exists()
    ):
        raise ValidationError({"raiser_organisation": "Select the council or an agency working with it"})
    with transaction.atomic():
        return ServiceConcern.objects.create(
            reference=ReferenceSequence.next_reference(SERVICE_CONCERN_PREFIX),
            council=council,
            provider=provider,
            what_happened=what_happened.strip(),
            happened_on=happened_on,
            raised_by=raised_by.strip(),
            raiser_organisation=raiser_organisation,
            received_on=received_on,
            recorded_by=user,
        )


def _attach_service_concern(concern: ServiceConcern, enquiry: WholeServiceEnquiry) -> None:
    lock_status(
        concern, [ServiceConcern.Status.OPEN], StateChanged("This service concern was dealt with meanwhile.")
    )
    concern.status, concern.whole_service_enquiry = ServiceConcern.Status.ENQUIRY, enquiry
    concern.save(update_fields=["status", "whole_service_enquiry"])


def link_service_concern(concern: ServiceConcern, enquiry: WholeServiceEnquiry) -> None:
    """The service concern is part of an open whole-service enquiry about the same provider."""
    if enquiry.provider_id != concern.provider_id or enquiry.council_id != concern.council_id:
        raise ValidationError({"enquiry": "Select an open enquiry about the same provider"})
    with transaction.atomic():
        lock_status(enquiry, [WholeServiceEnquiry.Status.OPEN], StateChanged(CLOSED_ALREADY))
        _attach_service_concern(concern, enquiry)


def close_service_concern(concern: ServiceConcern, user: User, reason: str) -> None:
    if not reason.strip():
        raise ValidationError({"closed_reason": "Enter why no whole-service enquiry is needed"})
    with transaction.atomic():
        lock_status(
            concern,
            [ServiceConcern.Status.OPEN],
            StateChanged("This service concern was dealt with meanwhile."),
        )
        concern.status, concern.closed_reason = ServiceConcern.Status.CLOSED, reason.strip()
        concern.save(update_fields=["status", "closed_reason"])


# --- The provider's history ------------------------------------------------------------------------


@dataclass
class QuarterRow:
    """One quarter of the provider's history: each figure as the dashboard defines it
    (``measures.measures``), narrowed to the concerns about the provider and their enquiries."""

    label: str
    start: date
    # Concerns received about adults (the "concerns" base: counted as the return counts them).
    concerns: int = 0
    # Of those, the ones that became section 42 enquiries (the ``conversion_rate`` measure).
    section_42: int = 0
    # Enquiries concluded (the "concluded" base: closure signed off in the quarter).
    concluded: int = 0
    # The ``risk_reduced_or_removed`` measure: of the concluded enquiries where risk was identified
    # and action taken (its denominator), those where the risk was reduced or removed.
    risk_reduced_or_removed: int = 0
    risk_identified: int = 0
    service_concerns: int = 0

    @property
    def section_42_percent(self) -> float | None:
        return percent(self.section_42, self.concerns)

    @property
    def risk_reduced_percent(self) -> float | None:
        return percent(self.risk_reduced_or_removed, self.risk_identified)


@dataclass
class ProviderHistory:
    year: FinancialYear
    quarters: list[QuarterRow]
    risk_types: list[tuple[str, int]]
    outcomes: list[tuple[str, int]]
    totals: QuarterRow


CONVERSION = MEASURES_BY_ID["conversion_rate"]
RISK_REDUCED = MEASURES_BY_ID["risk_reduced_or_removed"]
# The dashboard's labels, for the provider page's columns.
LABELS = {
    "concerns": "Concerns about adults received",
    "section_42": CONVERSION.label,
    "concluded": "Enquiries concluded",
    "risk_reduced_or_removed": f"{RISK_REDUCED.label} (of {RISK_REDUCED.base_note})",
    "service_concerns": "Concerns about the service",
}
SUMMED = (
    "concerns",
    "section_42",
    "concluded",
    "risk_reduced_or_removed",
    "risk_identified",
    "service_concerns",
)


def _quarters(year: FinancialYear) -> list[QuarterRow]:
    rows = []
    for n in range(4):
        month = 4 + 3 * n
        start = date(year.start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
        end = date(start.year + (start.month + 2) // 12, (start.month + 2) % 12 + 1, 1) - timedelta(days=1)
        rows.append(QuarterRow(f"{start:%B} to {end:%B %Y}", start))
    return rows


def provider_history(council: Organisation, provider: Organisation, year: FinancialYear) -> ProviderHistory:
    """The provider's concerns and outcomes in ``year``, by quarter, in the database. Each figure is
    the dashboard's own (``measures.measures``: its bases and measures, for the council and the
    year), narrowed to the concerns about the provider (``Concern.care_provider``) and their
    enquiries, so a figure has one definition: concerns received (the "concerns" base), those that
    became section 42 enquiries (``conversion_rate``), enquiries concluded (the "concluded" base) and
    the risk reduced or removed with its denominator (``risk_reduced_or_removed``); and service
    concerns received; the year's types of risk in its concerns and the risk outcomes of its
    concluded enquiries. Five grouped queries, however many records. Restricted people's records
    are in the counts (aggregates, as the dashboard's), never listed."""
    quarters = _quarters(year)
    by_start = {q.start: q for q in quarters}
    filters = Filters(period=year, council=council)
    concerns = base_queryset("concerns", filters, annotate=False).filter(care_provider=provider)
    for row in (
        with_enquiry_kind(concerns, filters)
        .annotate(q=TruncQuarter("received_at", tzinfo=LONDON))
        .values("q")
        .annotate(
            n=Count("pk", filter=CONVERSION.denominator),
            section_42=Count("pk", filter=CONVERSION.numerator),
        )
        .order_by("q")
    ):
        found = _quarter(by_start, row["q"])
        if found is not None:
            found.concerns, found.section_42 = row["n"], row["section_42"]
    concluded = base_queryset("concluded", filters, annotate=False).filter(concern__care_provider=provider)
    for row in (
        concluded.annotate(q=TruncQuarter("closed_at", tzinfo=LONDON))
        .values("q")
        .annotate(
            n=Count("pk"),
            reduced=Count("pk", filter=RISK_REDUCED.numerator),
            identified=Count("pk", filter=RISK_REDUCED.denominator),
        )
        .order_by("q")
    ):
        found = _quarter(by_start, row["q"])
        if found is not None:
            found.concluded = row["n"]
            found.risk_reduced_or_removed, found.risk_identified = row["reduced"], row["identified"]
    services = ServiceConcern.objects.filter(
        council=council, provider=provider, **year.date_lookup("received_on")
    )
    for row in (
        services.annotate(q=TruncQuarter("received_on")).values("q").annotate(n=Count("pk")).order_by("q")
    ):
        found = _quarter(by_start, row["q"])
        if found is not None:
            found.service_concerns = row["n"]
    risk_types = list(
        ConcernRiskType.objects.filter(concern__in=concerns.values("pk"))
        .values("risk_type")
        .annotate(n=Count("pk"))
        .order_by("-n", "risk_type")
        .values_list("risk_type", "n")
    )
    outcome_labels = dict(categories.RISK_OUTCOME)
    outcomes = [
        (outcome_labels.get(value, value) if value else "Not recorded", n)
        for value, n in concluded.values("risk_outcome")
        .annotate(n=Count("pk"))
        .order_by("-n", "risk_outcome")
        .values_list("risk_outcome", "n")
    ]
    totals = QuarterRow("Year", year.start)
    for q in quarters:
        for name in SUMMED:
            setattr(totals, name, getattr(totals, name) + getattr(q, name))
    return ProviderHistory(year, quarters, risk_types, outcomes, totals)


def _quarter(rows: dict[date, QuarterRow], value: Any) -> QuarterRow | None:
    """The row of the quarter a TruncQuarter value starts (a date, or a London datetime)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = timezone.localtime(value, LONDON).date() if timezone.is_aware(value) else value.date()
    return rows.get(value)


@dataclass
class ProviderSummary:
    provider: Organisation
    concerns: int
    open_enquiries: int
    overdue_actions: int


def provider_list(council: Organisation, since: date) -> list[ProviderSummary]:
    """The council's providers with their counted concerns received since ``since``, open
    whole-service enquiries and overdue provider actions: one query."""
    start = datetime.combine(since, time.min, tzinfo=LONDON)
    today = timezone.localdate()
    rows = providers_of(council.pk).annotate(
        concern_count=Count(
            "concerns_about",
            filter=Q(concerns_about__council=council, concerns_about__received_at__gte=start)
            & counted_concern("concerns_about__"),
            distinct=True,
        ),
        open_count=Count(
            "whole_service_enquiries_about",
            filter=Q(
                whole_service_enquiries_about__council=council,
                whole_service_enquiries_about__status=WholeServiceEnquiry.Status.OPEN,
            ),
            distinct=True,
        ),
        overdue_count=Count(
            "whole_service_enquiries_about__actions",
            filter=Q(
                whole_service_enquiries_about__council=council,
                whole_service_enquiries_about__status=WholeServiceEnquiry.Status.OPEN,
                whole_service_enquiries_about__actions__status=ProviderAction.Status.OPEN,
                whole_service_enquiries_about__actions__due_on__lt=today,
            ),
            distinct=True,
        ),
    )
    return [ProviderSummary(p, p.concern_count, p.open_count, p.overdue_count) for p in rows]
