"""The evidence the pack takes from other apps: the audit chain's verification and head, and the
quality objectives' results of the period."""

import datetime
from decimal import Decimal

import pytest

from core.audit import audit_record
from core.audit_chain import audit_chain_seal
from core.models import AuditEvent
from evidence.sources import audit_chain_status, objectives_and_reports
from reports.models import ObjectiveResult, QualityObjective

pytestmark = pytest.mark.django_db


def test_without_a_sealed_entry_the_chain_is_not_available():
    status = audit_chain_status()
    assert status["available"] is False and status["head"] == ""


def test_a_sealed_trail_verifies_and_gives_its_head(manager_user):
    for n in range(3):
        audit_record(actor=manager_user, action=AuditEvent.Action.UPDATE, instance=manager_user, comment=f"e{n}")
    assert audit_chain_seal(settle_seconds=0) == 3

    status = audit_chain_status()

    assert status["available"] and status["verified"] is True
    assert status["head"].startswith("3:") and len(status["head"]) == 2 + 64


def test_objective_results_overlapping_the_period_are_listed(manager_user):
    objective = QualityObjective.objects.create(
        name_en="Satisfaction rate",
        metric="satisfaction_rate",
        target=Decimal("90"),
        period_kind="quarter",
        owner=manager_user,
    )
    ObjectiveResult.objects.create(
        objective=objective,
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 9, 30),
        actual=Decimal("92.5"),
        n=40,
        status="met",
        computed_at=datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC),
    )
    ObjectiveResult.objects.create(
        objective=objective,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 31),
        status="no_data",
        computed_at=datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC),
    )

    (item,) = objectives_and_reports(datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))

    assert item["kind"] == "objective" and item["met"] is True
    assert item["target"] == "≥ 90.00" or item["target"].startswith("≥ 90")
    assert item["result"].startswith("92.50")
