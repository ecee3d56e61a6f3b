import pytest
from playwright.sync_api import expect

# serialized_rollback: the roles come from a data migration that the flush after this test would remove.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_login_page_shows_the_login_form(live_server, page, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")

    form = page.locator("form", has=page.locator("input[name=username]"))
    expect(form.locator("input[name=username]")).to_be_visible()
    expect(form.locator("input[name=password]")).to_be_visible()
    expect(form.locator("button[type=submit]")).to_be_visible()
    path = screenshot(page, "login-page")
    assert path.stat().st_size > 0
