"""Everything a person reads is translated: the zh-hans catalogue is complete and pages render fully."""

import re
from html import unescape
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import ContactFactory, CustomerFactory, SegmentFactory

LOCALE = Path(settings.BASE_DIR) / "locale"
ZH_PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
ZH_MO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.mo"
# Words that are the same in both languages.
SAME_IN_BOTH = {"API", "CSM", "%(from)s → %(to)s"}


def _entries():
    return [e for e in polib.pofile(str(ZH_PO)) if not e.obsolete]


def test_every_message_has_a_chinese_translation():
    missing = [e.msgid for e in _entries() if not (e.msgstr or e.msgstr_plural.get(0)) or "fuzzy" in e.flags]
    assert missing == []


def test_compiled_catalogue_matches_the_source():
    compiled = {(e.msgid, e.msgstr or e.msgstr_plural.get(0)) for e in polib.mofile(str(ZH_MO)) if e.msgid}
    source = {(e.msgid, e.msgstr or e.msgstr_plural.get(0)) for e in _entries()}
    assert source - compiled == set(), "run `make messages` to recompile locale/zh_Hans"


def test_placeholders_survive_translation():
    for entry in _entries():
        # Chinese has one plural form, which serves the English plural (and its placeholders).
        source = entry.msgid_plural or entry.msgid
        wanted = sorted(re.findall(r"%\(\w+\)[sd]", source))
        got = sorted(re.findall(r"%\(\w+\)[sd]", entry.msgstr or entry.msgstr_plural.get(0, "")))
        assert wanted == got, entry.msgid


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    "route",
    [
        "reports:home",
        "reports:objective_list",
        "customers:list",
        "customers:detail",
        "customers:segment_list",
        "customers:create",
        "customers:segment_create",
    ],
)
def test_page_renders_fully_in_chinese(client, manager_user, route):
    customer = CustomerFactory(
        name="上海精工", lifecycle="potential", potential_source="competitor", owner=manager_user
    )
    ContactFactory(
        customer=customer, name="陈静", email="chen@example.com", survey_consent=True, consent_at="2026-01-01T00:00Z"
    )
    SegmentFactory()
    client.force_login(manager_user)
    url = reverse(route, args=[customer.pk] if route == "customers:detail" else [])

    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    english = _visible_text(response.content.decode())
    client.cookies["django_language"] = "zh-hans"
    chinese = _visible_text(client.get(url).content.decode())

    shown_in_english = {
        e.msgid
        for e in _entries()
        if e.msgid not in SAME_IN_BOTH and len(e.msgid) > 3 and "%" not in e.msgid and e.msgid in english
    }
    assert shown_in_english, "the English page should show catalogue strings"
    still_english = sorted(m for m in shown_in_english if re.search(rf"(?<![\w]){re.escape(m)}(?![\w])", chinese))
    assert still_english == []
    assert "顾客" in chinese
