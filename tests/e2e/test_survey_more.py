"""Browser journeys of the survey page's rough edges: the administrator names the organisation and
uploads its logo; a customer on a phone sees who is asking and the privacy notice, in Chinese and in
English; numbers follow the questions shown; an error goes away once its question is answered; the
closed link speaks the contact's language."""

import datetime
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from surveys import links, services
from surveys.models import Questionnaire
from tests.factories import SegmentFactory, UserFactory
from tests.surveys.factories import customers_with_contacts

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(autouse=True)
def _fresh_caches():
    from django.core.cache import cache

    from surveys import selectors
    from surveys.services import answering_caches_clear

    cache.clear()
    answering_caches_clear()
    selectors.page_settings_forget()


def _logo_png(path) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (120, 40), "#1b2733")
    ImageDraw.Draw(image).rectangle((8, 8, 32, 32), fill="#e8a33d")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())


def _campaign(language: str, tier: str):
    manager = UserFactory(username=f"li-{tier}", role="manager")
    customers_with_contacts(
        1, tier=tier, language=language, name="上海精工机械有限公司" if tier == "key" else "Nordic Pumps AB"
    )
    campaign = services.campaign_create(
        actor=manager,
        name=f"Survey {tier}",
        version=Questionnaire.objects.get(code="general-satisfaction").versions.get(number=1),
        segment=SegmentFactory(criteria={"tier": tier}),
        closes_at=timezone.now() + datetime.timedelta(days=14),
    )
    services.campaign_send(actor=manager, campaign=campaign)
    return campaign.invitations.get()


def _set_up_the_organisation(page, live_server, tmp_path, screenshot):
    from tests.e2e.test_customer_journeys import log_in

    UserFactory(username="admin-chen", role="admin")
    logo = tmp_path / "logo.png"
    _logo_png(logo)
    log_in(page, live_server, "admin-chen")
    page.goto(f"{live_server.url}/surveys/page-settings/")
    page.fill("#id_organisation_name_en", "Jinggong Machinery Co.")
    page.fill("#id_organisation_name_zh", "精工机械股份有限公司")
    page.set_input_files("#id_logo_file", str(logo))
    page.click("form.card button[type=submit]")
    expect(page.locator("[data-testid=current-logo]")).to_be_visible()
    screenshot(page, "en-survey-page-settings")


def _numbers(page) -> list[str]:
    return page.locator("fieldset.survey-question:visible .survey-number").all_inner_texts()


def test_a_chinese_customer_sees_who_asks_the_privacy_notice_numbers_and_errors_that_clear(
    live_server, page, browser, screenshot, settings, tmp_path
):
    settings.SURVEY_SEND_PAUSE_SECONDS = 0
    _set_up_the_organisation(page, live_server, tmp_path, screenshot)
    invitation = _campaign("zh-hans", "key")
    phone = browser.new_context(locale="zh-CN", **PHONE)
    customer = phone.new_page()

    customer.goto(links.invitation_link(invitation, base_url=live_server.url))
    organisation = customer.locator("[data-testid=survey-organisation]")
    expect(organisation).to_contain_text("精工机械股份有限公司")
    assert customer.locator(".survey-org-logo").evaluate("img => img.complete && img.naturalWidth > 0")
    expect(customer.locator("[data-testid=privacy-notice]")).to_contain_text(
        "精工机械股份有限公司仅将您的回答用于改进产品和服务"
    )
    numbers = _numbers(customer)
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)]  # the hidden "why" takes no number
    screenshot(customer, "zh-survey-phone-organisation-privacy")

    customer.locator('#question-quality label:has(input[name="q-quality"][value="1"])').click()
    expect(customer.locator("#question-quality_why")).to_be_visible()
    assert customer.locator("#question-quality_why .survey-number").inner_text() == "2"
    assert customer.locator("#question-delivery .survey-number").inner_text() == "3"

    customer.click("button.survey-submit")  # most required questions are still open
    expect(customer.locator("[data-error-summary]")).to_be_visible()
    expect(customer.locator("#question-delivery")).to_have_class("survey-question has-error")
    screenshot(customer, "zh-survey-phone-errors")
    customer.locator('#question-delivery label:has(input[name="q-delivery"][value="4"])').click()
    expect(customer.locator("#question-delivery .survey-error")).to_have_count(0)
    expect(customer.locator("#question-delivery")).to_have_class("survey-question")
    expect(customer.locator("#question-price .survey-error")).to_have_count(1)  # still unanswered
    screenshot(customer, "zh-survey-phone-error-cleared")
    phone.close()


