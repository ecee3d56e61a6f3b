"""axe-core in the browser journeys: every page a journey shows is checked for accessibility.

axe-core comes with the PyPI package axe-playwright-python (its own copy of axe.min.js, nothing from a
CDN); Playwright's evaluate runs it outside the page's Content-Security-Policy. A critical or serious
violation fails the test; moderate and minor ones are left to review.

`AxeWatcher` checks each page once it has loaded, before the test acts on it: a page's "load" event
marks it, and the next call the test makes through Playwright's sync API (a click, a fill, an expect)
first runs axe on it. (A route that holds each navigation until the page being left is checked would
be neater, but the sync API deadlocks when a route handler talks to the page.) A page is checked again
as it is closed (`Page.close`, `BrowserContext.close`), which covers what htmx changed on it since.
Pages drawn by third-party code (Swagger UI, Redoc, Django's admin) are left out.
Each address is also opened once in the other language (a fresh context with the same cookies and the
other `django_language`), so every page is checked in English and in Chinese.
The untranslated-text guard (tests/e2e/text_guard.py) reads the same pages, in both languages, at the
same moments; its verdict waits for the test's end, so data the journey declares anywhere
(`watcher.allow(...)`, or `screenshot(..., allow=...)`) is data on every page it visited. The fixture
`axe_every_page` (tests/e2e/conftest.py) installs the watcher for each browser test and fails the
test at teardown with one line per offending element: page, rule id, impact, element, axe's help.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import greenlet
from axe_playwright_python.sync_playwright import Axe
from playwright._impl._sync_base import SyncBase
from playwright.sync_api import Browser, BrowserContext, Error, Page

from tests.e2e.text_guard import collect_texts, untranslated

BLOCKING_IMPACTS = ("critical", "serious")
LANGUAGE_COOKIE = "django_language"
OTHER_LANGUAGE = {"en": "zh-hans", "zh-hans": "en"}
# Pages drawn by third-party code we serve but do not write (Swagger UI, Redoc, Django's admin).
THIRD_PARTY_PAGES = ("/api/docs/", "/api/redoc/", "/admin/")

_axe = Axe()


def blocking_violations(page: Page) -> list[dict]:
    """axe's critical and serious violations on the page as it is now."""
    results = _axe.run(page, options={"resultTypes": ["violations"]})
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def violations_report(where: str, violations: list[dict]) -> list[str]:
    """One line per offending element: the page, rule id and impact, the element, and axe's help."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            detail = next((check["message"] for check in node.get("any", []) + node.get("all", [])), "")
            lines.append(
                f"{where}: {violation['id']} ({violation['impact']}) at {target}: {violation['help']}"
                f"{' (' + detail + ')' if detail else ''} <{violation['helpUrl']}>"
            )
    return lines


def assert_accessible(page: Page) -> None:
    """Fail on any critical or serious axe violation on the page as it is now."""
    lines = violations_report(_where(page), blocking_violations(page))
    assert not lines, "axe found critical or serious violations:\n" + "\n".join(lines)


def _not_ours(url: str) -> bool:
    return urlsplit(url).path.startswith(THIRD_PARTY_PAGES)


def names_in_the_database() -> set[str]:
    """The names people gave to people and things (users, customers, contacts, segments, visit plans):
    data in whatever language they were typed, on a page of either language."""
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError

    from customers.models import Contact, Customer, Segment
    from visits.models import VisitPlan

    names: set[str] = set()
    try:
        for user in get_user_model().objects.all():
            names |= {user.username, user.first_name, user.last_name, user.get_full_name(), str(user)}
        for model in (Customer, Contact, Segment, VisitPlan):
            names.update(model.objects.values_list("name", flat=True))
    except (DatabaseError, RuntimeError):  # a test without the database: nothing of its own to allow
        return set()
    return {name.strip() for name in names if name and name.strip()}


def _where(page: Page) -> str:
    language = page.evaluate("document.documentElement.lang") or "?"
    parts = urlsplit(page.url)
    return f"[{language}] {parts.path}{'?' + parts.query if parts.query else ''}"


@dataclass
class AxeWatcher:
    """Runs axe on every page the test's browser shows; `report()` lists what failed."""

    findings: list[str] = field(default_factory=list)
    texts: list[tuple[str, str, list[str], list[str]]] = field(default_factory=list)  # where, language, texts, codes
    allowed: set[str] = field(default_factory=set)
    checked: set[str] = field(default_factory=set)
    loaded: list[Page] = field(default_factory=list)
    original: dict[str, Callable] = field(default_factory=dict)
    busy: bool = False

    def install(self, monkeypatch) -> None:
        """Patch Playwright's sync API for this test: every new page is watched."""
        original = self.original
        original.update(
            sync=SyncBase._sync,
            new_context=Browser.new_context,
            new_page=Browser.new_page,
            page_close=Page.close,
            context_close=BrowserContext.close,
        )
        watcher = self

        def sync(api_object, awaitable):
            # Every call of the sync API passes here, before its coroutine starts: a page that has
            # loaded since the last call is checked now, before the test acts on it.
            if watcher.loaded and not watcher.busy and greenlet.getcurrent().parent is None:
                watcher.check_loaded()
            return original["sync"](api_object, awaitable)

        def new_context(browser, *args, **kwargs):
            context = original["new_context"](browser, *args, **kwargs)
            context.on("page", watcher.watch)
            return context

        def new_page(browser, *args, **kwargs):
            page = original["new_page"](browser, *args, **kwargs)
            watcher.watch(page)
            return page

        def page_close(page, *args, **kwargs):
            watcher.check(page)
            return original["page_close"](page, *args, **kwargs)

        def context_close(context, *args, **kwargs):
            for page in context.pages:
                watcher.check(page)
            return original["context_close"](context, *args, **kwargs)

        monkeypatch.setattr(SyncBase, "_sync", sync)
        monkeypatch.setattr(Browser, "new_context", new_context)
        monkeypatch.setattr(Browser, "new_page", new_page)
        monkeypatch.setattr(Page, "close", page_close)
        monkeypatch.setattr(BrowserContext, "close", context_close)

    def watch(self, page: Page) -> None:
        page.on("load", self.on_load)

    def on_load(self, page: Page) -> None:
        self.loaded.append(page)

    def check_loaded(self) -> None:
        pages, self.loaded[:] = list(dict.fromkeys(self.loaded)), []
        for page in pages:
            self.check(page)

    def check(self, page: Page) -> None:
        """axe on the page as it is, then (once per address) on the same address in the other language."""
        if self.busy or page.is_closed() or not page.url.startswith("http") or _not_ours(page.url):
            return
        self.busy = True
        try:
            try:
                self.findings.extend(violations_report(_where(page), blocking_violations(page)))
                self.read_texts(page)
                language = page.evaluate("document.documentElement.lang")
            except Error:
                return  # the page navigated on by itself meanwhile: its next load is checked
            other = OTHER_LANGUAGE.get(language)
            if other and f"{other} {page.url}" not in self.checked:
                self.checked.update({f"{other} {page.url}", f"{language} {page.url}"})
                self.check_in_language(page, other)
        finally:
            self.busy = False

    def check_in_language(self, page: Page, language: str) -> None:
        """Open the page's address in a fresh context with the same cookies but `language`, and check it."""
        cookies = [c for c in page.context.cookies() if c["name"] != LANGUAGE_COOKIE]
        parts = urlsplit(page.url)
        cookies.append({"name": LANGUAGE_COOKIE, "value": language, "url": f"{parts.scheme}://{parts.netloc}"})
        context = self.original["new_context"](page.context.browser, viewport=page.viewport_size)
        try:
            context.add_cookies(cookies)
            other_page = context.new_page()
            response = other_page.goto(page.url)
            if response is not None and response.ok and "html" in response.headers.get("content-type", ""):
                self.findings.extend(violations_report(_where(other_page), blocking_violations(other_page)))
                self.read_texts(other_page)
        except Error as error:
            self.findings.append(f"[{language}] {page.url}: axe could not check it ({error.message.splitlines()[0]})")
        finally:
            self.original["context_close"](context)

    def read_texts(self, page: Page) -> None:
        """Keep the text the page shows now for the untranslated-text verdict at the test's end."""
        collected = collect_texts(page)
        self.allowed.update(names_in_the_database())
        self.texts.append((_where(page), collected["language"], collected["texts"], collected["codes"]))

    def allow(self, *data: str) -> None:
        """Data the journey typed in the other language (a customer named "Nordic Pumps AB")."""
        self.allowed.update(d for d in data if d)

    def finish(self) -> None:
        """Check the pages loaded since the test's last call."""
        self.check_loaded()

    def untranslated_report(self) -> str:
        """One line per page that showed text in the other language, data allowed anywhere excepted."""
        lines = []
        for where, language, texts, codes in self.texts:
            found = untranslated(texts, language, [*self.allowed, *codes])
            if found:
                lines.append(f"{where} shows text in the other language: {found}")
        return "\n".join(dict.fromkeys(lines))

    def report(self) -> str:
        return "\n".join(dict.fromkeys(self.findings))
