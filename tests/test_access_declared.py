"""Access is declared, once per view, and asked in one place.

Every view behind the login says who may use it with ``core.access.requires`` or
``core.access.record`` (which looks its record up through the chokepoint); public pages say so with
``login_not_required``. Views and templates ask no role questions of their own: the rules live in
``accounts.permissions`` (pages) and the models' ``for_user`` querysets (records), and the navigation
and home links are drawn from the same permissions through ``can``.
"""

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from msphub.accounts.models import Organisation, Role, User
from msphub.accounts.permissions import ALL

MSPHUB = Path(__file__).resolve().parent.parent / "msphub"
# Role questions on the user: these belong in accounts.permissions and the querysets. (Whose
# figures a user sees is one named rule, User.aggregates_council, which views may ask.)
ROLE_QUESTION = re.compile(
    r"user\.(does_casework|is_manager|is_lead|is_partner_referrer|is_partner_enquiry_officer|"
    r"is_interviewer|is_regional_lead|is_board_viewer|role\b)"
)
# Django's own views, which declare nothing of ours: sign in and out, and the admin (which has its
# own permission system, scoped in accounts/admin.py).
FRAMEWORK_VIEWS = ("django.contrib.", "django.views.static")


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _declares_access(view) -> bool:
    if getattr(view, "login_required", True) is False:  # @login_not_required: a public page
        return True
    return hasattr(view, "access")


def test_every_view_declares_who_may_use_it():
    undeclared = []
    for route, view in _patterns(get_resolver()):
        module = getattr(view, "__module__", "")
        target = getattr(view, "view_class", None)
        if module.startswith(FRAMEWORK_VIEWS) or (target and target.__module__.startswith(FRAMEWORK_VIEWS)):
            continue
        if not _declares_access(view):
            undeclared.append(f"{route} ({module}.{getattr(view, '__name__', view)})")
    assert not undeclared, "Views without @requires, @record or @login_not_required:\n  " + "\n  ".join(
        undeclared
    )


@pytest.mark.parametrize("kind", ["views", "templates"])
def test_views_and_templates_ask_no_role_questions(kind):
    if kind == "views":
        files = sorted(MSPHUB.glob("*/views.py"))
    else:
        files = sorted(MSPHUB.glob("**/templates/**/*.html"))
    found = []
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if ROLE_QUESTION.search(line):
                found.append(f"{path.relative_to(MSPHUB)}:{number}: {line.strip()}")
    assert not found, "Role rules written out in views or templates (use accounts.permissions):\n  " + (
        "\n  ".join(found)
    )


# The pages the navigation links to, behind a permission (raising a concern is open to everyone).
NAVIGATION = (
    "concerns:queue",
    "people:search",
    "enquiries:caseload",
    "worktray:index",
    "measures:dashboard",
    "benchmarks:index",
    "tempcheck:rounds",
    "concerns:raised",
)
NAV_LINK = re.compile(r'class="govuk-service-navigation__link" href="([^"]+)"')


@pytest.mark.django_db
def test_the_navigation_links_to_exactly_the_pages_that_open(client):
    """For every role: a page is in the navigation if and only if it opens (200, not 404)."""
    council = Organisation.objects.create(name="Riverside Council", kind="council", ons_code="E06000901")
    wrong = []
    for role in Role.values:
        user = User.objects.create_user(username=role, organisation=council, role=role)
        client.force_login(user)
        shown = set(NAV_LINK.findall(client.get(reverse("home")).content.decode()))
        for name in NAVIGATION:
            url = reverse(name)
            opens = client.get(url).status_code == 200
            if (url in shown) != opens:
                wrong.append(
                    f"{role}: {name} {'opens' if opens else 'does not open'} but is "
                    f"{'' if url in shown else 'not '}linked"
                )
    assert not wrong, "\n".join(wrong)


def test_every_permission_a_template_asks_for_exists():
    """``can.<name>`` with an unknown name is silently false in a template: the link would vanish."""
    asked = {
        (path.relative_to(MSPHUB), name)
        for path in MSPHUB.glob("**/templates/**/*.html")
        for name in re.findall(r"\bcan\.([a-z_]+)", path.read_text())
    }
    unknown = sorted(f"{path}: can.{name}" for path, name in asked if name not in ALL)
    assert not unknown, unknown