def test_an_english_customer_sees_the_organisation_in_english_and_the_closed_link_in_english(
    live_server, page, browser, screenshot, settings, tmp_path
):
    settings.SURVEY_SEND_PAUSE_SECONDS = 0
    _set_up_the_organisation(page, live_server, tmp_path, screenshot)
    invitation = _campaign("en", "general")
    link = links.invitation_link(invitation, base_url=live_server.url)
    phone = browser.new_context(locale="zh-CN", **PHONE)  # a Chinese phone, an English contact
    customer = phone.new_page()

    customer.goto(link)
    expect(customer.locator("[data-testid=survey-organisation]")).to_contain_text("Jinggong Machinery Co.")
    expect(customer.locator("[data-testid=privacy-notice]")).to_contain_text(
        "Jinggong Machinery Co. uses your answers only to improve its products and services"
    )
    expect(customer.locator("h1")).to_have_text("Customer satisfaction survey")
    screenshot(customer, "en-survey-phone-organisation-privacy")

    for code in ("quality", "delivery", "price", "service_attitude", "response_speed", "after_sales"):
        customer.locator(f'#question-{code} label:has(input[name="q-{code}"][value="4"])').click()
        customer.locator(f'#question-{code} label:has(input[name="q-{code}-importance"][value="4"])').click()
    customer.locator('#question-overall label:has(input[name="q-overall"][value="4"])').click()
    customer.locator('#question-recommend label:has(input[name="q-recommend"][value="9"])').click()
    customer.click("button.survey-submit")
    expect(customer.locator("[data-testid=thanks]")).to_be_visible()
    expect(customer.locator("[data-testid=survey-organisation]")).to_contain_text("Jinggong Machinery Co.")

    customer.goto(link)  # the link again, once answered
    expect(customer.locator("[data-testid=link-closed] h1")).to_have_text("This survey link is closed")
    screenshot(customer, "en-survey-phone-closed-link")
    phone.close()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_manager_adds_reweights_and_retires_a_dimension(live_server, page, screenshot, language):
    from customers.models import SatisfactionDimension
    from tests.e2e.test_customer_journeys import log_in

    UserFactory(username="wang-dims", role="manager")
    log_in(page, live_server, "wang-dims")
    if language == "zh-hans":
        page.click("text=中文")
    page.goto(f"{live_server.url}/surveys/dimensions/")
    table = page.locator("[data-testid=dimension-table]")
    expect(table).to_contain_text("产品质量")

    page.click("[data-testid=dimension-add]")
    page.fill("#id_code", "documentation")
    page.fill("#id_name_en", "Technical documents")
    page.fill("#id_name_zh", "技术资料")
    page.fill("#id_weight", "0.8")
    screenshot(page, f"{language}-survey-dimension-form")
    page.click("form.card button[type=submit]")
    expect(table).to_contain_text("技术资料")

    row = table.locator("tr", has_text="documentation")
    row.locator("a.btn").click()
    page.fill("#id_weight", "1.4")
    page.click("form.card button[type=submit]")
    expect(table.locator("tr", has_text="documentation")).to_contain_text("1.40")
    table.locator("tr", has_text="documentation").locator("button").click()
    expect(table.locator("tr", has_text="documentation").locator(".badge")).to_be_visible()
    expect(page.locator("h1")).to_have_text("满意维度" if language == "zh-hans" else "Satisfaction dimensions")
    screenshot(page, f"{language}-survey-dimensions")
    dimension = SatisfactionDimension.objects.get(code="documentation")
    assert str(dimension.weight) == "1.40" and dimension.is_active is False
