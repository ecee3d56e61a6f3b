"""Quality objective pages: a manager creates, edits, retires and records a value by hand through the
services; auditors and staff read them and are refused every write."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import AuditEvent
from reports.models import Metric, ObjectiveResult, QualityObjective
from tests.reports.factories import QualityObjectiveFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("march_10")]

NEW = {
    "name_en": "Satisfaction rate at least 90 %",
    "name_zh": "满意率不低于 90%",
    "metric": "satisfaction_rate",
    "target": "90",
    "direction": "at_least",
    "period_kind": "quarter",
    "scope_field": "",
    "scope_value": "",
    "segment": "",
}


def test_a_manager_creates_an_objective_and_it_is_audited(manager_client, manager_user):
    response = manager_client.post(reverse("reports:objective_create"), NEW)
    objective = QualityObjective.objects.get()
    assert response.status_code == 302 and response.url == reverse("reports:objective_detail", args=[objective.pk])
    assert objective.owner == manager_user and objective.target == Decimal("90")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_id=str(objective.pk)).exists()
    listing = manager_client.get(reverse("reports:objective_list")).content.decode()
    assert "Satisfaction rate at least 90 %" in listing and 'data-status="no_data"' in listing


def test_a_manual_objective_refuses_a_scope(manager_client):
    data = {**NEW, "metric": "manual", "scope_field": "tier", "scope_value": "key"}
    response = manager_client.post(reverse("reports:objective_create"), data)
    assert response.status_code == 200 and not QualityObjective.objects.exists()
    assert "has no scope" in response.content.decode()


def test_a_manager_edits_and_retires_an_objective(manager_client):
    objective = QualityObjectiveFactory(metric=Metric.CSI, target=80)
    response = manager_client.post(reverse("reports:objective_update", args=[objective.pk]), {**NEW, "target": "85"})
    assert response.status_code == 302
    objective.refresh_from_db()
    assert objective.target == Decimal("85") and objective.metric == "satisfaction_rate"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, object_id=str(objective.pk)).exists()
    manager_client.post(reverse("reports:objective_retire", args=[objective.pk]))
    objective.refresh_from_db()
    assert not objective.is_active
    page = manager_client.get(reverse("reports:objective_detail", args=[objective.pk])).content.decode()
    assert "Retired" in page and reverse("reports:objective_update", args=[objective.pk]) not in page


def test_a_manager_records_a_value_by_hand_with_its_source(manager_client):
    objective = QualityObjectiveFactory(metric=Metric.MANUAL, target=95, name_en="Product pass rate")
    url = reverse("reports:objective_detail", args=[objective.pk])
    refused = manager_client.post(url, {"period_start": "2026-02-01", "actual": "96.5", "source": " "})
    assert refused.status_code == 200 and not ObjectiveResult.objects.exists()
    response = manager_client.post(
        url, {"period_start": "2026-02-01", "actual": "96.5", "source": "ERP quality report"}
    )
    assert response.status_code == 302
    result = ObjectiveResult.objects.get()
    assert result.actual == Decimal("96.50") and result.status == "met" and result.source == "ERP quality report"
    page = manager_client.get(url).content.decode()
    assert "ERP quality report" in page and "2026-02-01" in page


@pytest.mark.parametrize("client_name", ["auditor_client", "staff_client"])
def test_auditors_and_staff_read_but_cannot_write(request, client_name):
    client = request.getfixturevalue(client_name)
    objective = QualityObjectiveFactory(metric=Metric.MANUAL, target=95)
    listing = client.get(reverse("reports:objective_list"))
    assert listing.status_code == 200 and reverse("reports:objective_create") not in listing.content.decode()
    detail = client.get(reverse("reports:objective_detail", args=[objective.pk]))
    assert detail.status_code == 200 and '<form method="post"' not in detail.content.decode().split("<main")[1]
    assert client.get(reverse("reports:objective_create")).status_code == 403
    assert client.post(reverse("reports:objective_create"), NEW).status_code == 403
    assert client.post(reverse("reports:objective_update", args=[objective.pk]), NEW).status_code == 403
    assert client.post(reverse("reports:objective_retire", args=[objective.pk])).status_code == 403
    recorded = client.post(
        reverse("reports:objective_detail", args=[objective.pk]),
        {"period_start": "2026-02-01", "actual": "96", "source": "x"},
    )
    assert recorded.status_code == 403
    objective.refresh_from_db()
    assert objective.is_active and not ObjectiveResult.objects.exists() and QualityObjective.objects.count() == 1
