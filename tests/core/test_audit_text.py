"""What the system writes into the audit trail (actor, comment, source) is a code shown in the
reader's language: an entry written once reads right on an English page and on a Chinese one, and
the trail itself is never rewritten."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core.audit import audit_record
from core.audit_text import COMMENTS, actor_display, comment_display, source_display
from core.models import AuditEvent
from tests.factories import CustomerFactory
from tests.test_app_layers import LAYERS

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
ROOT = Path(settings.BASE_DIR)


@pytest.mark.parametrize("code", sorted(COMMENTS))
def test_every_system_comment_reads_in_both_languages(code):
    with translation.override("zh-hans"):
        chinese = comment_display(code)
    with translation.override("en"):
        english = comment_display(code)
    assert CJK.search(chinese) and not CJK.search(english), (chinese, english)


@pytest.mark.parametrize(
    ("comment", "zh", "en"),
    [
        ("12 responses reached", "收到 12 份答卷后关闭", "closed after 12 responses"),
        ("1 responses reached", "收到 1 份答卷后关闭", "closed after 1 response"),
        ("copy of version 3", "复制自版本 3", "copy of version 3"),
        ("customer import #7: 顾客.csv", "顾客导入第 7 批：顾客.csv", "customer import no. 7: 顾客.csv"),
        ("scheduled by plan: Key customers", "由回访计划 Key customers 安排", "Scheduled by the plan Key customers"),
        # Sentences older entries hold, written in the worker's language, read in the reader's.
        ("由回访计划 重点顾客 安排", "由回访计划 重点顾客 安排", "Scheduled by the plan 重点顾客"),
        ("Scheduled by the plan Key customers", "由回访计划 Key customers 安排", "Scheduled by the plan Key customers"),
        ("complaint:42", "由投诉 #42 触发", "triggered by complaint no. 42"),
        # Not a code: a person's words, a file name, a reference to no model, stay as written.
        ("Customer confirmed by phone.", "Customer confirmed by phone.", "Customer confirmed by phone."),
        ("customers.csv", "customers.csv", "customers.csv"),
        ("nosuchmodel:5", "nosuchmodel:5", "nosuchmodel:5"),
        ("", "", ""),
    ],
)
def test_coded_comments_with_their_values_read_in_the_readers_language(comment, zh, en):
    with translation.override("zh-hans"):
        assert comment_display(comment) == zh
    with translation.override("en"):
        assert comment_display(comment) == en


def test_the_system_actor_and_the_sources_read_in_the_readers_language():
    with translation.override("zh-hans"):
        assert actor_display(None, "system") == "系统" and source_display("web") == "网页"
        assert actor_display(None, "wang.fang") == "wang.fang"  # a user deleted since keeps their name
        assert actor_display(3, "system") == "system"  # a user called "system" is a user
        assert source_display("api") == "API" and source_display("") == ""
    with translation.override("en"):
        assert actor_display(None, "") == "system" and source_display("system") == "system"


def _literal_comments() -> set[str]:
    """Every literal (or f-string, its values as "1") passed as comment= in the apps: to an audit
    writer, or to what hands it on to one (a response's store, a campaign's close)."""
    found = set()
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                for keyword in node.keywords:
                    if keyword.arg != "comment":
                        continue
                    if isinstance(keyword.value, ast.Constant) and keyword.value.value:
                        found.add(keyword.value.value)
                    elif isinstance(keyword.value, ast.JoinedStr):
                        found.add(
                            "".join(p.value if isinstance(p, ast.Constant) else "1" for p in keyword.value.values)
                        )
    return found


def test_every_comment_the_code_writes_is_a_code_shown_in_words():
    """A new literal comment= without its words here would show in one language on every page."""
    written = _literal_comments()
    assert "survey link" in written and len(written) >= 10  # the scan finds the writers
    with translation.override("zh-hans"):
        untranslated = {c for c in written if comment_display(c) == c and not CJK.search(c)}
    # File names of exports are data (the file the user asked for), not sentences.
    assert {c for c in untranslated if not re.fullmatch(r"[\w.{}]+\.\w+|1\.1", c)} == set()


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [("zh-hans", "通过个人调查链接", "survey link"), ("en", "through the personal survey link", "通过")],
)
def test_the_audit_page_shows_system_entries_in_the_readers_language(manager_client, language, shown, hidden):
    customer = CustomerFactory(name="Acme")
    audit_record(actor=None, action=AuditEvent.Action.UPDATE, instance=customer, comment="survey link")
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = manager_client.get(reverse("audit:audit_list")).content.decode()
    row = re.search(r"<tr><td[^>]*>[^<]*</td><td><span translate=\"no\">([^<]*)</span></td>.*?Acme.*?</tr>", page, re.S)
    assert row is not None
    assert shown in row.group(0) and hidden not in row.group(0)
    assert row.group(1) == ("系统" if language == "zh-hans" else "system")
