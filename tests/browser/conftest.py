"""Playwright (sync API) fixtures for the browser tests, run headless in Debian's chromium.

Run with `make test-browser`. Every page a test visits is checked with axe: navigate through
`visit` (`visit.open(path)`, `visit.press(locator)`), which waits for the new page and runs
`check_a11y` on it. A passing test that loaded a page without checking it fails at teardown.
"""

import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

# Playwright's sync API runs an event loop in the test thread, so Django would refuse ORM
# calls from fixtures without this. The Makefile sets it too.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
BLOCKING_IMPACTS = {"serious", "critical"}
MARK_CHECKED = """() => {
  const first = !window.__msphubAxeChecked;
  window.__msphubAxeChecked = true;
  return first;
}"""

AXE = Axe()
# Every violation seen, of any impact: (impact, rule, help) -> {path: number of elements}.
SEEN_VIOLATIONS: defaultdict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
# Documents checked in each page (tab), to catch a page that was never checked.
CHECKED_DOCUMENTS: Counter[Page] = Counter()

expect.set_options(timeout=TIMEOUT_MS)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def pytest_terminal_summary(terminalreporter):
    if not SEEN_VIOLATIONS:
        return
    terminalreporter.section("axe violations seen (all impacts)")
    for (impact, rule, help_text), pages in sorted(SEEN_VIOLATIONS.items()):
        terminalreporter.line(f"{impact} {rule}: {help_text}, on {len(pages)} page(s):")
        for path, count in pages.items():
            terminalreporter.line(f"    {path} ({count} element{'s' if count > 1 else ''})")


def _describe(violation: dict) -> str:
    lines = [f"- {violation['id']} ({violation['impact']}): {violation['help']}", f"  {violation['helpUrl']}"]
    for node in violation["nodes"][:5]:
        lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:200]}")
        if node.get("failureSummary"):
            lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


def check_a11y(page: Page) -> None:
    """Run axe on the page as it is now; fail on any serious or critical violation."""
    page.wait_for_load_state("load")
    CHECKED_DOCUMENTS[page] += int(page.evaluate(MARK_CHECKED))
    violations = AXE.run(page).response["violations"]
    url = urlsplit(page.url)
    path = url.path + (f"?{url.query}" if url.query else "")
    for v in violations:
        SEEN_VIOLATIONS[(v["impact"], v["id"], v["help"])][path] = len(v["nodes"])
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe: {len(blocking)} serious or critical violation(s) on {path}:\n" + "\n".join(
        _describe(v) for v in blocking
    )


class Visit:
    """Moves around the site as a person would, checking each page it lands on with axe."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def open(self, path: str) -> Page:
        """Go to a path on the live server (as if typed in the address bar) and check the page."""
        self.page.goto(path)
        check_a11y(self.page)
        return self.page

    def press(self, target: Locator) -> Page:
        """Click a link or button that leads to another page; wait for it to load and check it."""
        with self.page.expect_event("load"):
            target.click()
        check_a11y(self.page)
        return self.page


@pytest.fixture(name="check_a11y")
def check_a11y_fixture() -> Callable[[Page], None]:
    """`check_a11y(page)`, for a page reached without `visit`."""
    return check_a11y


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, live_server, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the live server; every page it loads must be checked."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    loaded: list[str] = []
    page.on("load", lambda p: loaded.append(urlsplit(p.url).path))
    yield page
    checked = CHECKED_DOCUMENTS.pop(page, 0)
    context.close()
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.passed:
        assert checked == len(loaded), f"{len(loaded) - checked} page(s) not checked with axe, of {loaded}"


@pytest.fixture
def visit(page: Page) -> Visit:
    return Visit(page)
