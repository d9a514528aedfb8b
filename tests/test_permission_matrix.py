"""The permission matrix: every URL of the app, as every persona, by GET and by POST.

The table below is ../shared/domain/access.md turned into expected responses. It is built from the
records in ``world`` (concerns in each state, people, an enquiry) and checked request by request;
each persona's test lists every mismatch at once. ``test_every_url_pattern_is_in_the_matrix`` walks
the URL conf so that a new URL fails the suite until a row for it is added here.

Every request runs inside a savepoint that is rolled back, so each one sees the same records and a
POST (a pick-up, say) cannot change what the next request finds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse

from msphub.accounts.models import User
from msphub.concerns import journey
from msphub.concerns import services as concern_services
from msphub.core.models import AccessLog
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# --- Personas -------------------------------------------------------------------------------------

ANON = "anonymous"
PRAC = "practitioner"  # Front Door team
LPRAC = "locality_practitioner"  # Locality East team
MGR = "manager"  # Front Door team manager
LMGR = "locality_manager"
LEAD = "lead"  # safeguarding lead, made is_staff with the accounts admin permissions
PARTNER = "partner_referrer"  # Riverside Police
OPARTNER = "other_partner_referrer"  # Riverside NHS Trust
BOARD = "board_viewer"
OTHER = "other_council_user"  # the safeguarding lead of Hillside Council
SUPER = "superuser"  # a system administrator: configuration only, no casework

PERSONAS = (ANON, PRAC, LPRAC, MGR, LMGR, LEAD, PARTNER, OPARTNER, BOARD, OTHER, SUPER)
SIGNED_IN = frozenset(PERSONAS) - {ANON}
RIVERSIDE_CASEWORK = frozenset({PRAC, LPRAC, MGR, LMGR, LEAD})
FRONT_DOOR = frozenset({PRAC, MGR})
LOCALITY = frozenset({LPRAC, LMGR})
STAFF = frozenset({LEAD, SUPER})
WHO_HAS_VIEWED = "Who has viewed this record"


# --- Expected responses ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Redirect:
    """A 302 to ``target`` (or to anything starting with it when ``prefix``)."""

    target: str
    prefix: bool = False

    def matches(self, status: int, location: str) -> bool:
        if status != 302:
            return False
        return location.startswith(self.target) if self.prefix else location == self.target

    def __str__(self) -> str:
        return f"302 to {self.target}{'…' if self.prefix else ''}"


Expect = int | Redirect


def login_redirect() -> Redirect:
    return Redirect(reverse("login") + "?next=", prefix=True)


def admin_login_redirect() -> Redirect:
    return Redirect(reverse("admin:login") + "?next=", prefix=True)


def matrix(
    allowed: Iterable[str], ok: Expect = 200, denied: Expect = 404, anon: Expect | None = None
) -> dict[str, Expect]:
    """``ok`` for the allowed personas, ``denied`` for the others, and a login redirect for anonymous."""
    allowed = frozenset(allowed)
    result = {p: ok if p in allowed else denied for p in PERSONAS}
    result[ANON] = login_redirect() if anon is None else anon
    return result


def everyone(expect: Expect) -> dict[str, Expect]:
    return dict.fromkeys(PERSONAS, expect)


def signed_in(expect: Expect, anon: Expect | None = None) -> dict[str, Expect]:
    return matrix(SIGNED_IN, ok=expect, anon=anon)


@dataclass
class Case:
    label: str
    path: str
    method: str
    expect: dict[str, Expect]
    data: dict = field(default_factory=dict)
    setup: Callable[[Client], None] | None = None
    # Strings the page must (or must not) contain, per persona, when the status is as expected.
    contains: dict[str, tuple[str, ...]] = field(default_factory=dict)
    absent: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        assert set(self.expect) == set(PERSONAS), f"{self.label}: expectations for every persona"


def get_and_post(
    label: str,
    path: str,
    get: dict[str, Expect],
    post: dict[str, Expect] | None = None,
    **extra,
) -> list[Case]:
    """A GET case and a POST case (an empty POST: access is decided before any form is read, and
    the views treat an empty POST as an unbound form, so an allowed one re-shows the page).

    ``post`` defaults to 405 for signed-in users (a GET-only view) and a login redirect otherwise.
    """
    if post is None:
        post = {p: (get[p] if p == ANON else 405) for p in PERSONAS}
    return [Case(label, path, "GET", get, **extra), Case(label, path, "POST", post)]


# --- Records ---------------------------------------------------------------------------------------


def s42(lead_practitioner: User) -> dict:
    return {
        "outcome": "s42",
        "criterion_care_needs": True,
        "criterion_abuse_risk": True,
        "criterion_cannot_protect": True,
        "rationale": "All three section 42 criteria are met.",
        "lead_practitioner": lead_practitioner,
    }


@pytest.fixture
def world(
    council,
    other_council,
    front_door,
    locality,
    make_person,
    make_concern,
    practitioner,
    locality_practitioner,
    manager,
    locality_manager,
    lead,
    partner_referrer,
    other_partner_referrer,
    board_viewer,
    other_council_user,
):
    """Riverside's records in each relationship to the personas, plus a Hillside person and concern."""
    w = SimpleNamespace(council=council, other_council=other_council, front_door=front_door)
    w.hillside_team = other_council_user.team

    # The lead configures users, teams and organisations in the admin; nothing else gives that.
    lead.is_staff = True
    lead.save(update_fields=["is_staff"])
    lead.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="accounts", codename__regex=r"^(view|add|change)_")
    )
    superuser = User.objects.create_superuser("root_admin", "root@example.org", PASSWORD)
    w.users = {
        ANON: None,
        PRAC: practitioner,
        LPRAC: locality_practitioner,
        MGR: manager,
        LMGR: locality_manager,
        LEAD: lead,
        PARTNER: partner_referrer,
        OPARTNER: other_partner_referrer,
        BOARD: board_viewer,
        OTHER: other_council_user,
        SUPER: superuser,
    }
    w.group = Group.objects.create(name="Auditors")

    # People: all called Quorn so one search finds them all.
    w.p_front = make_person(given_name="Fenella", family_name="Quorn", team=front_door)
    w.p_locality = make_person(given_name="Lorcan", family_name="Quorn", team=locality)
    w.p_restricted = make_person(given_name="Rosalind", family_name="Quorn", team=front_door, restricted=True)
    w.p_restricted.restricted_to.add(locality_practitioner)
    w.p_hillside = make_person(
        target_council=other_council, given_name="Hector", family_name="Quorn", team=w.hillside_team
    )

    def concern(given, family, **kw):
        return make_concern(adult_given_name=given, adult_family_name=family, **kw)

    # Received, not picked up; raised by the police.
    w.c_unalloc = concern("Umberto", "Ashdown", user=partner_referrer)
    # Front Door's, assigned to the practitioner; raised by the NHS trust.
    w.c_front = concern("Fenella", "Quorn", user=other_partner_referrer)
    concern_services.link_person(w.c_front, w.p_front, practitioner)
    # Locality's.
    w.c_locality = concern("Lorcan", "Quorn")
    concern_services.link_person(w.c_locality, w.p_locality, locality_practitioner)
    # Locality's, about the restricted person (whom only the locality practitioner is named for).
    w.c_restricted = concern("Rosalind", "Quorn")
    concern_services.link_person(w.c_restricted, w.p_restricted, locality_practitioner)
    # Raised and decided by the practitioner: awaiting the Front Door manager's sign-off.
    w.c_awaiting = concern("Fenella", "Quorn", user=practitioner)
    concern_services.link_person(w.c_awaiting, w.p_front, practitioner)
    concern_services.record_decision(w.c_awaiting, practitioner, s42(practitioner))
    # Decided by the Front Door manager, so they may not sign it off themselves.
    w.c_awaiting_mgr = concern("Fenella", "Quorn")
    concern_services.link_person(w.c_awaiting_mgr, w.p_front, manager)
    concern_services.record_decision(w.c_awaiting_mgr, manager, s42(practitioner))
    # Triaged and decided by the lead, who has no team: any team manager of the council signs it off.
    w.c_lead_decided = concern("Ulla", "Quorn")
    concern_services.link_person(w.c_lead_decided, w.p_front, lead)
    concern_services.record_decision(w.c_lead_decided, lead, s42(practitioner))
    # Signed off: an enquiry is open and the concern's triage is over.
    w.c_enquiry = concern("Fenella", "Quorn")
    concern_services.link_person(w.c_enquiry, w.p_front, practitioner)
    decision = concern_services.record_decision(w.c_enquiry, practitioner, s42(practitioner))
    w.enquiry = concern_services.sign_off(decision, manager)
    assert w.enquiry is not None
    # Hillside's: only Hillside's staff may see it.
    w.c_hillside = concern("Hector", "Quorn", target_council=other_council)

    w.adult_names = ("Umberto", "Ashdown", "Fenella", "Lorcan", "Rosalind", "Ulla", "Hector", "Quorn")
    return w


