"""Browser journey: planning a visit by hand finds the customer with a search (not a select of every
customer), and the planned visit says it was planned by hand. In Chinese, on a phone."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import CustomerFactory, UserFactory
from visits.models import Visit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "pass-Word-123"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def test_staff_plans_a_visit_by_searching_the_customer(live_server, browser, screenshot):
    UserFactory(username="li", first_name="李娜", role="staff", preferred_language="zh-hans")
    CustomerFactory.create_batch(40)
    wanted = CustomerFactory(name="上海精工机械有限公司", code="K-001")
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "li")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".usermenu")).to_be_visible()

    page.goto(f"{live_server.url}/visits/new/")
    page.wait_for_load_state("load")  # htmx binds the search once the page has loaded
    assert page.locator("select[name=customer]").count() == 0
    page.fill("[data-testid=customer-search]", "精工")
    option = page.locator(f"label.customer-option[data-customer='{wanted.pk}']")
    expect(option).to_be_visible()
    expect(page.locator("label.customer-option")).to_have_count(1)
    option.click()
    page.fill("#id_due_date", (timezone.localdate() + datetime.timedelta(days=3)).isoformat())
    screenshot(page, "zh-phone-visit-plan-customer-search")
    page.click("form.narrow-form button[type=submit]")

    expect(page.locator("body")).to_contain_text("手动安排")
    visit = Visit.objects.get()
    assert visit.customer == wanted and visit.trigger == "manual"
    expect(page.locator("body")).not_to_contain_text("触发条件")  # no "trigger: on a schedule" beside it
    screenshot(page, "zh-phone-visit-planned-by-hand")
    context.close()
