"""Cycles of a visit plan: pure date arithmetic, no database.

A cycle is the period a plan visits each customer once in: an ISO week, a month, a quarter, a half
year or a year, in the plan's own time zone. Its key ("2026-W48", "2026-11", "2026-Q4", "2026-H2",
"2026") is what makes a scheduled visit unique per customer and plan.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

WEEKLY, MONTHLY, QUARTERLY, HALF_YEARLY, YEARLY = "weekly", "monthly", "quarterly", "half_yearly", "yearly"
_MONTHS_PER_CYCLE = {MONTHLY: 1, QUARTERLY: 3, HALF_YEARLY: 6, YEARLY: 12}


@dataclass(frozen=True, order=True)
class Cycle:
    start: datetime.date
    end: datetime.date  # inclusive
    key: str

    def due_date(self, anchor_day: int) -> datetime.date:
        """The anchor_day-th day of the cycle (1-based), or its last day if the cycle is shorter
        (day 31 of a monthly plan is 28 February in 2026)."""
        if anchor_day < 1:
            raise ValueError("anchor_day starts at 1")
        return min(self.start + datetime.timedelta(days=anchor_day - 1), self.end)


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.year * 12 + (day.month - 1) + months
    return datetime.date(month_index // 12, month_index % 12 + 1, 1)


def cycle_containing(cadence: str, day: datetime.date) -> Cycle:
    if cadence == WEEKLY:
        start = day - datetime.timedelta(days=day.weekday())
        iso_year, iso_week, _ = start.isocalendar()
        return Cycle(start, start + datetime.timedelta(days=6), f"{iso_year}-W{iso_week:02d}")
    if cadence not in _MONTHS_PER_CYCLE:
        raise ValueError(f"unknown cadence {cadence!r}")
    months = _MONTHS_PER_CYCLE[cadence]
    first_month = ((day.month - 1) // months) * months + 1
    start = datetime.date(day.year, first_month, 1)
    end = add_months(start, months) - datetime.timedelta(days=1)
    if cadence == MONTHLY:
        key = f"{day.year}-{first_month:02d}"
    elif cadence == QUARTERLY:
        key = f"{day.year}-Q{(first_month - 1) // 3 + 1}"
    elif cadence == HALF_YEARLY:
        key = f"{day.year}-H{(first_month - 1) // 6 + 1}"
    else:
        key = f"{day.year}"
    return Cycle(start, end, key)


def cycles_to_schedule(cadence: str, today: datetime.date, horizon_days: int) -> list[Cycle]:
    """The cycle containing today, and the following cycles that start within the horizon.

    Past cycles are never returned: a scheduler that was down for a week catches up on the
    current cycle once, instead of creating visits for periods that are already over.
    """
    cycles = [cycle_containing(cadence, today)]
    limit = today + datetime.timedelta(days=horizon_days)
    while True:
        following = cycle_containing(cadence, cycles[-1].end + datetime.timedelta(days=1))
        if following.start > limit:
            return cycles
        cycles.append(following)
