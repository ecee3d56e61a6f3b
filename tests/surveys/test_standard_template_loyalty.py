"""The shipped standard questionnaire asks loyalty (repurchase, recommending, staying against a
competitor's offer) in both languages, and the demo survey answers it, so the loyalty chart and card
show numbers in the demo."""

import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation

from reports.figures import FigureScope, Period
from reports.figures.loyalty import loyalty_figures
from reports.services import facts_fill
from surveys import services as survey_services
from surveys.models import Questionnaire

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "surveys" / "data" / "questionnaire_templates.json"
LOYALTY = {"repurchase": "repurchase", "recommend": "recommend", "retention": "retention"}  # code: aspect


def _chinese(text: str) -> bool:
    return any("\u4e00" <= character <= "\u9fff" for character in text)


def test_the_seeded_standard_questionnaire_asks_the_three_loyalty_questions_in_both_languages():
    version = Questionnaire.objects.get(code="general-satisfaction").versions.get(number=1)
    loyal = {q.code: q for q in version.questions.exclude(loyalty_aspect="")}
    assert {code: q.loyalty_aspect for code, q in loyal.items()} == LOYALTY
    for question in loyal.values():
        assert question.dimension_id is None and question.kind in ("rating", "nps")  # outside the CSI
        with translation.override("en"):
            assert question.text and not _chinese(question.text)
        with translation.override("zh-hans"):
            assert _chinese(question.text), question.code
    with translation.override("zh-hans"):
        assert loyal["repurchase"].text == "您今后继续向我们采购的可能性有多大？"
        assert "竞争对手" in loyal["retention"].text
    with translation.override("en"):
        assert "competitor" in loyal["retention"].text
    # The template file itself says the same (what a new installation loads).
    template = next(t for t in json.loads(TEMPLATES.read_text(encoding="utf-8")) if t["code"] == "general-satisfaction")
    assert {q["code"]: q.get("loyalty_aspect") for q in template["questions"] if q.get("loyalty_aspect")} == LOYALTY
    assert [q.code for q in version.questions.order_by("position")] == [q["code"] for q in template["questions"]]


def test_the_demo_survey_answers_the_loyalty_questions():
    survey_services.answering_caches_clear()
    try:
        call_command("seed_demo", stdout=StringIO())
    finally:
        survey_services.answering_caches_clear()
    facts_fill(until=timezone.now())
    today = timezone.localdate()
    loyalty = loyalty_figures(period=Period(today - datetime.timedelta(days=60), today), scope=FigureScope.everyone())
    assert {a.aspect: a.mean.n for a in loyalty.aspects} == {"repurchase": 20, "recommend": 20, "retention": 20}
    assert loyalty.index.value is not None and loyalty.index.n == 20 and not loyalty.index.insufficient
