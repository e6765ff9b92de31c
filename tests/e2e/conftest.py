"""Browser tests: Playwright for Python driving Chromium against live_server.

Chromium comes from Debian's package (/usr/bin/chromium) or from a
Playwright install; never downloaded by the tests. Without one the tests are
skipped, unless PETCARE_REQUIRE_BROWSER=1 turns the skip into a failure.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests import factories

# The sync Playwright API runs an event loop in this thread; the ORM calls of
# the tests themselves are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_BROWSER = os.environ.get("PETCARE_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _chromium_executable() -> str | None:
    for candidate in (
        os.environ.get("PETCARE_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None  # let Playwright try its own browser, if one is installed


def _unavailable(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(f"PETCARE_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed")
    executable = _chromium_executable()
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, headless=True
            )
        except Error as error:
            _unavailable(
                f"Chromium could not be started ({executable or 'Playwright build'}): {error}"
            )
        yield browser
        browser.close()


def _new_page(browser, request, **context_options):
    context_options.setdefault("viewport", {"width": 1280, "height": 860})
    context = browser.new_context(**context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors

    def finish():
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        context.close()

    request.addfinalizer(finish)
    return page


@pytest.fixture
def page(browser, request, live_server, roles):
    return _new_page(browser, request)


@pytest.fixture
def new_page(browser, request, live_server, roles):
    """Opens a page in a browser context of its own (another person, another
    device); takes Playwright's context options."""
    return lambda **options: _new_page(browser, request, **options)


@pytest.fixture
def phone_page(browser, request, live_server, roles):
    return _new_page(browser, request, viewport={"width": 390, "height": 844}, is_mobile=True)


@pytest.fixture
def page_without_js(browser, request, live_server, roles):
    return _new_page(browser, request, java_script_enabled=False)


@pytest.fixture
def sign_in(live_server, roles):
    """Signs a new office manager in on a page, through the staff sign-in form:
    ``sign_in(page)``, or ``sign_in(page, email=...)`` for a second one."""
    from playwright.sync_api import expect

    def sign_in(page, email="manager@example.com"):
        factories.OfficeManagerFactory(email=email, first_name="Maria")
        page.goto(f"{live_server.url}/signin/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(factories.DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Clients", level=1)).to_be_visible()

    return sign_in


@pytest.fixture(scope="session")
def axe():
    """``axe(page)``: what axe-core (bundled with axe-playwright-python, no
    network) finds wrong on the page as it is now, contrast included, one
    line per rule; empty when nothing is."""
    from axe_playwright_python.sync_playwright import Axe

    engine = Axe()

    def violations(page) -> list[str]:
        found = engine.run(page).response["violations"]
        return [
            f"{rule['id']} ({rule['impact']}): {[node['target'] for node in rule['nodes'][:5]]}"
            for rule in found
        ]

    return violations


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
