"""Browser journey of a complaint: logged from the phone-call screen, escalated after the SLA passes,
resolved with a corrective action, and followed by the customer on their private status page."""

import datetime
import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Team
from complaints import services
from complaints.models import Complaint
from tests.factories import ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "pass-Word-123"
# What the staff typed, in English: data on the Chinese pages (tests/e2e/text_guard.py).
TYPED = [
    "Pump leaks at the shaft seal",
    "Delivered last week; leaks after two days of operation.",
    "Replace the pump",
    "Change seal supplier; inspect batch B-2026-11.",
    "Pump replaced on site; seal supplier changed.",
    "Nordic Pumps AB",
]


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".usermenu")).to_be_visible()


def test_complaint_from_phone_call_to_escalation_resolution_and_status_link(live_server, browser, screenshot):
    staff = UserFactory(username="zhang", first_name="张伟", role="staff")
    manager = UserFactory(username="wang", first_name="王芳", role="manager")
    team = Team.objects.create(name="售后服务部", manager=manager)
    team.members.add(staff)
    customer = CustomerFactory(code="K-001", name="上海精工机械有限公司", tier="key", owner=staff, phone="021-6688")
    ContactFactory(customer=customer, name="李娜", email="li.na@example.com", preferred_language="zh-hans")
    CustomerFactory(code="G-002", name="Nordic Pumps AB")

    # -- staff takes the call ----------------------------------------------------------------------
    staff_page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(staff_page, live_server, "zhang")
    staff_page.click("nav.mainnav >> text=Complaints")
    expect(staff_page.locator("h1")).to_have_text("Complaints")
    staff_page.wait_for_load_state("load")  # the keyboard shortcuts are bound by a deferred script
    staff_page.keyboard.press("n")
    expect(staff_page).to_have_url(re.compile(r"/complaints/new/$"))
    expect(staff_page.locator("#customer-search")).to_be_focused()
    # The search is bound by htmx once the page has loaded: typing earlier (a loaded machine) searches
    # nothing, and the results never come.
    staff_page.wait_for_load_state("load")
    staff_page.keyboard.type("精工")
    expect(staff_page.locator(".customer-result")).to_have_count(1, timeout=15_000)
    # Each keystroke searches; let the last answer land before moving into the list, or it replaces
    # the list (and the focus) under the keyboard.
    staff_page.wait_for_load_state("networkidle")
    expect(staff_page.locator("#customer-results .htmx-request, #customer-search.htmx-request")).to_have_count(0)
    staff_page.keyboard.press("ArrowDown")
    expect(staff_page.locator(".customer-result").first).to_be_focused()
    staff_page.keyboard.press("Enter")
    expect(staff_page.locator("[data-testid=chosen-customer]")).to_have_text("上海精工机械有限公司")
    expect(staff_page.locator("#id_subject")).to_be_focused()
    expect(staff_page.locator("#id_contact")).to_contain_text("李娜")
    staff_page.keyboard.type("Pump leaks at the shaft seal")
    staff_page.select_option("#id_category", label="Defect or failure")
    staff_page.select_option("#id_severity", "high")
    staff_page.fill("#id_description", "Delivered last week; leaks after two days of operation.")
    staff_page.fill("#id_desired_remedy", "Replace the pump")
    staff_page.fill("#id_product_reference", "P-100")
    staff_page.fill("#id_batch_reference", "B-2026-11")
    screenshot(staff_page, "en-complaint-intake")
    staff_page.keyboard.press("Control+Enter")

    expect(staff_page.locator("[data-testid=reference]")).to_have_text(re.compile(r"CMP-\d{4}-\d{6}"))
    expect(staff_page.locator("[data-testid=state]")).to_have_text("Received")
    complaint = Complaint.objects.get()
    assert complaint.customer == customer and complaint.contact.name == "李娜" and complaint.resolve_due_at

    staff_page.select_option("#id_assignee", label="张伟")
    staff_page.select_option("#id_team", label="售后服务部")
    staff_page.click("text=Save assignment")
    staff_page.click("[data-step=acknowledge]")
    expect(staff_page.locator("[data-testid=state]")).to_have_text("Acknowledged")
    (acknowledgement,) = mail.outbox
    assert acknowledgement.to == ["li.na@example.com"]
    status_path = re.search(r"(/complaints/status/[^/\s]+/)", acknowledgement.body).group(1)
    screenshot(staff_page, "en-complaint-detail")

    # -- the SLA passes (time travel): the sweep escalates to the manager ----------------------------
    complaint.refresh_from_db()
    assert services.complaint_escalations_run(now=complaint.resolve_due_at + datetime.timedelta(hours=1)) >= 2

    manager_page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(manager_page, live_server, "wang")
    manager_page.goto(f"{live_server.url}/complaints/?queue=escalated&open=true")
    expect(manager_page.locator("#complaint-table")).to_contain_text(complaint.reference)
    manager_page.click(f"text={complaint.reference}")
    expect(manager_page.locator("[data-testid=escalated]")).to_be_visible()
    expect(manager_page.locator("#escalations")).to_contain_text("Resolution overdue: tell the department manager")
    manager_page.click("text=中文")
    expect(manager_page.locator("h1")).to_contain_text(complaint.reference)
    screenshot(manager_page, "zh-complaint-escalated-detail", allow=TYPED)
    manager_page.goto(f"{live_server.url}/complaints/?open=true")
    screenshot(manager_page, "zh-complaint-list", allow=TYPED)

    # -- staff investigates, takes a corrective action and resolves ---------------------------------
    staff_page.reload()
    staff_page.click("[data-step=assess]")
    staff_page.click("[data-step=investigate]")
    expect(staff_page.locator("[data-testid=state]")).to_have_text("Investigating")
    staff_page.click("#add-action summary")
    staff_page.fill("#add-action textarea[name=description]", "Change seal supplier; inspect batch B-2026-11.")
    staff_page.fill("#add-action input[name=due_date]", "2026-12-31")
    staff_page.click("#add-action button[type=submit]")
    expect(staff_page.locator("#actions-table")).to_contain_text("Change seal supplier")
    staff_page.click("[data-action-done]")
    expect(staff_page.locator("#actions-table")).to_contain_text("Done")
    staff_page.click("[data-step-toggle=step-resolve]")
    staff_page.fill("#step-resolve textarea[name=resolution]", "Pump replaced on site; seal supplier changed.")
    staff_page.click("#step-resolve button[type=submit]")
    expect(staff_page.locator("[data-testid=state]")).to_have_text("Resolved")
    screenshot(staff_page, "en-complaint-resolved")

    # -- the customer follows the link from the acknowledgement, on a phone --------------------------
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(live_server.url + status_path)
    expect(phone.locator("[data-testid=status-resolution]")).to_have_text(
        "Pump replaced on site; seal supplier changed."
    )
    expect(phone.locator("body")).not_to_contain_text("Change seal supplier")  # internal: not shown
    screenshot(phone, "zh-complaint-status-mobile", allow=TYPED)
    phone.goto(live_server.url + "/complaints/status/forged-token/")
    expect(phone.locator("[data-testid=status-unknown]")).to_be_visible()
    # -- the manager prints the 8D report for the customer, in Chinese ---------------------------------
    manager_page.goto(f"{live_server.url}/complaints/{complaint.pk}/8d/?language=zh-hans")
    expect(manager_page.locator(".eight-d")).to_contain_text("Change seal supplier")
    screenshot(manager_page, "zh-complaint-8d", allow=TYPED)
    with manager_page.expect_download() as download:
        manager_page.click("[data-testid=pdf]")
    assert download.value.suggested_filename == f"8D-{complaint.reference}-zh-hans.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    for page in (staff_page, manager_page, phone):
        page.close()
