"""Browser journeys: pytest-playwright driving Debian's Chromium (no downloaded browser builds).

Every test in this folder is marked `e2e`. Without a `chromium` on PATH the tests are skipped, unless
CSM_REQUIRE_BROWSER=1 (as in CI): then they fail, so a missing browser can never pass silently.
Tests here use `live_server` and `django_db(transaction=True, serialized_rollback=True)`; they run under
pytest-xdist too (each worker starts its own live server and browser).
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.axe_guard import AxeWatcher, names_in_the_database
from tests.e2e.text_guard import assert_no_untranslated

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

E2E_DIR = Path(__file__).resolve().parent
SCREENSHOT_DIR = E2E_DIR.parent.parent / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium")
BROWSER_REQUIRED = os.environ.get("CSM_REQUIRE_BROWSER") == "1"

# Without the networking flags Chromium keeps calling home and floods the closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def pytest_runtest_setup(item):
    # A hook, not a fixture: it runs before pytest-playwright's session fixtures try to launch.
    if CHROMIUM:
        return
    message = "Chromium is not installed (`apt-get install chromium`): the browser journeys cannot run."
    if BROWSER_REQUIRED:
        pytest.fail(message + " CSM_REQUIRE_BROWSER=1 forbids skipping them.", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, pointed at Debian's Chromium."""
    args = {**browser_type_launch_args}
    if CHROMIUM:
        args["executable_path"] = CHROMIUM
    args["args"] = [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS]
    return args


@pytest.fixture(autouse=True)
def axe_every_page(monkeypatch):
    """axe-core and the untranslated-text guard on every page the test shows, in both languages: fails
    on critical or serious violations and on interface text in the other language than the page's."""
    watcher = AxeWatcher()
    watcher.install(monkeypatch)
    yield watcher
    watcher.finish()
    failures = []
    if watcher.findings:
        failures.append("axe found critical or serious violations:\n" + watcher.report())
    untranslated = watcher.untranslated_report()
    if untranslated:
        failures.append("untranslated interface text on pages the journey visited:\n" + untranslated)
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


@pytest.fixture
def screenshot(axe_every_page):
    """screenshot(page, "customer-list") saves test-artifacts/screenshots/customer-list.png and returns its path.

    Every page a journey shoots is also checked for text in the other language than its own
    (tests/e2e/text_guard.py); `allow=` lists data the journey typed in the other language."""

    def take(page, name: str, allow=()) -> Path:
        axe_every_page.allow(*allow)
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        page.screenshot(path=str(path), full_page=True)
        assert_no_untranslated(page, allow=[*allow, *names_in_the_database()])
        return path

    return take
