"""Named personas and small factories shared by the tests (real database, no ORM mocks)."""

import copy
import functools
import gc
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cached_property
from typing import TypeVar

import pytest
from django.db import connection, transaction
from django.utils import timezone

from msphub.accounts.models import Organisation, Role, Team, User
from msphub.concerns import services as concern_services
from msphub.concerns.models import Concern
from msphub.people.models import Person

T = TypeVar("T")

PASSWORD = "correct-horse-battery-staple"
# The production hasher is slow by design and tests create many users: one setting for the whole
# run (not a per-test fixture), so module-scoped worlds that create users get it too.
TEST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

pytest_plugins = ["tests.enquiry_fixtures", "tests.measures_fixtures"]


def pytest_configure(config) -> None:
    from django.conf import settings

    settings.PASSWORD_HASHERS = TEST_PASSWORD_HASHERS
    # force_login sessions have no second factor: it is off in the suite (module-scoped worlds too),
    # except in tests/test_two_factor.py and the browser sign-in journey, whose fixtures turn it on.
    settings.SECOND_FACTOR_REQUIRED = False
    _static_files_listed_once()


def _static_files_listed_once() -> None:
    """WhiteNoise lists and stats every static file (GOV.UK Frontend's, the admin's, msphub's) when
    its middleware is made: once per process in production, but once per test client here, since
    each client loads the middleware again. That was a twentieth of the suite's time. Here each
    listing is made once and handed to every later client; the files do not change during a run,
    and a listing is kept apart for each setting that shapes it."""
    from whitenoise.base import WhiteNoise
    from whitenoise.middleware import WhiteNoiseMiddleware

    if getattr(WhiteNoise.update_files_dictionary, "listed_once", False):
        return
    listings: dict[tuple, dict] = {}

    def once(method):
        @functools.wraps(method)
        def wrapper(self, *args):
            key = (method.__name__, *args, getattr(self, "static_prefix", ""))
            key += (self.max_age, self.allow_all_origins, self.charset)
            if key not in listings:
                kept, self.files = self.files, {}
                method(self, *args)
                listings[key], self.files = self.files, kept
            self.files.update(listings[key])

        wrapper.listed_once = True  # type: ignore[attr-defined]
        return wrapper

    WhiteNoise.update_files_dictionary = once(WhiteNoise.update_files_dictionary)  # type: ignore[method-assign]
    WhiteNoiseMiddleware.add_files_from_finders = once(WhiteNoiseMiddleware.add_files_from_finders)  # type: ignore[method-assign]


@pytest.fixture(scope="session", autouse=True)
def _templates_render_without_the_test_clients_record(django_test_environment) -> Iterator[None]:
    """Django's test environment wraps every template render (each include and component too) to
    send a signal the test client answers by copying the context, for ``response.context`` and
    ``response.templates``. No test here reads either (they check the HTML), and the copies are
    a few per cent of every page: templates render as they do in production."""
    from django.template import Template
    from django.test.utils import _TestState

    instrumented = Template._render
    Template._render = _TestState.saved_data.template_render  # type: ignore[method-assign]
    yield
    Template._render = instrumented  # type: ignore[method-assign]


# --- Running on several workers (make test: pytest-xdist, --dist loadscope) -------------------------------
# Each worker gets whole modules, so a module's shared records are built once per worker. The
# slowest modules are handed out first, so that the run does not end waiting for one of them, and
# the permission matrix (under a third of the run's CPU time) is handed out a test at a time: each
# worker takes its next test while any is left, building the module's world once. The order is by
# CPU time on SQLite (matrix 159 s, seed demo 42 s, enquiry views 24 s, then 17 s down to 9 s).
SLOWEST_MODULES = (
    "tests/test_permission_matrix.py",
    "tests/test_seed_demo.py",
    "tests/test_enquiry_views.py",
    "tests/test_dashboard_views.py",
    "tests/test_subject_access.py",
    "tests/test_tempcheck.py",
    "tests/test_retention.py",
    "tests/test_triage_views.py",
    "tests/test_outcomes.py",
    "tests/test_synthetic.py",
)
SHARED_BY_WORKERS = ("tests/test_permission_matrix.py",)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SlowestModulesFirst(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::")[0]
            return nodeid if module in SHARED_BY_WORKERS else module

        def _assign_work_unit(self, node) -> None:
            order = {module: i for i, module in enumerate(SLOWEST_MODULES)}
            scopes = list(self.workqueue)
            first = sorted(
                (s for s in scopes if s.split("::")[0] in order), key=lambda s: order[s.split("::")[0]]
            )
            for scope in reversed(first):
                self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return SlowestModulesFirst(config, log)


# --- Shared worlds -----------------------------------------------------------------------------------
# A module whose tests all read the same records builds them once (a module-scoped fixture that
# depends on ``module_db``) instead of once per test. The records are written inside a transaction
# that stays open for the module and is rolled back after its last test; each test still runs in
# its own savepoint (pytest-django's ``db``) that is rolled back, so no test sees another's writes.
# The per-test fixture hands each test a deep copy of the built objects (as Django's TestCase does
# with setUpTestData), so changing an instance in memory does not leak either.


# The module currently inside module_db's transaction, if any.
_SHARING: set[str] = set()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In each module, the tests that share its records run after those that do not, so that no
    test sees records it did not ask for (they stay in the database from the first test that uses
    them to the module's end). The order is otherwise kept."""
    modules: dict[str, int] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], len(modules))
    items.sort(
        key=lambda i: (modules[i.nodeid.split("::")[0]], "module_db" in getattr(i, "fixturenames", ()))
    )


