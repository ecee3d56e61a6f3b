"""Browser journey of a follow-up visit on a phone: open today's visit, record it, turn an issue
into a complaint. In English and in Chinese."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.models import Complaint
from customers.models import SatisfactionDimension
from tests.factories import ContactFactory, CustomerFactory, UserFactory
from tests.visits.factories import VisitFactory
from visits.models import Visit

# serialized_rollback: the roles, permissions and dimensions come from data migrations.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "pass-Word-123"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".usermenu")).to_be_visible()


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"


def test_staff_records_todays_visit_on_a_phone_and_turns_an_issue_into_a_complaint(
    live_server, page, screenshot, axe_every_page
):
    # What the staff member types in English is data on the Chinese copies of the pages.
    axe_every_page.allow(
        "Pallets arrive with torn wrapping",
        "Three times in October",
        "Reviewed deliveries of the quarter with the logistics manager.",
    )
    staff = UserFactory(username="li", first_name="Li Na", role="staff", preferred_language="en")
    customer = CustomerFactory(name="Harbour Logistics Ltd", owner=staff)
    ContactFactory(customer=customer, name="Chen Jie", is_primary=True)
    ContactFactory(customer=customer, name="Maria Rossi")
    visit = VisitFactory(customer=customer, assignee=staff, due_date=timezone.localdate(), purpose="satisfaction")
    dimensions = list(SatisfactionDimension.objects.filter(is_active=True)[:2])
    log_in(page, live_server, "li")

    page.click("[data-testid=nav-toggle]")  # on a phone the main menu folds behind its button
    page.click("nav.mainnav >> text=Visits")
    expect(page.locator("#today")).to_contain_text("Harbour Logistics Ltd")
    _no_horizontal_scroll(page)
    screenshot(page, "en-phone-my-visits")

    page.click("#today >> text=Harbour Logistics Ltd")
    expect(page.locator("[data-testid=visit-status]")).to_have_text("Planned")
    page.click("text=Record the visit")
    expect(page).to_have_url(re.compile(r"/visits/\d+/record/$"))
    page.check("label.check-row:has-text('Chen Jie') input")
    page.fill("#id_summary", "Reviewed deliveries of the quarter with the logistics manager.")
    for dimension, score in zip(dimensions, (4, 2), strict=True):
        page.click(
            f"fieldset.score-field:has(legend:text-is('{dimension.name_en}')) label.score-choice:has-text('{score}')"
        )
    page.fill("#id_issues-0-description", "Pallets arrive with torn wrapping\nThree times in October")
    page.select_option("#id_issues-0-severity", "high")
    page.fill("#id_next_steps", "Send photos to the warehouse team")
    _no_horizontal_scroll(page)
    screenshot(page, "en-phone-record-form")
    page.click("text=Save the visit")

    expect(page.locator(".alert-success")).to_contain_text("Visit recorded")
    expect(page.locator("[data-testid=visit-status]")).to_have_text("Done")
    expect(page.locator("#visit-issues")).to_contain_text("Pallets arrive with torn wrapping")
    visit.refresh_from_db()
    assert visit.status == Visit.Status.DONE
    assert dict(visit.scores.values_list("dimension_id", "score")) == {dimensions[0].pk: 4, dimensions[1].pk: 2}
    assert list(visit.contacts_met.values_list("name", flat=True)) == ["Chen Jie"]
    screenshot(page, "en-phone-visit-done")

    page.click("text=Turn into a complaint")
    complaint = Complaint.objects.get()
    assert complaint.customer == customer and complaint.source_visit_issue == visit.issues.get()
    assert complaint.subject == "Pallets arrive with torn wrapping"
    expect(page.locator(".alert-success").first).to_contain_text(complaint.reference)
    expect(page).to_have_url(f"{live_server.url}{complaint.get_absolute_url()}")
    screenshot(page, "en-phone-complaint-from-visit")

    page.goto(f"{live_server.url}{visit.get_absolute_url()}")
    expect(page.locator("[data-testid=complaint-reference]")).to_have_text(complaint.reference)


def test_the_phone_record_form_in_chinese(live_server, page, screenshot):
    staff = UserFactory(username="wang", first_name="王芳", role="staff", preferred_language="zh-hans")
    customer = CustomerFactory(name="上海精工机械有限公司", owner=staff)
    ContactFactory(customer=customer, name="陈杰")
    visit = VisitFactory(customer=customer, assignee=staff, due_date=timezone.localdate())
    log_in(page, live_server, "wang")
    page.goto(f"{live_server.url}/visits/")
    if page.locator("html").get_attribute("lang") != "zh-hans":
        page.click("text=中文")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#today")).to_contain_text("上海精工机械有限公司")
    screenshot(page, "zh-phone-my-visits")

    page.goto(f"{live_server.url}/visits/{visit.pk}/record/")
    # The date input holds today in ISO form whatever the language (a localised value would be dropped).
    expect(page.locator("#id_visited_on")).to_have_value(timezone.localdate().isoformat())
    _no_horizontal_scroll(page)
    screenshot(page, "zh-phone-record-form")
    page.click("form.record-form button[type=submit]")  # no summary: the form explains, nothing is saved
    expect(page.locator(".field.has-error #id_summary")).to_be_visible()
    screenshot(page, "zh-phone-record-form-errors")
    assert Visit.objects.get(pk=visit.pk).status == Visit.Status.PLANNED


def test_manager_creates_a_plan_and_reads_the_calendar_and_figures_on_a_desktop(live_server, browser, screenshot):
    import datetime

    from tests.factories import SegmentFactory

    UserFactory(username="zhao", role="manager", preferred_language="en")
    staff = UserFactory(username="sun", first_name="Sun Li", role="staff")
    SegmentFactory(name="Key customers", criteria={"tier": "key"})
    today = timezone.localdate()
    for n, offset in enumerate((-3, 0, 2, 9)):
        VisitFactory(
            customer=CustomerFactory(name=f"Key Customer {n}", tier="key", owner=staff),
            assignee=staff,
            due_date=today + datetime.timedelta(days=offset),
        )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server, "zhao")

    page.goto(f"{live_server.url}/visits/plans/new/")
    page.fill("#id_name", "Key customers every month")
    page.select_option("#id_segment", label="Key customers")
    page.select_option("#id_cadence", "monthly")
    page.fill("#id_anchor_day", "5")
    page.select_option("#id_assignment", "person")
    screenshot(page, "en-desktop-plan-form-error")
    page.click("form.card button[type=submit]")
    expect(page.locator(".field.has-error")).to_contain_text("Name the person who does these visits.")
    page.select_option("#id_assignee", label="Sun Li")
    page.click("form.card button[type=submit]")
    expect(page.locator("h1")).to_have_text("Key customers every month")
    screenshot(page, "en-desktop-plan-detail")

    page.goto(f"{live_server.url}/visits/calendar/?who=all")
    expect(page.locator("#visit-calendar")).to_contain_text("Key Customer 1")
    screenshot(page, "en-desktop-calendar")

    page.goto(f"{live_server.url}/visits/figures/")
    expect(page.locator("#stat-overdue")).to_have_text("1")
    screenshot(page, "en-desktop-figures")
    page.click("text=中文")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    screenshot(page, "zh-desktop-figures", allow=["Key Customer", "Sun Li"])
    context.close()