# --- Session set-ups for the public journey -----------------------------------------------------------

DONE_REFERENCE = "CON-2026-999999"


def start_journey(client: Client) -> None:
    client.post(reverse("concerns:raise"))


def just_sent(client: Client) -> None:
    session = client.session
    session[journey.LAST_REFERENCE_KEY] = DONE_REFERENCE
    session.save()


# --- The table -------------------------------------------------------------------------------------


def public_cases() -> list[Case]:
    cases = []
    home = Redirect(reverse("home"))
    cases += get_and_post(
        "core:start", reverse("start"), get={**everyone(home), ANON: 200}, post=everyone(405)
    )
    for name in ("health", "accessibility", "privacy"):
        cases += get_and_post(f"core:{name}", reverse(name), get=everyone(200), post=everyone(405))
    cases += get_and_post(
        "login",
        reverse("login"),
        get={**everyone(home), ANON: 200},
        post={**everyone(home), ANON: 200},
    )
    # Logging out changes state: POST only.
    cases += get_and_post(
        "logout", reverse("logout"), get=signed_in(405), post=signed_in(Redirect(reverse("start")))
    )
    cases += get_and_post("home", reverse("home"), get=signed_in(200))

    # The raise-a-concern journey needs no account; without a journey in the session it starts again.
    start = reverse("concerns:raise")
    restart = Redirect(start)
    a_step = Redirect(start, prefix=True)
    step = reverse("concerns:raise_step", args=["immediate-danger"])
    cases += get_and_post("concerns:raise", start, get=everyone(200), post=everyone(a_step))
    cases += get_and_post(
        "concerns:raise_step (no journey)", step, get=everyone(restart), post=everyone(restart)
    )
    cases += [
        Case("concerns:raise_step", step, "GET", everyone(200), setup=start_journey),
        Case("concerns:raise_step (empty answer)", step, "POST", everyone(200), setup=start_journey),
    ]
    danger = reverse("concerns:raise_danger")
    cases += get_and_post(
        "concerns:raise_danger (no journey)", danger, get=everyone(restart), post=everyone(405)
    )
    cases.append(Case("concerns:raise_danger", danger, "GET", everyone(200), setup=start_journey))
    check = reverse("concerns:raise_check")
    cases += get_and_post(
        "concerns:raise_check (no journey)", check, get=everyone(restart), post=everyone(restart)
    )
    cases.append(
        Case("concerns:raise_check (unanswered)", check, "GET", everyone(a_step), setup=start_journey)
    )
    done = reverse("concerns:raise_done")
    cases += get_and_post(
        "concerns:raise_done (nothing sent)", done, get=everyone(restart), post=everyone(405)
    )
    cases.append(
        Case(
            "concerns:raise_done",
            done,
            "GET",
            everyone(200),
            setup=just_sent,
            contains=dict.fromkeys(PERSONAS, (DONE_REFERENCE,)),
        )
    )
    return cases