def pytest_collection_finish(session: pytest.Session) -> None:
    """Python's cyclic garbage collector, tuned for a test run: everything imported and collected so
    far lives to the end, so it is frozen out of the collector's view, and collections of the
    youngest objects start at 10,000 allocations rather than 700. Django's test client allocates
    tens of thousands of short-lived objects a request; with the defaults the collector ran 2,274
    times and took 3.2 s of CPU in two of the permission matrix's personas (52.8 s), after this 431
    times and 1.5 s. Memory stays bounded: the collector still runs, only less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 100)


# --- Python's frame stack --------------------------------------------------------------------------
# CPython 3.11 keeps the frames of running functions in 16 KiB chunks that it maps when the calls go
# deeper than the current chunk and unmaps as soon as they return out of it. Rendering a page goes
# in and out of the same depth thousands of times (template nodes inside nodes), and each time the
# chunk is mapped again and its pages fault in afresh: 77% of the page faults of a run of the
# permission matrix (perf record -e minor-faults) and a seventh of its time in the kernel. The
# tests therefore run below one frame that asks for 8 MiB of stack slots (declared, never touched):
# CPython gives it a 16 MiB chunk of its own, and every deeper frame of the run fits in the rest of
# that chunk, so nothing is unmapped until the run ends. One persona of the matrix: 230,000 page
# faults and 2.5 s in the kernel before, 54,000 and 0.5 s after, 17.4-18.1 s to 13.9-16.1 s.
# This is CPython's gh-142183 ("Calls across stack chunks perform badly"), fixed in 3.13 and 3.14
# releases of 2026 by keeping one spare chunk; 3.11 gets no fix. A fixed Python takes the deep frame
# as it is; it changes nothing a test sees.
_RUNNING_IN_A_DEEP_FRAME: list[bool] = []


def _in_a_deep_frame(call):
    return call()


_in_a_deep_frame.__code__ = _in_a_deep_frame.__code__.replace(co_stacksize=1 << 20)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> object:
    """Run the test loop (pytest's, or a pytest-xdist worker's) inside ``_in_a_deep_frame``."""
    if _RUNNING_IN_A_DEEP_FRAME:
        return None  # the other implementations run the loop, from inside the deep frame
    _RUNNING_IN_A_DEEP_FRAME.append(True)
    try:
        return _in_a_deep_frame(lambda: session.config.hook.pytest_runtestloop(session=session))
    finally:
        _RUNNING_IN_A_DEEP_FRAME.clear()


@pytest.fixture(scope="session", autouse=True)
def _documents_in_a_temporary_directory(tmp_path_factory) -> Iterator[None]:
    """Uploaded documents' files go to the run's own directory, never var/documents."""
    from django.conf import settings
    from django.test import override_settings

    directory = str(tmp_path_factory.mktemp("documents"))
    with override_settings(MSPHUB={**settings.MSPHUB, "DOCUMENTS_DIR": directory}):
        yield


@pytest.fixture(autouse=True)
def _rate_limits_start_afresh() -> None:
    """django-ratelimit counts in the cache, which outlives a test: each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _shared_records_are_asked_for(request) -> None:
    if request.node.nodeid.split("::")[0] in _SHARING and "module_db" not in request.fixturenames:
        pytest.fail("this test would see the module's shared records without asking for them")


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    by_marker = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    names = set(getattr(item, "fixturenames", ()))
    return by_marker or bool(names & {"transactional_db", "live_server", "django_db_reset_sequences"})


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> None:
    """On PostgreSQL, autovacuum is turned off for the test database's tables. Every test's rows
    (and a module's shared world) are rolled back, so a table autovacuum reaches holds pages but no
    live row: it records 0 rows over those pages, and the planner then takes the next module's
    thousands of rows for one and nests loops over them (a temperature-check report's count over a
    national round took minutes, not milliseconds, late in a full run). A table never vacuumed is
    estimated from its size instead, as it is in production, where autovacuum sees committed rows."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()")
            for (table,) in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off)")


@pytest.fixture(scope="module")
def module_db(request, django_db_setup, django_db_blocker) -> Iterator[None]:
    """A transaction around the module's tests, rolled back after the last one.

    Module-scoped fixtures that write records depend on this (and unblock the database while they
    build). A module using it must not hold transactional tests: they would commit inside it.
    """
    module_items = [i for i in request.session.items if i.module is request.module]
    transactional = [i.name for i in module_items if _transactional(i)]
    if transactional:
        pytest.fail(f"{request.module.__name__} shares records but has transactional tests: {transactional}")
    module = request.node.nodeid.split("::")[0]
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic._from_testcase = True  # a durable block inside is allowed, as in a TestCase
        atomic.__enter__()
    _SHARING.add(module)
    try:
        yield
    finally:
        _SHARING.discard(module)
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def per_test(value: T) -> T:
    """A test's own copy of records built once for the module (Django's TestData does the same)."""
    return copy.deepcopy(value)


# --- The organisations and personas --------------------------------------------------------------------


def _user(username: str, org: Organisation, role: str, team: Team | None = None) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=username.split("_")[0].title(),
        last_name="Tester",
        email=f"{username}@example.org",
        organisation=org,
        team=team,
        role=role,
    )
    return user


class Cast:
    """The named organisations, teams and personas, each created the first time it is asked for.

    The fixtures below (``council``, ``practitioner``, ...) read it, so a test creates only the
    ones it names. A shared world keeps the Cast it was built with as its ``cast``, and the
    ``cast`` fixture hands a test using that world (its own copy of) the world's personas; one the
    world did not need is then created in the test's savepoint, in the test's copy only.
    """

    @cached_property
    def council(self) -> Organisation:
        return Organisation.objects.create(
            name="Riverside Council", kind="council", ons_code="E06000901", region="North West"
        )

    @cached_property
    def other_council(self) -> Organisation:
        return Organisation.objects.create(
            name="Hillside Council", kind="council", ons_code="E06000902", region="North West"
        )

    @cached_property
    def front_door(self) -> Team:
        return Team.objects.create(organisation=self.council, name="Front Door")

    @cached_property
    def locality(self) -> Team:
        return Team.objects.create(organisation=self.council, name="Locality East")

    @cached_property
    def police(self) -> Organisation:
        org = Organisation.objects.create(name="Riverside Police", kind="police")
        org.councils.add(self.council)
        return org

    @cached_property
    def nhs_trust(self) -> Organisation:
        org = Organisation.objects.create(name="Riverside NHS Trust", kind="nhs_trust")
        org.councils.add(self.council)
        return org

    @cached_property
    def practitioner(self) -> User:
        return _user("pat_practitioner", self.council, Role.PRACTITIONER, self.front_door)

    @cached_property
    def locality_practitioner(self) -> User:
        return _user("lee_locality", self.council, Role.PRACTITIONER, self.locality)

    @cached_property
    def manager(self) -> User:
        return _user("mo_manager", self.council, Role.TEAM_MANAGER, self.front_door)

    @cached_property
    def locality_manager(self) -> User:
        return _user("lin_localitymanager", self.council, Role.TEAM_MANAGER, self.locality)

    @cached_property
    def lead(self) -> User:
        return _user("sam_lead", self.council, Role.SAFEGUARDING_LEAD)

    @cached_property
    def partner_referrer(self) -> User:
        return _user("pc_referrer", self.police, Role.PARTNER_REFERRER)

    @cached_property
    def other_partner_referrer(self) -> User:
        return _user("nurse_referrer", self.nhs_trust, Role.PARTNER_REFERRER)

    @cached_property
    def board_viewer(self) -> User:
        return _user("bea_board", self.council, Role.BOARD_VIEWER)

    @cached_property
    def other_council_user(self) -> User:
        team = Team.objects.create(organisation=self.other_council, name="Hillside Front Door")
        return _user("otto_othercouncil", self.other_council, Role.SAFEGUARDING_LEAD, team)


# Fixtures holding records shared by a module (each has a ``cast``): a test using one gets its personas.
SHARED_WORLDS = ("world", "data", "cases")


@pytest.fixture
def cast(request, db) -> Cast:
    """The personas: the shared world's when the test uses one, else new ones made as they are named."""
    if "module_db" in request.fixturenames:
        for name in SHARED_WORLDS:
            world = request.getfixturevalue(name) if name in request.fixturenames else None
            if isinstance(getattr(world, "cast", None), Cast):
                return world.cast
    return Cast()


