"""Scheduling by plan: once per customer, plan and cycle under repeated, overlapping and catch-up
runs; cycles in the plan's own time zone; plan changes apply from the next cycle; event visits."""

import datetime
import zoneinfo

import pytest
import time_machine

from accounts.models import Team
from customers.services import customer_change_lifecycle
from tests.factories import CustomerFactory, SegmentFactory, UserFactory
from tests.visits.factories import VisitFactory, VisitPlanFactory
from visits import services
from visits.models import Trigger, Visit, VisitPlan

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC


def at(year, month, day, hour=9, tz=SHANGHAI):
    return datetime.datetime(year, month, day, hour, tzinfo=tz)


@pytest.fixture
def key_customers(staff_user):
    owner = staff_user
    customers = [CustomerFactory(tier="key", owner=owner) for _ in range(3)]
    CustomerFactory(tier="general")  # not in the segment
    return customers


@pytest.fixture
def monthly_plan(key_customers):
    return VisitPlanFactory(segment=SegmentFactory(criteria={"tier": "key"}), cadence="monthly", anchor_day=10)


def _keys():
    return sorted(Visit.objects.values_list("customer_id", "cycle"))


def test_schedule_creates_one_visit_per_customer_for_the_current_cycle(monthly_plan, key_customers, staff_user):
    with time_machine.travel(at(2026, 11, 3), tick=False):
        created = services.visits_schedule_due()

    visits = Visit.objects.order_by("customer_id")
    assert created == 3
    assert [(v.customer_id, v.cycle, v.due_date, v.assignee_id) for v in visits] == [
        (c.pk, "2026-11", datetime.date(2026, 11, 10), staff_user.pk) for c in key_customers
    ]


def test_running_twice_the_same_day_creates_nothing_more(monthly_plan):
    with time_machine.travel(at(2026, 11, 3), tick=False):
        first = services.visits_schedule_due()
        second = services.visits_schedule_due()

    assert (first, second) == (3, 0)
    assert Visit.objects.count() == 3


def test_overlapping_runs_are_stopped_by_the_unique_constraint(monthly_plan, key_customers):
    # Two workers both read "no visit yet" and insert the same batch: the second insert is a no-op.
    due = datetime.date(2026, 11, 10)
    first = services._create_cycle_visits(monthly_plan, "2026-11", due, key_customers)
    second = services._create_cycle_visits(monthly_plan, "2026-11", due, key_customers)

    assert (first, second) == (3, 0)
    assert Visit.objects.filter(plan=monthly_plan, cycle="2026-11").count() == 3


def test_a_scheduler_down_for_weeks_catches_up_the_current_cycle_once_and_skips_past_ones(monthly_plan):
    with time_machine.travel(at(2026, 9, 2), tick=False):
        services.visits_schedule_due()  # September, then the worker goes down
    with time_machine.travel(at(2026, 11, 12), tick=False):
        first = services.visits_schedule_due()
        second = services.visits_schedule_due()

    cycles = sorted(set(Visit.objects.values_list("cycle", flat=True)))
    assert cycles == ["2026-09", "2026-11"]  # no October visits made up after the fact
    assert (first, second) == (3, 0)
    # Created after its day in the cycle (the 10th), the visit is due today rather than overdue.
    assert set(Visit.objects.filter(cycle="2026-11").values_list("due_date", flat=True)) == {
        datetime.date(2026, 11, 12)
    }


def test_the_horizon_creates_the_next_cycle_ahead_once(monthly_plan):
    with time_machine.travel(at(2026, 11, 20), tick=False):
        assert services.visits_schedule_due() == 6  # November and December (starts within 14 days)
    with time_machine.travel(at(2026, 12, 2), tick=False):
        assert services.visits_schedule_due() == 0

    assert sorted(set(Visit.objects.values_list("cycle", "due_date"))) == [
        ("2026-11", datetime.date(2026, 11, 20)),
        ("2026-12", datetime.date(2026, 12, 10)),
    ]


def test_a_visit_of_another_plan_does_not_hide_a_customer_from_this_plan(monthly_plan, key_customers):
    other = VisitPlanFactory(segment=monthly_plan.segment, cadence="monthly")
    VisitFactory(customer=key_customers[0], plan=other, cycle="2026-12")
    VisitFactory(customer=key_customers[0], plan=monthly_plan, cycle="2026-10")

    with time_machine.travel(at(2026, 12, 1), tick=False):
        services.visits_schedule_plan(plan=monthly_plan)

    assert Visit.objects.filter(plan=monthly_plan, cycle="2026-12").count() == 3


def test_lost_customers_and_inactive_plans_get_no_scheduled_visits(monthly_plan, key_customers):
    CustomerFactory(tier="key", lifecycle="lost")
    VisitPlanFactory(segment=monthly_plan.segment, is_active=False)

    with time_machine.travel(at(2026, 11, 3), tick=False):
        services.visits_schedule_due()

    assert Visit.objects.count() == len(key_customers)


