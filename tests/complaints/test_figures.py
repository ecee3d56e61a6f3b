"""Report figures, aggregated in SQL, checked against a small known set of complaints."""

import datetime

import pytest
from django.utils import timezone

from complaints import figures, services
from complaints.models import Complaint, ComplaintCategory
from tests.complaints.factories import CorrectiveActionFactory, action_waiting_period_passed
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def dataset(staff_user, open_complaint, customer):
    """Four complaints and a compliment: two resolved (one late), one rejected, one open."""
    now = timezone.now()
    defect = ComplaintCategory.objects.get(code="product-defect")
    late = ComplaintCategory.objects.get(code="delivery-late")
    made = []
    for severity, category, channel in [
        ("high", defect, "hotline"),
        ("high", defect, "email"),
        ("low", late, "hotline"),
        ("critical", defect, "visit"),
    ]:
        made.append(open_complaint(severity=severity, category=category, channel=channel))
    open_complaint(kind="compliment", subject="Great service")
    first, second, third, _fourth = made
    for complaint in (first, second):
        for action in ("acknowledge", "assess"):
            services.complaint_transition(actor=staff_user, complaint=complaint, action=action)
        services.complaint_transition(actor=staff_user, complaint=complaint, action="resolve", resolution="Fixed.")
    services.complaint_transition(actor=staff_user, complaint=third, action="reject", reason="Not ours.")
    # Timings: the first resolved 2 hours after receipt (on time), the second 10 days late.
    Complaint.objects.filter(pk=first.pk).update(
        received_at=now - 10 * HOUR, acknowledged_at=now - 9 * HOUR, resolved_at=now - 8 * HOUR
    )
    Complaint.objects.filter(pk=second.pk).update(
        received_at=now - 300 * HOUR,
        acknowledged_at=now - 200 * HOUR,
        resolved_at=now,
        resolve_due_at=now - 100 * HOUR,
        acknowledge_due_at=now - 290 * HOUR,
    )
    services.complaint_transition(actor=staff_user, complaint=second, action="reopen", comment="Again.")
    services.root_cause_record(actor=staff_user, complaint=first, category="material", whys=["Seal supplier"])
    return made


def test_counts_by_category_severity_and_channel(dataset):
    assert figures.complaint_counts_by(grouping="category") == [("Product quality", 3), ("Delivery", 1)]
    assert dict(figures.complaint_counts_by(grouping="severity")) == {"high": 2, "low": 1, "critical": 1}
    assert dict(figures.complaint_counts_by(grouping="channel")) == {"hotline": 2, "email": 1, "visit": 1}
    assert dict(figures.complaint_counts_by(grouping="kind", kind=None)) == {"complaint": 4, "compliment": 1}


def test_categories_are_named_in_the_active_language(dataset):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert figures.complaint_counts_by(grouping="category") == [("产品质量", 3), ("交付", 1)]
        assert dict(figures.complaint_counts_by(grouping="subcategory")) == {"缺陷或故障": 3, "交付延迟": 1}
        assert str(ComplaintCategory.objects.get(code="delivery-late")) == "交付 / 交付延迟"
    # A category without a Chinese name keeps its name in both languages.
    ComplaintCategory.objects.filter(code="delivery-late").update(name_zh="")
    with translation.override("zh-hans"):
        assert dict(figures.complaint_counts_by(grouping="subcategory"))["Late delivery"] == 1
    assert str(ComplaintCategory.objects.get(code="delivery-late")) == "Delivery / Late delivery"


def test_counts_by_segment(dataset):
    SegmentFactory(name="General customers", criteria={"tier": "general"})
    SegmentFactory(name="Key customers", criteria={"tier": "key"})
    assert figures.complaint_counts_by_segment() == [("General customers", 4), ("Key customers", 0)]


def test_handling_on_time_and_reopen_rates(dataset):
    result = figures.complaint_handling_figures()
    # Handled: the first (resolved) and the third (rejected); the second was reopened.
    assert (result.received, result.handled, result.handling_rate) == (4, 2, 0.5)
    assert (result.resolved, result.resolved_on_time) == (1, 1)
    assert (result.acknowledged, result.acknowledged_on_time) == (2, 1)
    assert (result.reopened, result.reopen_rate) == (1, 0.5)


def test_rates_over_nothing_are_none(db):
    result = figures.complaint_handling_figures()
    assert result.handling_rate is None and result.resolve_on_time_rate is None


def test_times_mean_and_percentiles(dataset):
    acknowledge = figures.complaint_times(measure="acknowledge")
    assert acknowledge.count == 2
    assert acknowledge.p50 == HOUR and acknowledge.p95 == 100 * HOUR
    assert acknowledge.mean == datetime.timedelta(hours=50.5)


def test_pareto_by_category_and_root_cause(dataset):
    rows = figures.complaint_pareto(by="category")
    assert [(r.value, r.count, r.cumulative_share) for r in rows] == [
        ("Product quality", 3, 0.75),
        ("Delivery", 1, 1.0),
    ]
    assert [r.value for r in figures.complaint_pareto(by="root_cause")] == ["Material or supplier"]


def test_corrective_action_figures(staff_user, manager_user, complaint):
    today = timezone.localdate()
    CorrectiveActionFactory(complaint=complaint, owner=staff_user, due_date=today - datetime.timedelta(days=1))
    CorrectiveActionFactory(complaint=complaint, owner=staff_user, due_date=today + datetime.timedelta(days=1))
    done = CorrectiveActionFactory(complaint=complaint, owner=staff_user)
    services.corrective_action_complete(actor=staff_user, action=done)
    done = action_waiting_period_passed(done)
    services.corrective_action_verify(actor=manager_user, action=done, result="effective", evidence="ok")

    result = figures.corrective_action_figures(today=today)

    assert (result.open, result.overdue, result.verified, result.effectiveness_pass_rate) == (2, 1, 1, 1.0)


def test_figures_use_a_fixed_number_of_queries(dataset, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        figures.complaint_handling_figures()
    with django_assert_max_num_queries(1):
        figures.complaint_counts_by(grouping="category")
