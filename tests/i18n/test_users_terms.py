"""The zh-hans interface speaks the users' words (the glossary in docs of the domain): what a quality
manager in China reads on a corrective action, a follow-up visit, the audit trail and a complaint's
states, and the glossary terms wherever the English names the concept."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, pgettext

from complaints.models import State

ZH_PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# English concept -> the Chinese term every message naming it must use.
GLOSSARY = {
    "corrective action": "纠正措施",
    "preventive action": "预防措施",
    "follow-up visit": "回访",
    "satisfaction rate": "满意率",
    "satisfaction index": "满意指数",
    "key customer": "关键顾客",
    "potential customer": "潜在顾客",
    "internal customer": "内部顾客",
    "end customer": "最终顾客",
    "intermediate customer": "中间顾客",
    "quality objective": "质量目标",
    "management review": "管理评审",
    "overdue": "超期",
    "escalat": "升级",
}
# Words the users told us confuse them: the audit trail is no ISO audit (审核), a complaint is 投诉.
NOT_OURS = ["审核追踪", "抱怨", "逾期"]


def _entries():
    return [e for e in polib.pofile(str(ZH_PO)) if not e.obsolete]


@pytest.mark.parametrize(("english", "chinese"), GLOSSARY.items())
def test_every_message_naming_a_glossary_concept_uses_its_term(english, chinese):
    wrong = [
        (e.msgid, e.msgstr)
        for e in _entries()
        if re.search(rf"\b{english}", e.msgid, flags=re.IGNORECASE) and chinese not in (e.msgstr or e.msgstr_plural[0])
    ]
    assert wrong == []


def test_no_message_uses_a_word_the_users_reject():
    assert [(e.msgid, e.msgstr) for e in _entries() if any(word in e.msgstr for word in NOT_OURS)] == []


def test_the_users_terms_on_actions_visits_audit_and_campaigns():
    with translation.override("zh-hans"):
        assert pgettext("corrective action", "Action") == "措施"
        assert pgettext("corrective action", "required") == "关闭前必须完成"
        assert gettext("required") == "必答"  # a survey question's word stays
        assert pgettext("follow-up visit", "Visit") == "回访记录"
        assert gettext("Visit") == "来访"  # the channel: the customer came to us
        assert gettext("Audit trail") == "审计追踪"
        assert gettext("Satisfied") == "满意率"


def test_a_customer_reads_the_complaint_states_in_their_order():
    with translation.override("zh-hans"):
        assert [str(State.RECEIVED.label), str(State.ACKNOWLEDGED.label)] == ["已接收", "已受理"]
        assert gettext("Acknowledge") == "受理"