def test_new_customer_in_the_segment_gets_a_visit_in_the_running_cycle(monthly_plan):
    with time_machine.travel(at(2026, 11, 3), tick=False):
        services.visits_schedule_due()
    newcomer = CustomerFactory(tier="key")
    with time_machine.travel(at(2026, 11, 15), tick=False):
        assert services.visits_schedule_due() == 1

    assert Visit.objects.get(customer=newcomer).due_date == datetime.date(2026, 11, 15)


def test_cycles_follow_the_plan_time_zone_not_the_server(key_customers):
    segment = SegmentFactory(criteria={"tier": "key"})
    auckland = VisitPlanFactory(segment=segment, time_zone="Pacific/Auckland", horizon_days=0)
    los_angeles = VisitPlanFactory(segment=segment, time_zone="America/Los_Angeles", horizon_days=0)

    # 30 November 12:00 UTC: already 1 December in Auckland, still 30 November in Los Angeles.
    with time_machine.travel(datetime.datetime(2026, 11, 30, 12, tzinfo=UTC), tick=False):
        services.visits_schedule_due()

    assert set(Visit.objects.filter(plan=auckland).values_list("cycle", flat=True)) == {"2026-12"}
    assert set(Visit.objects.filter(plan=los_angeles).values_list("cycle", flat=True)) == {"2026-11"}


@pytest.mark.parametrize(
    ("instant", "cycle"),
    [
        # New York leaves daylight saving time on 1 November 2026 at 02:00 EDT (06:00 UTC).
        (datetime.datetime(2026, 11, 1, 3, 59, tzinfo=UTC), "2026-10"),  # 23:59 EDT, 31 October
        (datetime.datetime(2026, 11, 1, 4, 0, tzinfo=UTC), "2026-11"),  # 00:00 EDT, 1 November
        # New York enters daylight saving time on 8 March 2026; 1 April 00:00 EDT is 04:00 UTC.
        (datetime.datetime(2026, 4, 1, 3, 59, tzinfo=UTC), "2026-03"),
        (datetime.datetime(2026, 4, 1, 4, 0, tzinfo=UTC), "2026-04"),
        # In winter (EST, UTC-5) midnight is 05:00 UTC.
        (datetime.datetime(2026, 12, 1, 4, 59, tzinfo=UTC), "2026-11"),
        (datetime.datetime(2026, 12, 1, 5, 0, tzinfo=UTC), "2026-12"),
    ],
)
def test_cycle_boundaries_move_with_daylight_saving_time_in_the_plan_zone(key_customers, instant, cycle):
    plan = VisitPlanFactory(
        segment=SegmentFactory(criteria={"tier": "key"}), time_zone="America/New_York", horizon_days=0
    )

    with time_machine.travel(instant, tick=False):
        services.visits_schedule_plan(plan=plan)

    assert set(Visit.objects.filter(plan=plan).values_list("cycle", flat=True)) == {cycle}


def test_round_robin_shares_visits_in_turn_and_continues_next_run(key_customers):
    alice, bob = UserFactory(username="alice", role="staff"), UserFactory(username="bob", role="staff")
    team = Team.objects.create(name="East")
    team.members.add(alice, bob)
    plan = VisitPlanFactory(
        segment=SegmentFactory(criteria={"tier": "key"}), assignment="round_robin", team=team, horizon_days=0
    )

    with time_machine.travel(at(2026, 11, 3), tick=False):
        services.visits_schedule_due()
    with time_machine.travel(at(2026, 12, 3), tick=False):
        services.visits_schedule_due()

    november = list(Visit.objects.filter(cycle="2026-11").order_by("customer_id").values_list("assignee_id", flat=True))
    december = list(Visit.objects.filter(cycle="2026-12").order_by("customer_id").values_list("assignee_id", flat=True))
    assert november == [alice.pk, bob.pk, alice.pk]
    assert december == [bob.pk, alice.pk, bob.pk]
    assert VisitPlan.objects.get(pk=plan.pk).round_robin_position == 6


def test_a_plan_change_applies_from_the_next_cycle(monthly_plan, manager_user):
    with time_machine.travel(at(2026, 11, 3), tick=False):
        services.visits_schedule_due()
    with time_machine.travel(at(2026, 11, 12), tick=False):
        services.visit_plan_update(actor=manager_user, plan=monthly_plan, data={"cadence": "quarterly"})
        assert services.visits_schedule_due() == 0  # no 2026-Q4 visit on top of November's

    monthly_plan.refresh_from_db()
    assert monthly_plan.applies_from == datetime.date(2026, 12, 1)
    with time_machine.travel(at(2026, 12, 20), tick=False):
        assert services.visits_schedule_due() == 3

    assert sorted(set(Visit.objects.values_list("cycle", flat=True))) == ["2026-11", "2027-Q1"]


