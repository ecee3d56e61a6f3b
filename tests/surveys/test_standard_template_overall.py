"""The shipped standard questionnaire asks overall satisfaction (a rating tied to no dimension and no
loyalty aspect), so the key-driver analysis and the derived importance work out of the box; the demo
survey answers it; the method page describes it from the configuration."""

import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from reports.figures import FigureScope, Period
from reports.figures.drivers import key_driver_rows
from reports.key_drivers import key_drivers
from reports.services import facts_fill
from surveys import services as survey_services
from surveys.models import Campaign, Questionnaire

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "surveys" / "data" / "questionnaire_templates.json"


def test_the_seeded_standard_questionnaire_asks_overall_satisfaction_in_both_languages():
    version = Questionnaire.objects.get(code="general-satisfaction").versions.get(number=1)
    overall = version.questions.get(code="overall")
    assert overall.kind == "rating" and overall.dimension_id is None and overall.loyalty_aspect == ""
    assert overall.required and not overall.ask_importance and overall.scale_max == 5
    with translation.override("en"):
        assert overall.text == "Overall, how satisfied are you with us?"
    with translation.override("zh-hans"):
        assert overall.text == "总体而言，您对我们是否满意？"
    template = next(t for t in json.loads(TEMPLATES.read_text(encoding="utf-8")) if t["code"] == "general-satisfaction")
    assert [q.code for q in version.questions.order_by("position")] == [q["code"] for q in template["questions"]]


def _demo():
    survey_services.answering_caches_clear()
    try:
        call_command("seed_demo", stdout=StringIO())
    finally:
        survey_services.answering_caches_clear()


def test_the_demo_survey_answers_overall_satisfaction_so_key_drivers_are_fitted():
    _demo()
    facts_fill(until=timezone.now())
    today = timezone.localdate()
    found = key_driver_rows(period=Period(today - datetime.timedelta(days=60), today), scope=FigureScope.everyone())
    assert found.responses == 20 and found.with_overall == 20
    drivers = key_drivers(found.rows)
    assert drivers.n == 20 and len(drivers.frame) >= 1 and drivers.r_squared is not None
    # Twenty responses over six dimensions: the analysis must say the sample is small.
    assert drivers.warnings


def test_the_method_page_describes_overall_satisfaction_key_drivers_and_loyalty(manager_client):
    _demo()
    campaign = Campaign.objects.filter(questionnaire_version__questionnaire__code="general-satisfaction").first()
    url = reverse("surveys:campaign_methodology", args=[campaign.pk])
    page = manager_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Overall satisfaction: the mean of the 0–100 scores" in page and "<code>overall</code>" in page
    assert "Johnson" in page and "derived importance" in page
    assert "Loyalty index" in page and "<code>repurchase</code>" in page and "<code>retention</code>" in page
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = manager_client.get(url).content.decode()
    assert "关键驱动因素分析" in page and "忠诚度指数" in page and "Johnson 相对权重" in page
