"""A manager erases a contact on her request, in Chinese: from the customer page's Privacy requests,
through the confirmation with a typed reason, to the pseudonym on every page."""

import pytest
from playwright.sync_api import expect

from complaints import services as complaint_services
from customers.models import Contact
from privacy.models import SubjectRequest
from tests.factories import ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "pass-Word-123"


def test_manager_erases_a_contact_in_chinese(live_server, page, screenshot, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the organisation's language: the pseudonym is stored in it
    manager = UserFactory(username="wang", first_name="王经理", role="manager", preferred_language="zh-hans")
    customer = CustomerFactory(code="K-001", name="上海精工机械有限公司")
    li_na = ContactFactory(customer=customer, name="李娜", phone="13800138000", email="li.na@example.com")
    complaint = complaint_services.complaint_open(
        actor=manager, customer=customer, contact=li_na, channel="hotline",
        subject="泵漏水", description="李娜来电：泵在密封处漏水，回电 13800138000。",
    )  # fmt: skip

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".usermenu")).to_be_visible()
    page.click("text=中文")

    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    page.click("[data-testid=privacy-requests] >> text=打开个人信息请求")
    expect(page.locator("h1")).to_have_text("个人信息请求")
    page.click(f"[data-testid=privacy-contact-{li_na.pk}] >> text=删除")

    expect(page.locator("h1")).to_have_text("删除 李娜 的个人信息？")
    expect(page.locator("[data-testid=erase-form]")).to_contain_text(f"已删除联系人 #{li_na.pk}")
    page.fill("#id_reason", "李娜 12 月 1 日来电要求删除其个人信息")
    page.check("#id_confirm")
    screenshot(page, "zh-privacy-erase-confirm")
    page.click("[data-testid=erase-form] button[type=submit]")

    expect(page.locator(".alert-success")).to_contain_text(f"已删除：相关记录现显示为 已删除联系人 #{li_na.pk}。")
    expect(page.locator(f"[data-testid=privacy-contact-{li_na.pk}]")).to_contain_text("已删除")
    screenshot(page, "zh-privacy-erased")
    contact = Contact.objects.get(pk=li_na.pk)
    assert (contact.name, contact.phone, contact.email) == (f"已删除联系人 #{li_na.pk}", "", "")
    complaint.refresh_from_db()
    assert complaint.description == f"已删除联系人 #{li_na.pk}来电：泵在密封处漏水，回电 [已删除]。"
    request = SubjectRequest.objects.get(kind="erase")
    assert request.handled_by == manager and "来电要求删除" in request.reason

    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    expect(page.locator("body")).to_contain_text(f"已删除联系人 #{li_na.pk}")
