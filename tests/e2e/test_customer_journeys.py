"""Browser journeys of the customer master, in English and in Chinese."""

import re

import pytest
from playwright.sync_api import expect

from customers import services
from customers.models import Customer, Segment
from tests.factories import CustomerFactory, UserFactory

# serialized_rollback: the roles and their permissions come from data migrations, which a
# transactional test's flush would otherwise remove for the tests after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "pass-Word-123"


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".usermenu")).to_be_visible()


def test_staff_creates_a_customer_filters_the_list_and_switches_to_chinese(live_server, page, screenshot):
    staff = UserFactory(username="zhang", first_name="张伟", role="staff")
    CustomerFactory(code="K-001", name="上海精工机械有限公司", tier="key", region="east", owner=staff)
    CustomerFactory(code="G-001", name="Nordic Pumps AB", tier="general", region="overseas")
    log_in(page, live_server, "zhang")

    page.goto(f"{live_server.url}/customers/")
    page.keyboard.press("n")  # the keyboard shortcut for a new customer
    expect(page).to_have_url(re.compile(r"/customers/new/$"))
    page.fill("#id_code", "NEW-100")
    page.fill("#id_name", "杭州远大新能源有限公司")
    page.select_option("#id_lifecycle", "potential")
    page.select_option("#id_potential_source", "competitor")
    page.select_option("#id_region", "east")
    page.select_option("#id_industry", "energy")
    page.fill("#id_tags", "展会, 竞品用户")
    screenshot(page, "en-customer-create")
    page.click("form.card button[type=submit]")

    expect(page.locator("h1")).to_have_text("杭州远大新能源有限公司")
    expect(page.locator("[data-testid=lifecycle]")).to_have_text("Potential customer")
    expect(page.locator(".alert-success")).to_contain_text("created")
    customer = Customer.objects.get(code="NEW-100")
    assert customer.owner == staff and customer.potential_source == "competitor"
    assert sorted(customer.tags.values_list("name", flat=True)) == ["展会", "竞品用户"]
    screenshot(page, "en-customer-detail")

    page.click("nav.mainnav >> text=Customers")
    expect(page.locator("[data-testid=result-count]")).to_have_text("3 customers")
    page.select_option("#id_region", "east")
    expect(page.locator("[data-testid=result-count]")).to_have_text("2 customers")
    page.select_option("#id_tier", "key")
    expect(page.locator("[data-testid=result-count]")).to_have_text("1 customer")
    expect(page.locator("#customer-table")).to_contain_text("上海精工机械有限公司")
    assert "tier=key" in page.url  # the filtered list has its own address, to share or bookmark
    screenshot(page, "en-customer-list-filtered")

    page.click("text=中文")
    expect(page.locator("h1")).to_have_text("顾客")
    expect(page.locator("[data-testid=result-count]")).to_contain_text("1 位顾客")
    expect(page.locator("#customer-table")).to_contain_text("关键顾客")
    expect(page.locator("label[for=id_tier]")).to_have_text("关键/一般")
    screenshot(page, "zh-customer-list-filtered")

    page.fill("[data-search]", "远大")
    page.select_option("#id_region", [])
    page.select_option("#id_tier", "")
    expect(page.locator("#customer-table")).to_contain_text("杭州远大新能源有限公司")
    expect(page.locator("[data-testid=result-count]")).to_contain_text("1 位顾客")


