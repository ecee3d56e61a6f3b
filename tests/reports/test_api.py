"""API v1 of reports per role: figures (every role reads), objectives (managers write, auditors and
staff read), and clear 400s for bad periods."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from reports.models import Metric, ObjectiveResult, QualityObjective
from reports.services import facts_fill
from tests.factories import SegmentFactory
from tests.reports.factories import QualityObjectiveFactory, SurveyWorld, at

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def answered():
    world = SurveyWorld()
    with time_machine.travel(at(2026, 3, 10, 9), tick=True):
        world.respond(when=at(2026, 3, 2), scores={"quality": 5}, recommend=10)
        facts_fill(until=timezone.now())
    return world


def test_figures_with_sample_sizes_for_every_reading_role(answered, manager_user, staff_user, auditor_user):
    for user in (manager_user, staff_user, auditor_user):
        response = api(user).get(reverse("api:reports-figures"), {"since": "2026-03-01", "until": "2026-03-31"})
        assert response.status_code == 200, user
        body = response.json()
        # One response: quality 5 → CSI 100, satisfied 1/1, promoter → NPS 100; flagged (n 1 < 5).
        assert body["figures"]["csi"] == {
            "value": 100.0,
            "n": 1,
            "unit": "index",
            "numerator": 100.0,
            "denominator": 1.0,
            "insufficient": True,
        }
        assert body["figures"]["complaint_handling_rate"]["value"] is None
        assert body["minimum_sample"] == 5 and body["as_of"] is not None


def test_figures_for_a_segment_and_a_classification(answered, manager_user):
    segment = SegmentFactory(criteria={"region": ["north"]})
    client = api(manager_user)
    by_segment = client.get(
        reverse("api:reports-figures"), {"since": "2026-03-01", "until": "2026-03-31", "segment": segment.pk}
    ).json()
    assert (by_segment["segment"], by_segment["figures"]["csi"]["value"], by_segment["figures"]["csi"]["n"]) == (
        segment.pk,
        None,
        0,
    )
    by_tier = client.get(
        reverse("api:reports-figures"),
        {"since": "2026-03-01", "until": "2026-03-31", "scope_field": "tier", "scope_value": "general"},
    ).json()
    assert by_tier["figures"]["csi"]["value"] == 100.0


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-03-31", "until": "2026-03-01"},
        {"since": "2026-3-1x", "until": "2026-03-31"},
        {"until": "2026-03-31"},
        {"since": "2026-03-01", "until": "2026-03-31", "segment": 999999},
        {"since": "2026-03-01", "until": "2026-03-31", "scope_field": "tier"},
    ],
)
def test_bad_periods_and_scopes_are_a_clear_400(manager_user, params):
    response = api(manager_user).get(reverse("api:reports-figures"), params)
    assert response.status_code == 400
    assert response.json()["message"]


def test_figures_need_a_login(client):
    assert APIClient().get(
        reverse("api:reports-figures"), {"since": "2026-03-01", "until": "2026-03-31"}
    ).status_code in (401, 403)


def test_managers_write_objectives_auditors_and_staff_only_read(manager_user, staff_user, auditor_user):
    payload = {
        "name_en": "Complaint handling rate",
        "name_zh": "客户投诉处理率",
        "metric": "complaint_handling_rate",
        "target": "95.00",
        "direction": "at_least",
        "period_kind": "month",
    }
    url = reverse("api:qualityobjective-list")
    for user in (staff_user, auditor_user):
        assert api(user).post(url, payload, format="json").status_code == 403
        assert api(user).get(url).status_code == 200

    created = api(manager_user).post(url, payload, format="json")
    assert created.status_code == 201, created.json()
    objective = QualityObjective.objects.get(pk=created.json()["id"])
    assert objective.owner == manager_user

    detail = reverse("api:qualityobjective-detail", args=[objective.pk])
    assert api(auditor_user).patch(detail, {"target": "90"}, format="json").status_code == 403
    assert api(manager_user).patch(detail, {"target": "90"}, format="json").json()["target"] == "90.00"
    assert api(auditor_user).post(reverse("api:qualityobjective-retire", args=[objective.pk])).status_code == 403
    assert (
        api(manager_user).post(reverse("api:qualityobjective-retire", args=[objective.pk])).json()["is_active"] is False
    )


def test_an_invalid_objective_is_a_400(manager_user):
    response = api(manager_user).post(
        reverse("api:qualityobjective-list"),
        {"name_en": "x", "metric": "manual", "target": "1", "scope_field": "tier", "scope_value": "key"},
        format="json",
    )
    assert response.status_code == 400


def test_manual_results_by_managers_and_results_read_by_auditors(manager_user, auditor_user):
    objective = QualityObjectiveFactory(metric=Metric.MANUAL, target=Decimal("95"))
    url = reverse("api:qualityobjective-manual-result", args=[objective.pk])
    payload = {"period_start": "2026-02-01", "actual": "97.20", "source": "ERP contract report"}

    assert api(auditor_user).post(url, payload, format="json").status_code == 403
    with time_machine.travel(at(2026, 3, 10), tick=True):
        response = api(manager_user).post(url, payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "met"

    listed = api(auditor_user).get(reverse("api:objectiveresult-list"), {"objective": objective.pk}).json()
    assert [(r["period_start"], r["actual"], r["source"]) for r in listed["results"]] == [
        ("2026-02-01", "97.20", "ERP contract report")
    ]
    assert ObjectiveResult.objects.count() == 1
    assert datetime.date(2026, 2, 28).isoformat() == listed["results"][0]["period_end"]
