"""Browser journey of the public complaint form on a phone, in Chinese and in English: a sender with
only a phone number (zh-hans) and one with only an e-mail (en) complain, see the thank-you page with
their private status link, and open it."""

import re

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint
from core.models import OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}

JOURNEYS = {
    "zh-hans": {
        "locale": "zh-CN",
        "title": "投诉、赞扬和建议",
        "fields": {"name": "陈先生", "phone": "138 0013 8000", "email": ""},
        "missing_contact": "请留下电子邮件或电话，以便我们答复您。",
        "thanks": "谢谢，我们已收到您的留言",
        "only_copy": "未留电子邮件时，这是唯一的副本",
        "status_heading": "您的投诉",
    },
    "en": {
        "locale": "en-GB",
        "title": "Complaints, compliments and suggestions",
        "fields": {"name": "Anna Berg", "phone": "", "email": "anna@nordic.example"},
        "missing_contact": "Give an e-mail address or a phone number, so that we can answer you.",
        "thanks": "Thank you, we have received your message",
        "only_copy": "We have also sent this link to your e-mail address.",
        "status_heading": "Your complaint",
    },
}


def no_page_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_customer_complains_from_a_phone_and_follows_the_status_link(live_server, browser, screenshot, language):
    journey = JOURNEYS[language]
    context = browser.new_context(locale=journey["locale"], **PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/complaints/web/")
    expect(page.locator("h1")).to_have_text(journey["title"])
    screenshot(page, f"public-complaint-form-{language}")

    # Neither phone nor e-mail: a clear message, nothing recorded, and it does not use up the limit.
    page.fill("#id_name", journey["fields"]["name"])
    page.fill("#id_subject", "水泵漏水" if language == "zh-hans" else "Pump leaks")
    page.fill("#id_description", "密封处漏水。" if language == "zh-hans" else "It leaks at the seal.")
    page.wait_for_timeout(3200)  # a person takes longer than the form's minimum fill time
    page.click("form.web-form button[type=submit]")
    expect(page.locator(".errorlist, .alert").first).to_contain_text(journey["missing_contact"])
    assert not Complaint.objects.exists()
    screenshot(page, f"public-complaint-form-missing-contact-{language}")

    if journey["fields"]["phone"]:
        page.fill("#id_phone", journey["fields"]["phone"])
    if journey["fields"]["email"]:
        page.fill("#id_email", journey["fields"]["email"])
    page.wait_for_timeout(3200)  # the form shown again starts a new fill time
    page.click("form.web-form button[type=submit]")

    thanks = page.locator('[data-testid="web-form-thanks"]')
    expect(thanks).to_contain_text(journey["thanks"])
    expect(thanks).to_contain_text(journey["only_copy"])
    complaint = Complaint.objects.get()
    expect(thanks).to_contain_text(complaint.reference)
    link = page.locator('[data-testid="status-link"]')
    expect(link).to_have_attribute("href", re.compile(r"/complaints/status/[^/]+/$"))
    assert no_page_overflow(page), "the status link must wrap on a phone"
    screenshot(page, f"public-complaint-thanks-{language}")

    sent = OutboxMessage.objects.filter(template="complaints/acknowledgement")
    assert sent.count() == (1 if journey["fields"]["email"] else 0)

    link.click()
    expect(page.locator("h1")).to_have_text(f"{journey['status_heading']} {complaint.reference}")
    assert no_page_overflow(page)
    screenshot(page, f"public-complaint-status-{language}")
    context.close()
