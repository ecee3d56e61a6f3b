"""Cycle arithmetic: month ends, leap years, ISO weeks across New Year. Pure: no database."""

import datetime

import pytest

from visits.cadence import cycle_containing, cycles_to_schedule

D = datetime.date


@pytest.mark.parametrize(
    ("cadence", "day", "key", "start", "end"),
    [
        ("monthly", D(2026, 2, 14), "2026-02", D(2026, 2, 1), D(2026, 2, 28)),
        ("monthly", D(2028, 2, 29), "2028-02", D(2028, 2, 1), D(2028, 2, 29)),
        ("monthly", D(2026, 12, 31), "2026-12", D(2026, 12, 1), D(2026, 12, 31)),
        ("quarterly", D(2026, 11, 23), "2026-Q4", D(2026, 10, 1), D(2026, 12, 31)),
        ("quarterly", D(2026, 3, 31), "2026-Q1", D(2026, 1, 1), D(2026, 3, 31)),
        ("half_yearly", D(2026, 7, 1), "2026-H2", D(2026, 7, 1), D(2026, 12, 31)),
        ("yearly", D(2026, 6, 30), "2026", D(2026, 1, 1), D(2026, 12, 31)),
        # ISO weeks: 2026 has 53 weeks; 1 January 2027 (a Friday) still belongs to 2026-W53.
        ("weekly", D(2027, 1, 1), "2026-W53", D(2026, 12, 28), D(2027, 1, 3)),
        # 30 December 2024 (a Monday) starts 2025-W01.
        ("weekly", D(2024, 12, 30), "2025-W01", D(2024, 12, 30), D(2025, 1, 5)),
    ],
)
def test_cycle_containing_a_day(cadence, day, key, start, end):
    cycle = cycle_containing(cadence, day)

    assert (cycle.key, cycle.start, cycle.end) == (key, start, end)


@pytest.mark.parametrize(
    ("day_in_month", "anchor", "due"),
    [
        (D(2026, 2, 10), 31, D(2026, 2, 28)),  # day 31 of February is its last day
        (D(2028, 2, 10), 31, D(2028, 2, 29)),  # ... in a leap year the 29th
        (D(2028, 2, 10), 29, D(2028, 2, 29)),
        (D(2026, 2, 10), 29, D(2026, 2, 28)),
        (D(2026, 4, 10), 31, D(2026, 4, 30)),
        (D(2026, 1, 10), 31, D(2026, 1, 31)),
        (D(2026, 1, 10), 1, D(2026, 1, 1)),
    ],
)
def test_monthly_due_date_clamps_to_the_end_of_short_months(day_in_month, anchor, due):
    assert cycle_containing("monthly", day_in_month).due_date(anchor) == due


def test_quarterly_anchor_past_the_quarter_end_falls_on_its_last_day_in_leap_and_common_years():
    assert cycle_containing("quarterly", D(2026, 2, 1)).due_date(91) == D(2026, 3, 31)  # Q1 2026 has 90 days
    assert cycle_containing("quarterly", D(2028, 2, 1)).due_date(91) == D(2028, 3, 31)  # Q1 2028 has 91
    assert cycle_containing("quarterly", D(2028, 2, 1)).due_date(90) == D(2028, 3, 30)


def test_anchor_day_below_one_is_refused():
    with pytest.raises(ValueError):
        cycle_containing("monthly", D(2026, 1, 1)).due_date(0)


def test_unknown_cadence_is_refused():
    with pytest.raises(ValueError):
        cycle_containing("fortnightly", D(2026, 1, 1))


def test_cycles_to_schedule_adds_the_next_cycle_only_when_it_starts_within_the_horizon():
    assert [c.key for c in cycles_to_schedule("monthly", D(2026, 11, 16), 14)] == ["2026-11"]
    assert [c.key for c in cycles_to_schedule("monthly", D(2026, 11, 17), 14)] == ["2026-11", "2026-12"]
    assert [c.key for c in cycles_to_schedule("weekly", D(2026, 11, 23), 14)] == ["2026-W48", "2026-W49", "2026-W50"]


def test_cycles_to_schedule_never_returns_a_past_cycle():
    cycles = cycles_to_schedule("monthly", D(2026, 3, 1), 0)

    assert [c.key for c in cycles] == ["2026-03"]


def test_cycles_to_schedule_crosses_the_year_end():
    assert [c.key for c in cycles_to_schedule("quarterly", D(2026, 12, 20), 14)] == ["2026-Q4", "2027-Q1"]
