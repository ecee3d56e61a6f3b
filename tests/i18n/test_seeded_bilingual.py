"""What the product ships (questionnaire templates, event visit plans) reads in both languages."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from surveys.models import Questionnaire
from visits.models import Trigger, VisitPlan

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "surveys" / "data" / "questionnaire_templates.json"


def test_every_shipped_template_carries_both_languages():
    for template in json.loads(TEMPLATES.read_text(encoding="utf-8")):
        for field in ("name", "description", "title", "intro"):
            english = template.get(field) or template.get(f"{field}_en")
            assert english and template.get(f"{field}_zh"), (template["code"], field)
        for question in template["questions"]:
            assert question["text_en"] and question["text_zh"], (template["code"], question["code"])


def test_the_seeded_questionnaires_are_named_in_the_readers_language():
    questionnaire = Questionnaire.objects.get(code="general-satisfaction")
    with translation.override("zh-hans"):
        assert str(questionnaire) == "顾客满意度调查"
        assert "年度顾客满意度调查" in questionnaire.description_text
    with translation.override("en"):
        assert str(questionnaire) == "General satisfaction survey"


def test_the_seeded_event_plans_are_named_in_the_readers_language():
    plans = VisitPlan.objects.exclude(trigger=Trigger.SCHEDULE)
    assert plans.count() >= 3
    with translation.override("zh-hans"):
        names = {str(plan) for plan in plans}
    assert "投诉关闭后的回访" in names
    assert all(any("\u4e00" <= c <= "\u9fff" for c in name) for name in names)
