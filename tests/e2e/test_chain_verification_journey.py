"""Browser journey of an auditor verifying the audit trail's hash chain: the page shows the last result
with its time and starts a verification that runs in a task. In English and in Chinese."""

import pytest
from playwright.sync_api import expect

from core.audit import audit_record
from core.audit_chain import audit_chain_seal
from core.models import AuditEvent
from tests.e2e.test_evidence_journeys import log_in
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_auditor_starts_a_verification_and_reads_its_result(live_server, page, screenshot, language):
    UserFactory(username="auditor", first_name="Audrey", role="auditor")
    manager = UserFactory(username="wang", role="manager")
    for number in range(3):
        audit_record(actor=manager, action=AuditEvent.Action.CREATE, instance=CustomerFactory(name=f"顾客 {number}"))
    audit_chain_seal(settle_seconds=0)
    log_in(page, live_server, "auditor")
    if language == "zh-hans":
        page.click("form.langswitch button")
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.goto(f"{live_server.url}/audit/verify/")
    card = page.locator("[data-testid=chain-verification]")
    expect(card).to_contain_text("尚未在本页校验过哈希链。" if language == "zh-hans" else "has not been verified")
    screenshot(page, f"{language}-chain-verification-empty")

    page.click("[data-testid=chain-verification-start] button[type=submit]")
    expect(card).to_contain_text("完好" if language == "zh-hans" else "Intact", timeout=30_000)
    expect(card).to_contain_text("Audrey")
    screenshot(page, f"{language}-chain-verification-done")
