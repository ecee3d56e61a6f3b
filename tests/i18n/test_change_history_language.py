"""The change history reads in the reader's language: field labels (also of related lists and of keys
that are no field), choice values in words, a visit's scores by dimension name, an escalation's rule
by its name, and language names."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from complaints.models import Complaint, CorrectiveAction, EscalationRule
from core.audit import describe_changes
from core.models import AuditEvent
from customers.models import Contact
from visits.models import Visit

pytestmark = pytest.mark.django_db


def _rows(model, changes: dict, language: str) -> list[tuple[str, object, object]]:
    event = AuditEvent(content_type=ContentType.objects.get_for_model(model), object_id="1", changes=changes)

    def text(value):
        return value if value is None else str(value)

    with translation.override(language):
        return [(str(label), text(before), text(after)) for label, before, after in describe_changes(event)]


def test_a_root_cause_category_is_shown_in_words_not_as_its_code():
    assert _rows(Complaint, {"root_cause_category": [None, "man"]}, "zh-hans") == [
        ("根本原因类别", None, "人员（技能、培训）")
    ]
    assert _rows(Complaint, {"root_cause_category": [None, "man"]}, "en")[0][2] == "People (skills, training)"


def test_related_records_are_labelled_in_the_readers_language():
    assert _rows(CorrectiveAction, {"complaint": [None, "CMP-1"]}, "zh-hans")[0][0] == "投诉"
    assert _rows(Complaint, {"source_visit_issue": [None, "x"]}, "zh-hans")[0][0] == "提出的问题"
    labels = [label for label, _before, _after in _rows(Visit, {"issues": [None, 1], "scores": [None, {}]}, "zh-hans")]
    assert labels == ["提出的问题", "回访评分"]


def test_visit_scores_are_shown_by_dimension_name_not_as_a_dictionary():
    changes = {"scores": [None, {"quality": 4, "delivery": 3}]}
    assert _rows(Visit, changes, "zh-hans") == [("回访评分", None, "产品质量 4, 交付 3")]
    assert _rows(Visit, changes, "en")[0][2].startswith("Product quality 4")


def test_an_escalation_names_its_rule_in_the_readers_language():
    rule = EscalationRule.objects.exclude(name_zh="").first()
    for stored in (rule.code, rule.name):  # the code since December 2026, the English name before
        assert _rows(Complaint, {"escalation": [None, stored]}, "zh-hans") == [("升级", None, rule.name_zh)]


def test_language_names_are_translated():
    with translation.override("zh-hans"):
        assert Contact(preferred_language="en").get_preferred_language_display() == "英文"
    with translation.override("en"):
        assert Contact(preferred_language="zh-hans").get_preferred_language_display() == "Simplified Chinese"


def test_every_field_a_change_history_can_show_has_a_label_in_both_languages():
    """The guard behind "Round robin position" on a Chinese page: each field an audit snapshot takes
    (all concrete fields but the model's `audit_ignore` and the timestamps) has a translated label."""
    import re

    from django.apps import apps

    from core.audit import snapshot

    untranslated = []
    for model in apps.get_models():
        if model._meta.app_label not in {
            "accounts", "complaints", "core", "customers", "evidence", "feedback", "privacy", "reports",
            "surveys", "visits",
        }:  # fmt: skip
            continue
        for name in snapshot(model()):
            label = _rows(model, {name: [None, "x"]}, "zh-hans")
            if label and not re.search(r"[\u3400-\u9fff]|^[A-Z0-9-]+$", label[0][0]):
                untranslated.append(f"{model.__name__}.{name}: {label[0][0]}")
    assert untranslated == []


def test_the_ignored_bookkeeping_fields_are_in_no_snapshot_and_no_history():
    from core.audit import snapshot
    from visits.models import VisitPlan

    assert "round_robin_position" not in snapshot(VisitPlan())
    assert _rows(VisitPlan, {"round_robin_position": [0, 3], "name": ["a", "b"]}, "zh-hans") == [("名称", "a", "b")]


def test_an_erasure_entry_reads_in_the_readers_language():
    changes = {"data_subject_erasure": [None, 7], "pseudonym": [None, "Erased contact #7"]}
    assert [label for label, _b, _a in _rows(Contact, changes, "zh-hans")] == ["删除请求编号", "化名"]
    assert [label for label, _b, _a in _rows(Contact, changes, "en")] == ["erasure request no.", "pseudonym"]