def list_cases(w) -> list[Case]:
    cases = []
    riverside_refs = tuple(
        c.reference
        for c in (
            w.c_unalloc,
            w.c_front,
            w.c_locality,
            w.c_restricted,
            w.c_awaiting,
            w.c_awaiting_mgr,
            w.c_lead_decided,
            w.c_enquiry,
        )
    )
    # Status only: a partner sees its own agency's concerns, never another's and never a name.
    raised_by = {PARTNER: w.c_unalloc, OPARTNER: w.c_front, PRAC: w.c_awaiting}
    raised_absent = {p: tuple(r for r in riverside_refs if r != c.reference) for p, c in raised_by.items()}
    for p in (PARTNER, OPARTNER):
        raised_absent[p] += (*w.adult_names, w.c_hillside.reference)
    cases += get_and_post(
        "concerns:raised",
        reverse("concerns:raised"),
        get=matrix(RIVERSIDE_CASEWORK | {PARTNER, OPARTNER, OTHER}),
        contains={p: (c.reference,) for p, c in raised_by.items()},
        absent=raised_absent,
    )
    # The queue: council view, less what is restricted; another council's never.
    open_refs = (w.c_unalloc.reference, w.c_front.reference, w.c_locality.reference)
    cases += get_and_post(
        "concerns:queue",
        reverse("concerns:queue"),
        get=matrix(RIVERSIDE_CASEWORK | {OTHER}),
        contains={
            PRAC: open_refs,
            MGR: open_refs,
            LPRAC: (*open_refs, w.c_restricted.reference),
            LEAD: (*open_refs, w.c_restricted.reference),
            OTHER: (w.c_hillside.reference,),
        },
        absent={
            PRAC: (w.c_restricted.reference, w.c_hillside.reference),
            MGR: (w.c_restricted.reference, w.c_hillside.reference),
            LMGR: (w.c_restricted.reference, w.c_hillside.reference),
            LEAD: (w.c_hillside.reference,),
            OTHER: riverside_refs,
        },
    )
    everyone_riverside = ("Fenella", "Lorcan")
    cases += get_and_post(
        "people:search",
        reverse("people:search") + "?name=Quorn",
        get=matrix(RIVERSIDE_CASEWORK | {OTHER}),
        contains={
            PRAC: everyone_riverside,
            MGR: everyone_riverside,
            LMGR: everyone_riverside,
            LPRAC: (*everyone_riverside, "Rosalind"),
            LEAD: (*everyone_riverside, "Rosalind"),
            OTHER: ("Hector",),
        },
        absent={
            PRAC: ("Rosalind", "Hector"),
            MGR: ("Rosalind", "Hector"),
            LMGR: ("Rosalind", "Hector"),
            LPRAC: ("Hector",),
            LEAD: ("Hector",),
            OTHER: (*everyone_riverside, "Rosalind"),
        },
    )
    casework = RIVERSIDE_CASEWORK | {OTHER}
    cases += get_and_post("people:new", reverse("people:new"), get=matrix(casework), post=matrix(casework))
    return cases