def test_renaming_a_plan_does_not_delay_it(monthly_plan, manager_user):
    with time_machine.travel(at(2026, 11, 3), tick=False):
        services.visit_plan_update(actor=manager_user, plan=monthly_plan, data={"name": "Key customers"})
        assert services.visits_schedule_due() == 3


def test_staff_cannot_create_or_change_plans(staff_user, monthly_plan):
    from core.exceptions import ApplicationError

    with pytest.raises(ApplicationError):
        services.visit_plan_update(actor=staff_user, plan=monthly_plan, data={"name": "Mine"})
    with pytest.raises(ApplicationError):
        services.visit_plan_create(actor=staff_user, data={"name": "Mine", "trigger": "customer_lost"})
    assert VisitPlan.objects.get(pk=monthly_plan.pk).name != "Mine"


# -- event-driven visits ----------------------------------------------------------------------------


def test_a_customer_marked_lost_gets_one_win_back_visit(staff_user):
    customer = CustomerFactory(owner=staff_user)

    with time_machine.travel(at(2026, 11, 3), tick=False):
        customer_change_lifecycle(
            actor=staff_user, customer=customer, to_state="lost", reason="Went to a competitor", reason_category="price"
        )

    visit = Visit.objects.get(customer=customer)
    assert (visit.trigger, visit.purpose, visit.assignee_id, visit.due_date) == (
        Trigger.CUSTOMER_LOST,
        "win_back",
        staff_user.pk,
        datetime.date(2026, 11, 17),  # the default plan: within 14 days
    )


def test_a_closed_complaint_gives_one_follow_up_visit_however_often_it_is_reported(staff_user):
    customer = CustomerFactory(owner=staff_user)

    with time_machine.travel(at(2026, 11, 3), tick=False):
        first = services.visit_schedule_for_event(
            customer=customer, trigger=Trigger.COMPLAINT_CLOSED, reference="complaint:42"
        )
        again = services.visit_schedule_for_event(
            customer=customer, trigger=Trigger.COMPLAINT_CLOSED, reference="complaint:42"
        )
        other = services.visit_schedule_for_event(
            customer=customer, trigger=Trigger.COMPLAINT_CLOSED, reference="complaint:43"
        )

    assert len(first) == 1 and again == [] and len(other) == 1
    assert first[0].due_date == datetime.date(2026, 11, 10)  # the default plan: within 7 days
    assert first[0].purpose == "complaint_follow_up" and first[0].channel == "phone"


def test_an_event_plan_with_a_segment_only_applies_to_its_customers(staff_user):
    VisitPlan.objects.filter(trigger=Trigger.LOW_SURVEY_SCORE).update(is_active=False)
    VisitPlanFactory(trigger=Trigger.LOW_SURVEY_SCORE, cadence="", segment=SegmentFactory(criteria={"tier": "key"}))
    key, general = CustomerFactory(tier="key"), CustomerFactory(tier="general")

    for customer in (key, general):
        services.visit_schedule_for_event(
            customer=customer, trigger=Trigger.LOW_SURVEY_SCORE, reference=f"survey_response:{customer.pk}"
        )

    assert list(Visit.objects.values_list("customer_id", flat=True)) == [key.pk]


def test_scheduled_trigger_is_not_an_event():
    with pytest.raises(ValueError):
        services.visit_schedule_for_event(customer=CustomerFactory(), trigger=Trigger.SCHEDULE, reference="x")


def test_each_scheduled_visit_gets_one_audit_event(monthly_plan):
    from core.models import AuditEvent

    with time_machine.travel(at(2026, 11, 3), tick=False):
        services.visits_schedule_due()
        services.visits_schedule_due()

    visit_ids = {str(pk) for pk in Visit.objects.values_list("pk", flat=True)}
    events = AuditEvent.objects.filter(object_id__in=visit_ids, action=AuditEvent.Action.CREATE)
    assert sorted(e.object_id for e in events) == sorted(visit_ids)
    assert all(e.actor_name == "system" and e.changes["cycle"] == [None, "2026-11"] for e in events)


def test_one_failing_plan_does_not_stop_the_others(monthly_plan, monkeypatch):
    broken = VisitPlanFactory(segment=monthly_plan.segment, name="AAA broken")
    real = services.visits_schedule_plan

    def schedule(*, plan, now=None):
        if plan.pk == broken.pk:
            raise RuntimeError("boom")
        return real(plan=plan, now=now)

    monkeypatch.setattr(services, "visits_schedule_plan", schedule)
    with time_machine.travel(at(2026, 11, 3), tick=False):
        assert services.visits_schedule_due() == 3

    assert set(Visit.objects.values_list("plan_id", flat=True)) == {monthly_plan.pk}
