"""Visit figures: aggregated in SQL, right numbers, managers and auditors only."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.services import complaint_open_from_visit_issue
from customers.models import SatisfactionDimension
from tests.factories import CustomerFactory, SegmentFactory
from tests.visits.factories import VisitFactory, VisitIssueFactory, VisitPlanFactory
from visits import selectors

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)
START, END = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)


def _done(**kwargs):
    return VisitFactory(
        status="done", visited_on=kwargs.pop("visited_on", TODAY), completed_at=timezone.now(), **kwargs
    )


@pytest.fixture
def world():
    key = SegmentFactory(name="Key customers")
    general = SegmentFactory(name="General customers")
    key_plan, general_plan = VisitPlanFactory(segment=key), VisitPlanFactory(segment=general)
    for plan, statuses in ((key_plan, ["done", "done", "planned", "cancelled"]), (general_plan, ["planned"])):
        for status in statuses:
            if status == "done":
                _done(plan=plan, due_date=datetime.date(2026, 11, 5))
            else:
                VisitFactory(plan=plan, status=status, due_date=datetime.date(2026, 11, 5))
    VisitFactory(plan=key_plan, due_date=datetime.date(2026, 10, 5))  # outside the period, and overdue
    return {"key": key, "general": general}


def test_coverage_by_segment_counts_planned_done_and_overdue_without_cancelled(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = selectors.visit_coverage_by_segment(start=START, end=END, today=TODAY)

    assert [(r["segment"], r["planned"], r["done"], r["overdue"], r["coverage"]) for r in rows] == [
        ("General customers", 1, 0, 1, 0.0),
        ("Key customers", 3, 2, 1, 66.7),
    ]


def test_overdue_visits_are_planned_ones_past_their_date(world):
    overdue = selectors.visits_overdue(today=TODAY)

    assert [v.due_date for v in overdue] == [datetime.date(2026, 10, 5)] + [datetime.date(2026, 11, 5)] * 2


def test_scores_by_dimension_average_in_sql(django_assert_num_queries):
    quality, delivery = SatisfactionDimension.objects.filter(is_active=True)[:2]
    for scores in ({quality: 5, delivery: 2}, {quality: 4}):
        visit = _done()
        for dimension, score in scores.items():
            visit.scores.create(dimension=dimension, score=score)
    _done(visited_on=datetime.date(2026, 1, 1)).scores.create(dimension=quality, score=1)  # outside

    with django_assert_num_queries(1):
        rows = selectors.visit_scores_by_dimension(start=START, end=END)

    summary = {r["dimension_id"]: (float(r["average"]), r["responses"], r["low"]) for r in rows}
    assert summary == {quality.pk: (4.5, 2, 0), delivery.pk: (2.0, 1, 1)}


def test_issues_raised_by_severity_and_how_many_became_complaints(staff_user):
    visit = _done(customer=CustomerFactory(owner=staff_user), assignee=staff_user)
    high = VisitIssueFactory(visit=visit, severity="high")
    VisitIssueFactory(visit=visit, severity="high")
    VisitIssueFactory(visit=visit, severity="low")
    complaint_open_from_visit_issue(actor=staff_user, issue=high)

    rows = {
        r["severity"]: (r["raised"], r["became_complaints"])
        for r in selectors.visit_issues_raised(start=START, end=END)
    }

    assert rows == {"high": (2, 1), "low": (1, 0)}


def test_figures_page_for_managers_and_auditors_not_staff(world, staff_client, manager_client, auditor_client):
    url = reverse("visits:figures")

    assert staff_client.get(url).status_code == 403
    assert auditor_client.get(url).status_code == 200
    page = manager_client.get(url, {"start": "2026-11-01", "end": "2026-11-30"})
    assert page.status_code == 200
    assert "Key customers" in page.content.decode()


def test_figures_page_accepts_bad_dates(manager_client):
    assert manager_client.get(reverse("visits:figures"), {"start": "yesterday", "end": "2026-02-30"}).status_code == 200