def person_cases(w) -> list[Case]:
    people = [
        # (label, person, may view, may edit)
        ("p_front", w.p_front, RIVERSIDE_CASEWORK, FRONT_DOOR | {LEAD}),
        ("p_locality", w.p_locality, RIVERSIDE_CASEWORK, LOCALITY | {LEAD}),
        # Restricted: only the named (locality) practitioner and the lead, even for its own team.
        ("p_restricted", w.p_restricted, {LPRAC, LEAD}, {LPRAC, LEAD}),
        ("p_hillside", w.p_hillside, {OTHER}, {OTHER}),
    ]
    cases = []
    for label, person, view, edit in people:
        args = [person.uuid]
        cases += get_and_post(f"people:detail {label}", reverse("people:detail", args=args), get=matrix(view))
        lead = OTHER if person is w.p_hillside else LEAD
        cases += get_and_post(
            f"people:history {label}",
            reverse("people:history", args=args),
            get=matrix(view),
            contains={lead: (WHO_HAS_VIEWED,)},
            absent={p: (WHO_HAS_VIEWED,) for p in view if p != lead},
        )
        for name in ("edit", "representative_new"):
            cases += get_and_post(
                f"people:{name} {label}",
                reverse(f"people:{name}", args=args),
                get=matrix(edit),
                post=matrix(edit),
            )
        # Only the safeguarding lead restricts a record.
        cases += get_and_post(
            f"people:restriction {label}",
            reverse("people:restriction", args=args),
            get=matrix({lead}),
            post=matrix({lead}),
        )
    return cases


