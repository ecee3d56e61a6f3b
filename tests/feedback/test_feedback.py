"""Feedback from the other sources of perception, and competitor / benchmark scores: who may write
what, what is audited, what the figures count."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from core.exceptions import ApplicationError
from core.models import AuditEvent
from customers.models import SatisfactionDimension
from feedback import selectors, services
from feedback.models import BenchmarkScore, FeedbackRecord, Sentiment, Source
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 10)


def _data(**overrides):
    return {
        "source": Source.WARRANTY_CLAIM,
        "received_on": DAY,
        "customer": None,
        "sentiment": Sentiment.NEGATIVE,
        "dimension": None,
        "summary": "Pump seal leaked after 3 months",
        "details": "",
        "reference": "WC-2026-0042",
        "amount": Decimal("12800.00"),
        **overrides,
    }


def test_staff_record_feedback_about_their_own_customer_and_it_is_audited(staff_user):
    customer = CustomerFactory(owner=staff_user)

    record = services.feedback_record_create(actor=staff_user, data=_data(customer=customer))

    assert record.recorded_by == staff_user and record.customer == customer
    event = AuditEvent.objects.for_object(record).get()
    assert event.action == AuditEvent.Action.CREATE and event.actor == staff_user
    assert event.changes["amount"] == [None, "12800.00"]


def test_staff_cannot_record_feedback_about_another_staff_members_customer(staff_user, other_staff_user):
    customer = CustomerFactory(owner=other_staff_user)

    with pytest.raises(ApplicationError):
        services.feedback_record_create(actor=staff_user, data=_data(customer=customer))
    assert not FeedbackRecord.objects.exists()


def test_staff_change_only_what_they_recorded_managers_change_anything(staff_user, other_staff_user, manager_user):
    record = services.feedback_record_create(actor=other_staff_user, data=_data())

    with pytest.raises(ApplicationError):
        services.feedback_record_update(actor=staff_user, record=record, data={"summary": "Rewritten"})
    services.feedback_record_update(actor=manager_user, record=record, data={"summary": "Seal leaked (confirmed)"})

    record.refresh_from_db()
    assert record.summary == "Seal leaked (confirmed)"
    update = AuditEvent.objects.for_object(record).get(action=AuditEvent.Action.UPDATE)
    assert update.changes == {"summary": ["Pump seal leaked after 3 months", "Seal leaked (confirmed)"]}


def test_auditor_writes_nothing(auditor_user):
    with pytest.raises(ApplicationError):
        services.feedback_record_create(actor=auditor_user, data=_data())
    with pytest.raises(ApplicationError):
        services.benchmark_score_create(
            actor=auditor_user,
            data={
                "competitor": "X",
                "is_benchmark": False,
                "period_end": DAY,
                "dimension": None,
                "score": 80,
                "source": "s",
            },
        )
    assert not FeedbackRecord.objects.exists() and not BenchmarkScore.objects.exists()


def test_a_negative_amount_is_refused_and_nothing_is_written(manager_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.feedback_record_create(actor=manager_user, data=_data(amount=Decimal("-1")))
    assert "amount" in error.value.message_dict
    assert not FeedbackRecord.objects.exists() and not AuditEvent.objects.exists()


def test_unknown_fields_are_refused(manager_user):
    with pytest.raises(ApplicationError):
        services.feedback_record_create(actor=manager_user, data=_data(recorded_by=manager_user))


def test_counts_by_source_and_sentiment_in_the_period_and_for_a_set_of_customers(manager_user):
    ours = CustomerFactory()
    theirs = CustomerFactory()
    create = services.feedback_record_create
    create(actor=manager_user, data=_data(customer=ours))  # claim 12,800
    create(actor=manager_user, data=_data(customer=ours, amount=Decimal("200.50")))  # claim 200.50
    create(actor=manager_user, data=_data(customer=theirs, source=Source.COMPLIMENT, sentiment="positive", amount=None))
    create(actor=manager_user, data=_data(received_on=DAY - datetime.timedelta(days=40)))  # before the period

    since, until = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)
    rows = selectors.feedback_counts(since=since, until=until)
    # Two claims (12,800 + 200.50 = 13,000.50) and one compliment; the October claim is outside.
    assert [(r["source"], r["sentiment"], r["n"], r["amount"]) for r in rows] == [
        ("compliment", "positive", 1, None),
        ("warranty_claim", "negative", 2, Decimal("13000.50")),
    ]
    only_ours = selectors.feedback_counts(since=since, until=until, customers=type(ours).objects.filter(pk=ours.pk))
    assert [(r["source"], r["n"]) for r in only_ours] == [("warranty_claim", 2)]
    assert selectors.feedback_counts(since=datetime.date(2025, 1, 1), until=datetime.date(2025, 1, 31)) == []


def test_the_latest_score_per_competitor_and_dimension_counts(manager_user):
    delivery = SatisfactionDimension.objects.create(code="delivery-x", name_en="Delivery", name_zh="交付")
    enter = services.benchmark_score_create
    base = {"is_benchmark": False, "source": "2026 market study"}
    enter(
        actor=manager_user,
        data={**base, "competitor": "Rival", "period_end": datetime.date(2025, 12, 31), "dimension": None, "score": 70},
    )
    enter(
        actor=manager_user,
        data={**base, "competitor": "Rival", "period_end": datetime.date(2026, 6, 30), "dimension": None, "score": 74},
    )
    enter(
        actor=manager_user,
        data={
            **base,
            "competitor": "Rival",
            "period_end": datetime.date(2026, 6, 30),
            "dimension": delivery,
            "score": 81,
        },
    )
    enter(
        actor=manager_user,
        data={**base, "competitor": "Rival", "period_end": datetime.date(2027, 1, 31), "dimension": None, "score": 90},
    )

    latest = selectors.benchmark_latest(until=datetime.date(2026, 12, 31))

    # Overall: the June 2026 score (74) replaces December 2025's; January 2027 is after `until`.
    assert [(s.competitor, s.dimension_id, s.score) for s in latest] == [
        ("Rival", None, Decimal("74.0")),
        ("Rival", delivery.pk, Decimal("81.0")),
    ]
    assert selectors.benchmark_latest(until=datetime.date(2020, 1, 1)) == []


def test_a_score_outside_0_100_is_refused(manager_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.benchmark_score_create(
            actor=manager_user,
            data={
                "competitor": "Rival",
                "is_benchmark": True,
                "period_end": DAY,
                "dimension": None,
                "score": 101,
                "source": "s",
            },
        )
    assert not BenchmarkScore.objects.exists()


# -- pages -------------------------------------------------------------------------------------------


def test_staff_record_feedback_through_the_page_by_customer_code(staff_client, staff_user):
    customer = CustomerFactory(owner=staff_user, code="C-0042")

    response = staff_client.post(
        reverse("feedback:create"),
        {
            "source": "compliment",
            "received_on": "2026-11-10",
            "customer": "C-0042",
            "sentiment": "positive",
            "summary": "Thanked the service engineer",
            "save": "1",
        },
    )

    assert response.status_code == 302
    record = FeedbackRecord.objects.get()
    assert record.customer == customer and record.recorded_by == staff_user
    page = staff_client.get(reverse("feedback:list"), {"source": "compliment"})
    assert "Thanked the service engineer" in page.content.decode()


def test_an_unknown_customer_code_is_a_form_error(staff_client):
    response = staff_client.post(
        reverse("feedback:create"),
        {
            "source": "compliment",
            "received_on": "2026-11-10",
            "customer": "NOPE",
            "sentiment": "positive",
            "summary": "x",
        },
    )
    assert response.status_code == 200
    assert "No customer has this code." in response.content.decode()
    assert not FeedbackRecord.objects.exists()


def test_auditor_reads_the_record_without_a_form(auditor_client, manager_user):
    record = services.feedback_record_create(actor=manager_user, data=_data())

    page = auditor_client.get(reverse("feedback:update", args=[record.pk]))

    assert page.status_code == 200
    body = page.content.decode()
    assert "You can read this record but not change it." in body and '<form method="post" class="card"' not in body
    assert auditor_client.post(reverse("feedback:delete", args=[record.pk])).status_code == 403
    assert FeedbackRecord.objects.filter(pk=record.pk).exists()


def test_managers_enter_benchmark_scores_on_the_page(manager_client):
    response = manager_client.post(
        reverse("feedback:benchmarks"),
        {
            "competitor": "Best-in-class Co",
            "is_benchmark": "on",
            "period_end": "2026-06-30",
            "score": "88.5",
            "source": "Industry CSI 2026",
        },
    )
    assert response.status_code == 302
    score = BenchmarkScore.objects.get()
    assert score.is_benchmark and score.score == Decimal("88.5") and score.dimension is None
