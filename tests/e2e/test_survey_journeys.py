"""Browser journeys of the satisfaction survey: a customer answers on a phone, in Chinese."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from surveys import services
from surveys.models import Invitation, Questionnaire, Response
from tests.factories import SegmentFactory, UserFactory
from tests.surveys.factories import customers_with_contacts, token_of

# serialized_rollback: the roles, permissions and questionnaire templates come from data
# migrations, which a transactional test's flush would otherwise remove for the tests after it.
# The segment and the factories' customers, named in one language: data (tests/e2e/text_guard.py).
DATA = ["关键顾客", "Customer", "Contact", "wang"]  # wang: the owner to choose
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(autouse=True)
def _fresh_guess_counts():
    """The guessing limit lives in the cache, per address: other tests' forged links from
    127.0.0.1 (the access walk posts some) must not count against this journey."""
    from django.core.cache import cache

    from surveys.services import answering_caches_clear

    cache.clear()
    answering_caches_clear()  # flushed test databases reuse ids


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", **PHONE)
    yield context
    context.close()


def _invitation(settings):
    manager = UserFactory(username="wang", role="manager")
    customers_with_contacts(1, tier="key", language="zh-hans", name="上海精工机械有限公司")
    campaign = services.campaign_create(
        actor=manager,
        name="2026 年度顾客满意度调查",
        version=Questionnaire.objects.get(code="general-satisfaction").versions.get(number=1),
        segment=SegmentFactory(criteria={"tier": "key"}),
        closes_at=timezone.now() + datetime.timedelta(days=14),
    )
    services.campaign_send(actor=manager, campaign=campaign)
    return campaign.invitations.get()


def rate(page, code: str, value: int, importance: int | None = None) -> None:
    page.locator(f'#question-{code} label:has(input[name="q-{code}"][value="{value}"])').click()
    if importance is not None:
        page.locator(f'#question-{code} label:has(input[name="q-{code}-importance"][value="{importance}"])').click()


def wait_saved(page) -> None:
    expect(page.locator("form[data-autosave]")).to_have_attribute("data-saved", "1")


def test_customer_answers_on_a_phone_in_chinese_leaves_comes_back_and_finishes(
    live_server, phone, screenshot, settings
):
    invitation = _invitation(settings)
    link = f"{live_server.url}/surveys/r/{token_of(invitation)}/"

    page = phone.new_page()
    page.goto(link)
    expect(page.locator("h1")).to_have_text("顾客满意度调查")
    expect(page.locator("#question-quality legend")).to_contain_text("您对我们的产品质量是否满意？")
    expect(page.locator("#question-quality_why")).to_be_hidden()
    screenshot(page, "zh-survey-phone-start", allow=DATA)

    rate(page, "quality", 2, importance=5)
    expect(page.locator("#question-quality_why")).to_be_visible()  # a low score asks why
    page.fill("#question-quality_why textarea", "外壳有划痕")
    rate(page, "delivery", 4, importance=4)
    wait_saved(page)
    expect(page.locator("[data-answered]")).to_have_text("3")
    screenshot(page, "zh-survey-phone-partly-answered", allow=DATA)
    page.close()  # the customer leaves

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.STARTED
    assert invitation.draft["quality"] == 2 and invitation.draft["quality_why"] == "外壳有划痕"

    page = phone.new_page()  # later, the same link
    page.goto(link)
    expect(page.locator('#question-quality input[name="q-quality"][value="2"]')).to_be_checked()
    expect(page.locator("#question-quality_why textarea")).to_have_value("外壳有划痕")
    expect(page.locator("[data-answered]")).to_have_text("3")
    page.click("[data-testid=language-switch]")
    expect(page.locator("#question-quality legend")).to_contain_text(
        "How satisfied are you with the quality of our products?"
    )
    expect(page.locator('#question-delivery input[name="q-delivery"][value="4"]')).to_be_checked()
    page.click("[data-testid=language-switch]")
    expect(page.locator("#question-quality legend")).to_contain_text("您对我们的产品质量是否满意？")

    for code in ("price", "service_attitude", "response_speed", "after_sales"):
        rate(page, code, 4, importance=3)
    rate(page, "overall", 4)
    page.locator('#question-recommend label:has(input[value="8"])').click()
    page.locator('#question-channel label:has(input[value="wechat"])').click()
    page.fill("#question-comment textarea", "希望交货更快一些")
    screenshot(page, "zh-survey-phone-complete", allow=DATA)
    page.click("button.survey-submit")

    expect(page.locator("[data-testid=thanks]")).to_be_visible()
    screenshot(page, "zh-survey-phone-thanks", allow=DATA)
    response = Response.objects.get(invitation=invitation)
    assert response.language == "zh-hans" and response.nps_score == 8
    answers = {a.question.code: a for a in response.answers.select_related("question")}
    assert answers["quality"].score == 2 and answers["quality"].importance == 5
    assert answers["quality_why"].text == "外壳有划痕" and answers["channel"].choices == ["wechat"]

    page.goto(link)  # a second visit
    expect(page.locator("[data-testid=link-closed]")).to_be_visible()
    expect(page.locator("[data-testid=link-closed]")).to_contain_text(
        "已通过此链接完成作答"
    )  # the customer's language, Chinese
    screenshot(page, "zh-survey-phone-already-answered", allow=DATA)
    assert Response.objects.filter(invitation=invitation).count() == 1


def test_a_forged_link_shows_the_neutral_page_on_a_phone(live_server, phone, screenshot, settings):
    _invitation(settings)
    page = phone.new_page()

    response = page.goto(f"{live_server.url}/surveys/r/{'A' * 43}/")

    assert response.status == 404 and response.headers["referrer-policy"] == "no-referrer"
    expect(page.locator("[data-testid=link-closed]")).to_be_visible()
    screenshot(page, "zh-survey-phone-unusable-link", allow=DATA)


def _answered_campaign(settings):
    from django.http import QueryDict

    from tests.surveys.factories import full_answers

    manager = UserFactory(username="wang", role="manager", email="wang@example.com")
    customers_with_contacts(4, tier="key", language="zh-hans")
    campaign = services.campaign_create(
        actor=manager,
        name="2026 年度顾客满意度调查",
        version=Questionnaire.objects.get(code="general-satisfaction").versions.get(number=1),
        segment=SegmentFactory(name="关键顾客", criteria={"tier": "key"}),
        closes_at=timezone.now() + datetime.timedelta(days=14),
    )
    services.campaign_send(actor=manager, campaign=campaign)
    for score, invitation in zip((5, 4, 2), campaign.invitations.order_by("pk"), strict=False):
        query = QueryDict(mutable=True)
        for key, value in {**full_answers(score=score, recommend=score * 2), "q-comment": f"意见 {score}"}.items():
            query[key] = value
        services.response_submit(invitation=invitation, data=query, language="zh-hans")
    return campaign


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_manager_follows_results_and_the_method(live_server, page, screenshot, settings, language):
    from tests.e2e.test_customer_journeys import log_in

    campaign = _answered_campaign(settings)
    manager = campaign.created_by
    manager.preferred_language = language
    manager.save(update_fields=["preferred_language"])
    log_in(page, live_server, "wang")
    if language == "zh-hans":
        page.click("text=中文")

    page.click("nav.mainnav a[href='/surveys/']")
    expect(page.locator("table")).to_contain_text(campaign.name)
    screenshot(page, f"{language}-survey-campaign-list", allow=DATA)
    page.click(f"text={campaign.name}")
    expect(page.locator("[data-testid=completed]")).to_have_text("3")
    screenshot(page, f"{language}-survey-campaign-results", allow=DATA)
    page.goto(f"{live_server.url}/surveys/campaigns/{campaign.pk}/methodology/")
    screenshot(page, f"{language}-survey-methodology", allow=DATA)
    page.goto(f"{live_server.url}/surveys/questionnaires/{campaign.questionnaire_version.questionnaire_id}/")
    screenshot(page, f"{language}-survey-questionnaire", allow=DATA)
    page.goto(f"{live_server.url}/surveys/campaigns/{campaign.pk}/links/")
    expect(page.locator("[data-testid=link-card]")).to_have_count(1)  # three of four have answered
    screenshot(page, f"{language}-survey-printable-links", allow=DATA)
    page.goto(f"{live_server.url}/surveys/campaigns/new/")
    expect(page.locator("#id_trigger")).to_be_visible()
    screenshot(page, f"{language}-survey-campaign-form", allow=DATA)
    page.goto(f"{live_server.url}/surveys/plans/new/")
    expect(page.locator("#id_margin_of_error")).to_be_visible()
    screenshot(page, f"{language}-survey-plan-form", allow=DATA)


def test_manager_opens_a_kiosk_link_and_a_visitor_answers_it_once_on_a_phone(
    live_server, page, phone, screenshot, settings
):
    from tests.e2e.test_customer_journeys import log_in

    campaign = _answered_campaign(settings)
    log_in(page, live_server, "wang")
    page.goto(f"{live_server.url}{campaign.get_absolute_url()}")
    page.locator("[data-testid=open-link] button[type=submit]").click()
    section = page.locator("[data-testid=open-link]")
    expect(section.locator("svg")).to_be_visible()  # the QR code to print on a delivery note
    expect(section.locator("[data-testid=open-link-qr]")).to_have_attribute("href", re.compile(r"/qr\.svg$"))
    screenshot(page, "en-survey-open-link", allow=DATA)
    link = section.locator("a[href*='/surveys/o/']").get_attribute("href")

    visitor = phone.new_page()
    visitor.goto(link)
    expect(visitor.locator("h1")).to_have_text("顾客满意度调查")
    expect(visitor.locator(".survey-brand")).to_have_text("")  # anonymous: no customer named
    rate(visitor, "quality", 2, importance=5)
    expect(visitor.locator("#question-quality_why")).to_be_visible()  # a low score asks why, here too
    visitor.fill("#question-quality_why textarea", "包装破损")
    for code in ("delivery", "price", "service_attitude", "response_speed", "after_sales"):
        rate(visitor, code, 5, importance=4)
    rate(visitor, "overall", 4)
    expect(visitor.locator("[data-answered]")).to_have_text("8")  # the "why" counts too
    visitor.locator('#question-recommend label:has(input[name="q-recommend"][value="9"])').click()
    screenshot(visitor, "zh-survey-open-link-phone", allow=DATA)
    visitor.click("button.survey-submit")
    expect(visitor.locator("[data-testid=thanks]")).to_be_visible()
    visitor.goto(link)
    expect(visitor.locator("[data-testid=already-answered]")).to_be_visible()
    screenshot(visitor, "zh-survey-open-link-already-answered", allow=DATA)

    assert Response.objects.filter(campaign=campaign, is_open=True).count() == 1
    page.reload()
    expect(page.locator("[data-testid=completed]")).to_have_text("3")  # invitations; the open answer is extra
    expect(page.locator(".stat", has_text="Responses").locator(".stat-value")).to_have_text("4")