TRIAGE_FORMS = ("link_person", "new_person", "first_contact", "add_note", "decision")


def concern_cases(w) -> list[Case]:
    fd_triage = FRONT_DOOR | {LEAD}
    concerns = [
        # (label, concern, may view, may triage, may sign off, decided)
        ("c_unalloc", w.c_unalloc, RIVERSIDE_CASEWORK, RIVERSIDE_CASEWORK, set(), False),
        ("c_front", w.c_front, RIVERSIDE_CASEWORK, fd_triage, set(), False),
        ("c_locality", w.c_locality, RIVERSIDE_CASEWORK, LOCALITY | {LEAD}, set(), False),
        ("c_restricted", w.c_restricted, {LPRAC, LEAD}, {LPRAC, LEAD}, set(), False),
        ("c_awaiting", w.c_awaiting, RIVERSIDE_CASEWORK, fd_triage, {MGR}, False),
        ("c_awaiting_mgr", w.c_awaiting_mgr, RIVERSIDE_CASEWORK, fd_triage, set(), False),
        ("c_lead_decided", w.c_lead_decided, RIVERSIDE_CASEWORK, {LEAD}, {MGR, LMGR}, False),
        # Decided: nothing about its triage may change any more, for anyone.
        ("c_enquiry", w.c_enquiry, RIVERSIDE_CASEWORK, fd_triage, set(), True),
        ("c_hillside", w.c_hillside, {OTHER}, {OTHER}, set(), False),
    ]
    cases = []
    for label, concern, view, triage, sign_off, decided in concerns:
        args = [concern.reference]
        detail = reverse("concerns:detail", args=args)
        workable = set() if decided else triage
        cases += get_and_post(f"concerns:detail {label}", detail, get=matrix(view))
        lead = OTHER if concern is w.c_hillside else LEAD
        cases += get_and_post(
            f"concerns:history {label}",
            reverse("concerns:history", args=args),
            get=matrix(view),
            contains={lead: (WHO_HAS_VIEWED,)},
            absent={p: (WHO_HAS_VIEWED,) for p in view if p != lead},
        )
        cases += get_and_post(
            f"concerns:pick_up {label}",
            reverse("concerns:pick_up", args=args),
            get=signed_in(405),
            post=matrix(workable, ok=Redirect(detail)),
        )
        for name in TRIAGE_FORMS:
            cases += get_and_post(
                f"concerns:{name} {label}",
                reverse(f"concerns:{name}", args=args),
                get=matrix(workable),
                post=matrix(workable),
            )
        cases += get_and_post(
            f"concerns:sign_off {label}",
            reverse("concerns:sign_off", args=args),
            get=matrix(sign_off),
            post=matrix(sign_off),
        )
    cases += get_and_post(
        "enquiries:detail",
        reverse("enquiries:detail", args=[w.enquiry.reference]),
        get=matrix(RIVERSIDE_CASEWORK),
    )
    return cases


