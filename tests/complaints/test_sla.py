"""SLA arithmetic over business hours, weekends, holidays and make-up working days (pure, property-based)."""

import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.sla import Schedule, business_add, business_between, due_after_pause, due_dates

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026 National Day: 1-7 October off, Sunday 27 September and Saturday 10 October worked (调休).
NATIONAL_DAY = Schedule(
    holidays=frozenset(datetime.date(2026, 10, d) for d in range(1, 8)),
    workdays=frozenset({datetime.date(2026, 9, 27), datetime.date(2026, 10, 10)}),
)
HOUR = datetime.timedelta(hours=1)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


moments = st.datetimes(
    min_value=datetime.datetime(2026, 9, 1), max_value=datetime.datetime(2026, 12, 31), timezones=st.just(SHANGHAI)
)
durations = st.integers(min_value=0, max_value=40 * 8 * 60).map(lambda m: datetime.timedelta(minutes=m))


def test_two_working_hours_from_friday_afternoon_end_on_monday_morning():
    assert business_add(at(2026, 11, 20, 17, 0), 2 * HOUR, Schedule()) == at(2026, 11, 23, 10, 0)


def test_lunch_break_does_not_count():
    assert business_add(at(2026, 11, 16, 11, 0), 2 * HOUR, Schedule()) == at(2026, 11, 16, 14, 0)


def test_received_at_night_starts_counting_next_morning():
    assert business_add(at(2026, 11, 16, 22, 0), HOUR, Schedule()) == at(2026, 11, 17, 10, 0)


def test_holidays_are_skipped_and_make_up_days_count():
    # Wednesday 30 September 17:00 + 2 working hours: the holidays follow, Saturday 10 October is worked.
    assert business_add(at(2026, 9, 30, 17, 0), 2 * HOUR, NATIONAL_DAY) == at(2026, 10, 8, 10, 0)
    assert business_add(at(2026, 10, 9, 17, 0), 2 * HOUR, NATIONAL_DAY) == at(2026, 10, 10, 10, 0)
    assert business_between(at(2026, 10, 1), at(2026, 10, 8), NATIONAL_DAY) == datetime.timedelta()
    assert business_between(at(2026, 9, 27), at(2026, 9, 28), NATIONAL_DAY) == 8 * HOUR


def test_due_dates_by_policy():
    acknowledge, resolve = due_dates(at(2026, 11, 16, 9, 0), acknowledge_hours=2, resolve_days=5, schedule=Schedule())
    assert acknowledge == at(2026, 11, 16, 11, 0)
    assert resolve == at(2026, 11, 20, 18, 0)


@settings(max_examples=300, deadline=None)
@given(start=moments, duration=durations)
def test_adding_then_measuring_gives_the_duration_back(start, duration):
    end = business_add(start, duration, NATIONAL_DAY)
    assert end >= start
    assert business_between(start, end, NATIONAL_DAY) == duration


@settings(max_examples=300, deadline=None)
@given(start=moments, first=durations, second=durations)
def test_adding_is_monotonic_and_composes(start, first, second):
    assert business_add(start, min(first, second), NATIONAL_DAY) <= business_add(
        start, max(first, second), NATIONAL_DAY
    )
    assert business_add(business_add(start, first, NATIONAL_DAY), second, NATIONAL_DAY) == business_add(
        start, first + second, NATIONAL_DAY
    )


@settings(max_examples=300, deadline=None)
@given(start=moments, duration=durations.filter(bool))
def test_a_deadline_always_falls_inside_working_time_on_a_working_day(start, duration):
    end = business_add(start, duration, NATIONAL_DAY).astimezone(SHANGHAI)
    assert NATIONAL_DAY.is_working_day(end.date())
    assert any(a < end <= b for a, b in NATIONAL_DAY.working_windows(end.date()))


@settings(max_examples=200, deadline=None)
@given(start=moments, span=st.integers(min_value=0, max_value=60 * 24 * 30))
def test_holidays_and_weekends_never_count(start, span):
    end = start + datetime.timedelta(minutes=span)
    counted = business_between(start, end, NATIONAL_DAY)
    assert datetime.timedelta() <= counted <= end - start
    day = start.date()
    while day <= end.date():
        if not NATIONAL_DAY.is_working_day(day):
            whole_day = (
                at(day.year, day.month, day.day),
                at(day.year, day.month, day.day) + datetime.timedelta(days=1),
            )
            assert business_between(*whole_day, NATIONAL_DAY) == datetime.timedelta()
        day += datetime.timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(received=moments, pause=durations, wait=st.integers(min_value=0, max_value=60 * 24 * 20))
def test_the_clock_stops_while_waiting_for_the_customer(received, pause, wait):
    due = business_add(received, 5 * NATIONAL_DAY.day_length, NATIONAL_DAY)
    paused_at = received + pause
    resumed_at = paused_at + datetime.timedelta(minutes=wait)
    new_due = due_after_pause(due, paused_at, resumed_at, NATIONAL_DAY)
    if due <= paused_at:
        assert new_due == due  # already missed: waiting does not forgive it
    else:
        left_at_pause = business_between(paused_at, due, NATIONAL_DAY)
        assert business_between(resumed_at, new_due, NATIONAL_DAY) == left_at_pause
        assert new_due >= due
