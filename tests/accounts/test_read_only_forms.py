"""A read-only user (an auditor) is never shown a form they could not send, walked over the URLconf.

Every page an auditor can open is read for its POST forms that can be sent (buttons on a detail page
included); each form's target must be one the read-only guard lets through (accounts.middleware: the
auditor's own session, language, password and API tokens, or a view marked for read-only requests
such as the evidence pack). A form that would only answer "read-only" is a dead end on the page: hide it, or
refuse the page (READ_ONLY_REFUSED_FORMS) as for a form page opened by its address.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from accounts.middleware import AUDITOR_ALLOWED_WRITES
from tests.accounts.test_access import OUR_ROUTES, url_of, world  # noqa: F401 - the walk's records

pytestmark = pytest.mark.django_db


class _SendableForms(HTMLParser):
    """The actions of the page's POST forms that can be sent: with an enabled submit control (a form
    shown read-only, its fields disabled and no button, is a record to read, not a dead end)."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url, self.actions, self.current, self.sendable = page_url, [], None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self.current, self.sendable = a.get("action") or self.page_url, False
        elif self.current is not None and "disabled" not in a:
            kind = (a.get("type") or ("submit" if tag == "button" else "text")).lower()
            if (tag == "button" and kind == "submit") or (tag == "input" and kind in ("submit", "image")):
                self.sendable = True

    def handle_endtag(self, tag):
        if tag == "form" and self.current is not None:
            if self.sendable:
                self.actions.append(self.current)
            self.current = None


def _read_only_may_send(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return (
        match.view_name in AUDITOR_ALLOWED_WRITES
        or getattr(match.func, "csm_read_only_may_request", False)
        or getattr(match.func, "csm_access", None) == "public"
    )


def test_an_auditor_is_shown_no_form_that_would_be_refused(auditor_user, world):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(auditor_user)
    dead, pages, forms = [], 0, 0
    for route in OUR_ROUTES:
        if route.is_api:
            continue
        url = url_of(route, world)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        parser = _SendableForms(url)
        parser.feed(response.content.decode())
        for action in parser.actions:
            forms += 1
            target = urlparse(urljoin(url, action)).path
            if not _read_only_may_send(target):
                dead.append(f"{route.name} ({url}) shows a form to {target}")

    assert dead == [], "\n".join(dead)
    # What the walk covered: the auditor's pages (57 when written), each with at least the logout form.
    assert pages >= 50 and forms >= pages, (pages, forms)