def admin_cases(w) -> list[Case]:
    """Only staff reach the admin; the lead manages their own council's users, teams, organisations."""
    outsider = admin_login_redirect()

    def staff(lead: Expect, superuser: Expect = 200) -> dict[str, Expect]:
        return {**everyone(outsider), LEAD: lead, SUPER: superuser}

    def model_staff(lead: Expect, superuser: Expect = 200) -> dict[str, Expect]:
        # A model's admin pages send an anonymous visitor to the site's login page (LOGIN_URL);
        # a signed-in user who is not staff gets the admin's own login page.
        return {**staff(lead, superuser), ANON: login_redirect()}

    index = reverse("admin:index")
    cases = get_and_post("admin:index", index, get=staff(200), post=staff(200))
    cases += get_and_post(
        "admin:login",
        reverse("admin:login"),
        get={**everyone(200), LEAD: Redirect(index), SUPER: Redirect(index)},
        post=everyone(200),
    )
    cases += get_and_post(
        "admin:logout",
        reverse("admin:logout"),
        get={**everyone(Redirect(index)), ANON: outsider, LEAD: 405, SUPER: 405},
        post={**everyone(Redirect(index)), ANON: outsider, **dict.fromkeys(STAFF, Redirect("/"))},
    )
    cases += get_and_post(
        "admin:password_change", reverse("admin:password_change"), get=staff(200), post=staff(200)
    )
    cases += get_and_post(
        "admin:password_change_done",
        reverse("admin:password_change_done"),
        get=staff(200),
        post=staff(405, 405),
    )
    # Without its query parameters the autocomplete refuses everyone.
    cases += get_and_post(
        "admin:autocomplete", reverse("admin:autocomplete"), get=staff(403, 403), post=staff(405, 405)
    )
    cases += get_and_post("admin:jsi18n", reverse("admin:jsi18n"), get=staff(200), post=staff(405, 405))
    # No model here has a page on the site to go to.
    user_type = ContentType.objects.get_for_model(User)
    cases += get_and_post(
        "admin:view_on_site",
        reverse("admin:view_on_site", args=[user_type.pk, w.users[PRAC].pk]),
        get=staff(404, 404),
        post=staff(404, 404),
    )
    cases += get_and_post(
        "admin:app_list accounts",
        reverse("admin:app_list", args=["accounts"]),
        get=staff(200),
        post=staff(200),
    )
    cases += get_and_post(
        "admin:app_list auth",
        reverse("admin:app_list", args=["auth"]),
        get=staff(404),
        post=staff(404),
    )
    cases += get_and_post(
        "admin catch-all", index + "no-such-page/", get=staff(404, 404), post=staff(404, 404)
    )

    riverside_users = ("pat_practitioner", "pc_referrer", "nurse_referrer")
    models = [
        # (app, model, Riverside's object, Hillside's object, lead's permissions, changelist checks)
        (
            "accounts",
            "user",
            w.users[PRAC],
            w.users[OTHER],
            True,
            {LEAD: riverside_users, SUPER: (*riverside_users, "otto_othercouncil")},
            {LEAD: ("otto_othercouncil",)},
        ),
        (
            "accounts",
            "team",
            w.front_door,
            w.hillside_team,
            True,
            {LEAD: ("Front Door", "Locality East"), SUPER: ("Hillside Front Door",)},
            {LEAD: ("Hillside Front Door",)},
        ),
        (
            "accounts",
            "organisation",
            w.council,
            w.other_council,
            True,
            {LEAD: ("Riverside Council", "Riverside Police"), SUPER: ("Hillside Council",)},
            {LEAD: ("Hillside Council",)},
        ),
        ("auth", "group", w.group, None, False, {SUPER: ("Auditors",)}, {}),
    ]
    not_there = Redirect(index)  # the admin's answer to an object outside the user's queryset
    for app, model, ours, theirs, lead_may, contains, absent in models:
        base = f"admin:{app}_{model}"
        allowed = 200 if lead_may else 403
        cases += get_and_post(
            f"{base}_changelist",
            reverse(f"{base}_changelist"),
            get=model_staff(allowed),
            post=model_staff(allowed),
            contains=contains,
            absent=absent,
        )
        cases += get_and_post(
            f"{base}_add", reverse(f"{base}_add"), get=model_staff(allowed), post=model_staff(allowed)
        )
        for which, obj in (("Riverside", ours), ("Hillside", theirs)):
            if obj is None:
                continue
            visible_to_lead = allowed if which == "Riverside" or not lead_may else not_there
            args = [obj.pk]
            change = reverse(f"{base}_change", args=args)
            for view in ("change", "history"):
                cases += get_and_post(
                    f"{base}_{view} {which}",
                    reverse(f"{base}_{view}", args=args),
                    get=model_staff(visible_to_lead),
                    post=model_staff(visible_to_lead),
                )
            # Nobody but the superuser deletes configuration.
            cases += get_and_post(
                f"{base}_delete {which}",
                reverse(f"{base}_delete", args=args),
                get=model_staff(403),
                post=model_staff(403),
            )
            # /admin/<app>/<model>/<id>/ only redirects to the change page.
            cases += get_and_post(
                f"{base} object redirect {which}",
                change.removesuffix("change/"),
                get=model_staff(Redirect(change), Redirect(change)),
                post=model_staff(Redirect(change), Redirect(change)),
            )
            if model == "user":
                password = 200 if which == "Riverside" else 404
                # Django's UserAdmin names this URL after auth.User whatever the user model.
                cases += get_and_post(
                    f"admin:auth_user_password_change {which}",
                    reverse("admin:auth_user_password_change", args=args),
                    get=model_staff(password),
                    post=model_staff(password),
                )
    return cases