def test_manager_saves_a_segment_with_a_live_count_in_chinese(live_server, page, screenshot):
    UserFactory(username="wang", role="manager", preferred_language="zh-hans")
    for n in range(3):
        CustomerFactory(scope="external", chain_position="end", tier="key", region="east")
    CustomerFactory(scope="external", chain_position="end", tier="key", region="north")
    CustomerFactory(scope="internal", tier="general", region="east")
    log_in(page, live_server, "wang")
    page.click("text=中文")

    page.goto(f"{live_server.url}/customers/segments/new/")
    expect(page.locator("h1")).to_have_text("新建分组")
    page.fill("#id_name", "华东关键外部最终顾客")
    page.select_option("#id_scope", "external")
    page.select_option("#id_tier", "key")
    expect(page.locator("[data-testid=segment-count]")).to_have_text("4")
    page.select_option("#id_region", ["east"])
    expect(page.locator("[data-testid=segment-count]")).to_have_text("3")
    screenshot(page, "zh-segment-form", allow=["wang"])  # the account managers to filter by
    page.click("#segment-form button[type=submit]")

    expect(page.locator("[data-testid=segment-total]")).to_have_text("3")
    segment = Segment.objects.get(name="华东关键外部最终顾客")
    assert segment.criteria == {"scope": "external", "tier": "key", "region": ["east"]}
    expect(page.locator(".chips")).to_contain_text("区域: 华东")
    screenshot(page, "zh-segment-detail", allow=["Customer"])  # the factory names its customers


def test_auditor_reads_a_customer_and_is_offered_no_change(live_server, page, screenshot):
    UserFactory(username="liu", role="auditor")
    manager = UserFactory(username="wang", role="manager")
    customer = services.customer_create(actor=manager, data={"code": "W-1", "name": "武汉博远电子科技股份有限公司"})
    services.contact_create(actor=manager, customer=customer, data={"name": "陈静", "survey_consent": True})
    log_in(page, live_server, "liu")

    page.goto(f"{live_server.url}/customers/")
    expect(page.locator(".readonly-banner")).to_be_visible()
    expect(page.locator("[data-shortcut=new]")).to_have_count(0)
    expect(page.locator("[data-export=csv]")).to_be_visible()
    page.click(f"text={customer.name}")
    expect(page.locator("h1")).to_have_text(customer.name)
    expect(page.locator("text=Edit")).to_have_count(0)
    expect(page.locator("text=Change lifecycle")).to_have_count(0)
    expect(page.locator("#audit-history")).to_contain_text("陈静")
    screenshot(page, "en-auditor-customer-detail")


def test_manager_imports_a_gbk_file_that_detection_read_as_utf8_by_choosing_gbk(
    live_server, page, screenshot, settings, tmp_path
):
    """A GBK file whose bytes happen to be valid UTF-8: the preview shows it read as UTF-8 and garbled,
    the manager chooses GB18030 (GBK), sees the names right, and imports them. In Chinese."""
    from tests.customers.importing.uploads import csv_bytes, gbk_text_valid_as_utf8

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    UserFactory(username="wang", role="manager", preferred_language="zh-hans")
    name = "业院" + gbk_text_valid_as_utf8(4)
    content = csv_bytes([["GBK-1", name, "east"]], header=["code", "name", "region"], encoding="gbk")
    garbled = content.decode("utf-8").splitlines()[1].split(",")[1]
    file = tmp_path / "客户.csv"
    file.write_bytes(content)
    log_in(page, live_server, "wang")
    page.click("text=中文")

    page.goto(f"{live_server.url}/customers/import/")
    page.set_input_files("#id_file", str(file))
    page.click("form[enctype] button[type=submit]")

    # Checked by the task (eagerly here) once the upload committed; the page polls until then.
    expect(page.locator("#import-reading")).to_contain_text("文本按 UTF-8 读取")
    expect(page.locator("#import-status table")).to_contain_text(garbled)
    screenshot(page, "zh-import-read-as-utf8", allow=["GBK-1", "east", "code", "name", "region", garbled])
    page.click("text=改按 GB18030 (GBK) 读取")

    expect(page.locator("#import-reading")).to_contain_text("文本按 GB18030 (GBK) 读取")
    expect(page.locator("#import-status table")).to_contain_text(name)
    expect(page.locator("#import-reading")).to_contain_text("改按 UTF-8 读取")
    screenshot(page, "zh-import-read-as-gbk", allow=["GBK-1", "east", "code", "name", "region"])
    page.click("text=确认导入")

    expect(page.locator("#import-status .alert-success")).to_be_visible()
    assert Customer.objects.get(code="GBK-1").name == name
    expect(page.locator("#import-reading button")).to_have_count(0)  # no other reading once imported