@pytest.fixture
def council(cast) -> Organisation:
    return cast.council


@pytest.fixture
def other_council(cast) -> Organisation:
    return cast.other_council


@pytest.fixture
def front_door(cast) -> Team:
    return cast.front_door


@pytest.fixture
def locality(cast) -> Team:
    return cast.locality


@pytest.fixture
def police(cast) -> Organisation:
    return cast.police


@pytest.fixture
def nhs_trust(cast) -> Organisation:
    return cast.nhs_trust


@pytest.fixture
def practitioner(cast) -> User:
    return cast.practitioner


@pytest.fixture
def locality_practitioner(cast) -> User:
    return cast.locality_practitioner


@pytest.fixture
def manager(cast) -> User:
    return cast.manager


@pytest.fixture
def locality_manager(cast) -> User:
    return cast.locality_manager


@pytest.fixture
def lead(cast) -> User:
    return cast.lead


@pytest.fixture
def partner_referrer(cast) -> User:
    return cast.partner_referrer


@pytest.fixture
def other_partner_referrer(cast) -> User:
    return cast.other_partner_referrer


@pytest.fixture
def board_viewer(cast) -> User:
    return cast.board_viewer


@pytest.fixture
def other_council_user(cast) -> User:
    return cast.other_council_user


def concern_answers(**overrides) -> dict:
    """A complete, valid set of answers from the raise-a-concern journey."""
    answers = {
        "raiser_kind": "professional",
        "raiser_name": "Alex Raiser",
        "raiser_role": "District nurse",
        "raiser_organisation_name": "Riverside NHS Trust",
        "raiser_phone": "01234 567890",
        "raiser_email": "alex@example.org",
        "adult_given_name": "Edna",
        "adult_family_name": "Marsh",
        "adult_date_of_birth": date(1938, 5, 17),
        "adult_address": "1 Mill Lane, Riverside",
        "adult_postcode": "RV1 2AB",
        "adult_needs": "Dementia; daily home care visits",
        "what_happened": "Bruising on both arms noticed during a visit.",
        "happened_on": timezone.localdate() - timedelta(days=2),
        "still_happening": False,
        "location_of_risk": "Own Home",
        "source_of_risk": "Service Provider",
        "care_provider_name": "Sunrise Home Care",
        "immediate_danger": False,
        "consent": "given",
        "msp_asked": True,
        "wants_to_happen": "I want the carer changed",
        "how_to_happen": "Talk to my daughter first",
        "outcomes_wanted": "To feel safe at home",
        "risk_types": ["Physical Abuse", "Neglect and Acts of Omission"],
    }
    answers.update(overrides)
    return answers


def new_concern(
    council: Organisation, user=None, target_council=None, received_at=None, **overrides
) -> Concern:
    """Create a concern as the journey would; keyword overrides change answers or fields."""
    concern, _ = concern_services.raise_concern(
        concern_answers(**overrides), target_council or council, uuid.uuid4(), user=user
    )
    if received_at is not None:
        Concern.objects.filter(pk=concern.pk).update(received_at=received_at)
        concern.refresh_from_db()
    return concern


def new_person(council: Organisation, target_council=None, **fields) -> Person:
    values = {
        "given_name": "Edna",
        "family_name": "Marsh",
        "date_of_birth": date(1938, 5, 17),
        "postcode": "RV1 2AB",
    }
    values.update(fields)
    return Person.objects.create(council=target_council or council, **values)


@pytest.fixture
def make_concern(council):
    """Create a concern as the journey would (see new_concern), in Riverside unless target_council."""
    return functools.partial(new_concern, council)


@pytest.fixture
def make_person(council):
    return functools.partial(new_person, council)