def build_cases(w) -> list[Case]:
    return public_cases() + list_cases(w) + person_cases(w) + concern_cases(w) + admin_cases(w)


# --- Running the table -----------------------------------------------------------------------------


class _RollBack(Exception):
    pass


def _client_for(user: User | None, client: Client | None = None) -> Client:
    """A client signed in as ``user`` (anonymous for None); reusing one keeps its loaded middleware."""
    client = client or Client(raise_request_exception=False)
    client.cookies.clear()
    if user is not None:
        client.force_login(user)
    return client


def _send(client: Client, case: Case):
    send = client.get if case.method == "GET" else client.post
    return send(case.path, case.data)


def _judge(case: Case, persona: str, response) -> str | None:
    """None if the response is what the matrix says, else a line describing the mismatch."""
    expected = case.expect[persona]
    status = response.status_code
    location = response.get("Location", "")
    ok = expected.matches(status, location) if isinstance(expected, Redirect) else status == expected
    where = f"{case.method} {case.path} [{case.label}]"
    if not ok:
        got = f"{status}{' to ' + location if location else ''}"
        exc = response.exc_info[1] if getattr(response, "exc_info", None) else None
        return f"{where}: expected {expected}, got {got}{f' ({exc!r})' if exc else ''}"
    if not (case.contains.get(persona) or case.absent.get(persona)):
        return None
    body = response.content.decode()
    missing = [s for s in case.contains.get(persona, ()) if s not in body]
    leaked = [s for s in case.absent.get(persona, ()) if s in body]
    if missing or leaked:
        return f"{where}: {status} as expected but missing {missing}, showing {leaked}"
    return None


def check(w, persona: str, case: Case, client: Client) -> str | None:
    """Send one request as ``persona`` and roll back everything it (and the login) wrote."""
    result = None
    try:
        with transaction.atomic():
            _client_for(w.users[persona], client)
            if case.setup:
                case.setup(client)
            result = _judge(case, persona, _send(client, case))
            raise _RollBack
    except _RollBack:
        pass
    return result


@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(world, persona):
    cases = build_cases(world)
    client = Client(raise_request_exception=False)
    mismatches = [m for case in cases if (m := check(world, persona, case, client))]
    assert not mismatches, (
        f"{len(mismatches)} of {len(cases)} requests as {persona} differ from the matrix "
        "(../shared/domain/access.md):\n  " + "\n  ".join(mismatches)
    )


def _all_routes() -> set[str]:
    """Every URL pattern of the project, as the route string a ResolverMatch reports."""

    def join(first: str, second: str) -> str:
        return first + second.removeprefix("^") if first else second

    def walk(patterns, prefix: str):
        for pattern in patterns:
            route = join(prefix, str(pattern.pattern))
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            else:
                yield route

    return set(walk(get_resolver().url_patterns, ""))


def test_every_url_pattern_is_in_the_matrix(world):
    cases = build_cases(world)
    covered: dict[str, set[str]] = {}
    for case in cases:
        route = resolve(case.path.split("?")[0]).route
        covered.setdefault(route, set()).add(case.method)
    missing = sorted(_all_routes() - set(covered))
    assert not missing, "URL patterns with no row in the permission matrix:\n  " + "\n  ".join(missing)
    one_method = sorted(route for route, methods in covered.items() if methods != {"GET", "POST"})
    assert not one_method, f"Routes tried with only one method: {one_method}"


