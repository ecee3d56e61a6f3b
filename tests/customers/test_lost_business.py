"""Lost-business analysis against small data sets worked out by hand."""

import datetime

import pytest
import time_machine

from customers import services
from customers.lost_business import churn_by, lost_by_reason
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NOVEMBER = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))


def _customer(manager, tier: str):
    with time_machine.travel(datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)):
        return services.customer_create(
            actor=manager,
            data={"code": f"C-{tier}-{CustomerFactory._meta.model.objects.count()}", "name": "X", "tier": tier},
        )


def _lose(manager, customer, on: datetime.datetime, category: str = "price"):
    with time_machine.travel(on):
        services.customer_change_lifecycle(
            actor=manager, customer=customer, to_state="lost", reason="r", reason_category=category
        )


def _win_back(manager, customer, on: datetime.datetime):
    with time_machine.travel(on):
        services.customer_change_lifecycle(actor=manager, customer=customer, to_state="current", reason="back")


def test_nothing_lost_is_empty_and_rates_are_none_without_customers(manager_user):
    assert lost_by_reason(since=NOVEMBER[0], until=NOVEMBER[1]) == []
    assert churn_by(field="tier", since=NOVEMBER[0], until=NOVEMBER[1]) == []


def test_churn_and_win_back_by_tier(manager_user):
    key = [_customer(manager_user, "key") for _ in range(4)]
    general = [_customer(manager_user, "general") for _ in range(2)]
    nov = datetime.datetime(2026, 11, 10, 9, tzinfo=datetime.UTC)
    oct_ = datetime.datetime(2026, 10, 10, 9, tzinfo=datetime.UTC)
    _lose(manager_user, key[0], nov, "price")  # lost in November
    _lose(manager_user, key[1], oct_, "quality")  # lost before November...
    _win_back(manager_user, key[1], nov + datetime.timedelta(days=2))  # ...won back in it
    _lose(manager_user, general[0], nov, "price")

    rows = {row["value"]: row for row in churn_by(field="tier", since=NOVEMBER[0], until=NOVEMBER[1])}

    # key: current on 1 Nov = 3 (key[1] was lost), lost in Nov = 1 -> churn 1/3;
    # could come back = lost at start (1) + lost in Nov (1) = 2, won back 1 -> 1/2.
    assert rows["key"]["current_at_start"] == 3 and rows["key"]["lost"] == 1 and rows["key"]["won_back"] == 1
    assert rows["key"]["churn_rate"] == pytest.approx(1 / 3)
    assert rows["key"]["win_back_rate"] == pytest.approx(1 / 2)
    # general: 2 current, 1 lost -> 50 %; nobody won back -> 0 of 1.
    assert rows["general"]["churn_rate"] == pytest.approx(0.5) and rows["general"]["win_back_rate"] == 0

    reasons = lost_by_reason(since=NOVEMBER[0], until=NOVEMBER[1])
    assert [(r["reason_category"], r["n"]) for r in reasons] == [("price", 2)]  # October's quality loss is outside


def test_a_customer_created_in_the_period_is_not_current_at_its_start(manager_user):
    with time_machine.travel(datetime.datetime(2026, 11, 3, 9, tzinfo=datetime.UTC)):
        services.customer_create(actor=manager_user, data={"code": "NEW-1", "name": "New", "tier": "key"})

    (row,) = churn_by(field="tier", since=NOVEMBER[0], until=NOVEMBER[1])

    assert row["current_at_start"] == 0 and row["churn_rate"] is None and row["win_back_rate"] is None
