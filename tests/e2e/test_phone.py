"""Staff pages on a 390 px phone: a real menu behind a disclosure button, the complaint queue and the
customer list without sideways scrolling of the page, no keyboard hints on a touch screen; and the
read-only page an auditor gets for a form opened by its address."""

import pytest
from playwright.sync_api import expect

from complaints import services
from tests.factories import ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "pass-Word-123"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
PAGE_OVERFLOW = "document.scrollingElement.scrollWidth - window.innerWidth"


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".usermenu")).to_be_visible()


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="en-GB", **PHONE)
    yield context
    context.close()


@pytest.fixture
def queue(db):
    staff = UserFactory(username="zhang", first_name="张伟", role="staff")
    for n in range(6):
        customer = CustomerFactory(
            code=f"K-{n:03d}",
            name=f"上海精工机械有限公司第{n}分公司（浦东新区张江高科技园区）",
            owner=staff,
            region="east",
            tier="key" if n % 2 else "general",
        )
        ContactFactory(customer=customer, name="李娜", email=f"li{n}@example.com")
        services.complaint_open(
            actor=staff,
            customer=customer,
            channel="hotline",
            subject="The pump delivered last week leaks at the shaft seal after two days of operation",
            description="Leaks.",
        )
    return staff


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_staff_menu_queue_and_customer_list_fit_a_phone(live_server, phone, queue, screenshot, language):
    phone.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = phone.new_page()
    log_in(page, live_server, "zhang")

    toggle = page.locator("[data-testid=nav-toggle]")
    links = page.locator("nav#mainnav a")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(links.first).to_be_hidden()
    assert page.evaluate(PAGE_OVERFLOW) <= 0
    screenshot(page, f"{language}-phone-home")

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert links.count() >= 6
    for n in range(links.count()):
        expect(links.nth(n)).to_be_in_viewport()
    screenshot(page, f"{language}-phone-menu-open")

    page.keyboard.press("Escape")  # closes it and gives the focus back to the button
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")  # a real button: the keyboard opens it too
    expect(toggle).to_have_attribute("aria-expanded", "true")

    page.locator("nav#mainnav a[href$='/complaints/']").click()
    expect(page.locator("#complaint-table")).to_contain_text("CMP-")
    assert page.evaluate(PAGE_OVERFLOW) <= 0, "the complaint queue scrolls the whole page sideways"
    expect(page.locator(".shortcuts")).to_be_hidden()  # no keyboard hints on a touch screen
    expect(page.locator("[data-shortcut=new] kbd")).to_be_hidden()
    # A full-page capture drops the touch emulation (the hints reappear in it); the viewport shows it.
    path = screenshot(page, f"{language}-phone-complaint-queue")
    page.screenshot(path=str(path.with_name(f"{path.stem}-viewport.png")))

    toggle.click()
    page.locator("nav#mainnav a[href$='/customers/']").click()
    expect(page.locator("#customer-table")).to_contain_text("K-005")
    assert page.evaluate(PAGE_OVERFLOW) <= 0, "the customer list scrolls the whole page sideways"
    screenshot(page, f"{language}-phone-customer-list")


def test_keyboard_hints_stay_on_a_desktop(live_server, page, queue):
    log_in(page, live_server, "zhang")

    expect(page.locator(".shortcuts")).to_be_visible()
    expect(page.locator("[data-testid=nav-toggle]")).to_be_hidden()
    expect(page.locator("nav#mainnav a").first).to_be_visible()


def test_an_auditor_opening_a_form_by_its_address_reads_why(live_server, page, screenshot):
    UserFactory(username="shen", role="auditor")
    log_in(page, live_server, "shen")

    response = page.goto(f"{live_server.url}/customers/new/")

    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Your role can read but not change this")
    expect(page.locator("form")).to_have_count(0)
    screenshot(page, "en-error-read-only")
    page.click("[data-testid=home-link]")
    expect(page.locator(".usermenu")).to_be_visible()

    page.click("text=中文")
    response = page.goto(f"{live_server.url}/customers/999999/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在")
    screenshot(page, "zh-error-not-found")