# --- GET never changes anything --------------------------------------------------------------------

UNTRACKED = {AccessLog, Session}  # views are meant to write the access log; logins write sessions


def _snapshot() -> dict[str, list]:
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models(include_auto_created=True)
        if model not in UNTRACKED
    }


def test_no_get_changes_any_record(world):
    cases = [c for c in build_cases(world) if c.method == "GET"]
    clients = {p: _client_for(u) for p, u in world.users.items()}
    before = _snapshot()
    for case in cases:
        for persona in PERSONAS:
            client = clients[persona]
            if case.setup:
                case.setup(client)
            _send(client, case)
    after = _snapshot()
    changed = sorted(label for label in before if before[label] != after[label])
    assert not changed, f"{len(cases) * len(PERSONAS)} GETs changed rows of: {changed}"


def test_state_changing_views_refuse_get(world):
    client = _client_for(world.users[PRAC])
    concern = world.c_unalloc
    response = client.get(reverse("concerns:pick_up", args=[concern.reference]))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    concern.refresh_from_db()
    assert (concern.team_id, concern.assigned_to_id, concern.status) == (None, None, "received")
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200, "still signed in"


# --- The access log -----------------------------------------------------------------------------------


def test_every_page_showing_a_record_logs_the_view(world):
    """access.md: viewing a person, a concern or an enquiry writes an access-log entry, from which page.

    Every page listed shows the record's personal details (or, for history pages, all of them as
    they changed), so each must write an entry naming itself.
    """
    person, concern = world.p_front, world.c_front
    pages = [
        (LEAD, person, reverse("people:detail", args=[person.uuid])),
        (LEAD, person, reverse("people:edit", args=[person.uuid])),
        (LEAD, person, reverse("people:history", args=[person.uuid])),
        (LEAD, concern, reverse("concerns:detail", args=[concern.reference])),
        (LEAD, concern, reverse("concerns:history", args=[concern.reference])),
        (LEAD, concern, reverse("concerns:link_person", args=[concern.reference])),
        (LEAD, concern, reverse("concerns:new_person", args=[concern.reference])),
        (MGR, world.c_awaiting, reverse("concerns:sign_off", args=[world.c_awaiting.reference])),
        (LEAD, world.enquiry, reverse("enquiries:detail", args=[world.enquiry.reference])),
    ]
    unlogged = []
    for persona, record, path in pages:
        user = world.users[persona]
        response = _client_for(user).get(path)
        assert response.status_code == 200, path
        logged = AccessLog.objects.filter(user=user, record_id=record.uuid, page=path).exists()
        if not logged:
            unlogged.append(path)
    assert not unlogged, "Pages that show a record without logging the view:\n  " + "\n  ".join(unlogged)


def test_lead_picking_up_a_team_concern_keeps_it_with_a_team(world):
    """The lead has no team: picking up must not leave the concern with none, out of every team's reach."""
    concern = world.c_locality
    response = _client_for(world.users[LEAD]).post(reverse("concerns:pick_up", args=[concern.reference]))
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.assigned_to == world.users[LEAD]
    assert concern.team_id is not None, "the concern has no team now"
    page = reverse("concerns:first_contact", args=[concern.reference])
    assert _client_for(world.users[LPRAC]).get(page).status_code == 200


def test_lead_cannot_take_over_a_superuser_account_in_their_council(world):
    """The lead manages their council's users, not superuser powers (accounts/admin.py makes
    is_superuser read-only for them); setting a superuser's password would hand them those powers."""
    root = User.objects.create_superuser("it_admin", "it@example.org", PASSWORD, organisation=world.council)
    client = _client_for(world.users[LEAD])
    new_password = "a-new-passphrase-for-it"
    response = client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": new_password, "password2": new_password, "usable_password": "true"},
    )
    root.refresh_from_db()
    assert not root.check_password(new_password), "the lead set a superuser's password"
    assert response.status_code in (403, 404)
    for view in ("change", "history"):
        page = client.get(reverse(f"admin:accounts_user_{view}", args=[root.pk]))
        assert page.status_code != 200, f"the lead can open the superuser's {view} page"
