"""Business-time arithmetic for complaint SLAs. Pure: no database, no clock; the calendar is passed in.

A working day is Monday to Friday unless the calendar names it a holiday, or a weekend day the
calendar names a make-up working day (调休). Within a working day only the working windows count
(09:00-12:00 and 13:00-18:00 by default: eight hours).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

Window = tuple[datetime.time, datetime.time]
DEFAULT_WINDOWS: tuple[Window, ...] = (
    (datetime.time(9), datetime.time(12)),
    (datetime.time(13), datetime.time(18)),
)
# A safety bound for the day walk: no SLA spans more than ten calendar years.
MAX_DAYS = 3660


@dataclass(frozen=True)
class Schedule:
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    windows: tuple[Window, ...] = DEFAULT_WINDOWS
    holidays: frozenset[datetime.date] = frozenset()
    workdays: frozenset[datetime.date] = frozenset()

    @property
    def day_length(self) -> datetime.timedelta:
        return sum((_span(start, end) for start, end in self.windows), datetime.timedelta())

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def working_windows(self, day: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]]:
        if not self.is_working_day(day):
            return []
        return [
            (datetime.datetime.combine(day, start, self.timezone), datetime.datetime.combine(day, end, self.timezone))
            for start, end in self.windows
        ]


def _span(start: datetime.time, end: datetime.time) -> datetime.timedelta:
    return datetime.datetime.combine(datetime.date.min, end) - datetime.datetime.combine(datetime.date.min, start)


def business_add(start: datetime.datetime, duration: datetime.timedelta, schedule: Schedule) -> datetime.datetime:
    """The moment `duration` of working time after `start` (aware). A zero duration returns start."""
    if duration <= datetime.timedelta():
        return start
    remaining = duration
    local = start.astimezone(schedule.timezone)
    day = local.date()
    for _ in range(MAX_DAYS):
        for window_start, window_end in schedule.working_windows(day):
            begin = max(window_start, local)
            if window_end <= begin:
                continue
            available = window_end - begin
            if remaining <= available:
                return (begin + remaining).astimezone(start.tzinfo)
            remaining -= available
        day += datetime.timedelta(days=1)
    raise ValueError("The calendar has no working time within ten years.")


def business_between(start: datetime.datetime, end: datetime.datetime, schedule: Schedule) -> datetime.timedelta:
    """Working time from start to end (zero when end is not after start)."""
    if end <= start:
        return datetime.timedelta()
    total = datetime.timedelta()
    local_start = start.astimezone(schedule.timezone)
    local_end = end.astimezone(schedule.timezone)
    day = local_start.date()
    while day <= local_end.date():
        for window_start, window_end in schedule.working_windows(day):
            begin, finish = max(window_start, local_start), min(window_end, local_end)
            if finish > begin:
                total += finish - begin
        day += datetime.timedelta(days=1)
    return total


def due_dates(
    received_at: datetime.datetime, *, acknowledge_hours: int, resolve_days: int, schedule: Schedule
) -> tuple[datetime.datetime, datetime.datetime]:
    """(acknowledge by, resolve by) for a complaint received at `received_at`."""
    acknowledge = business_add(received_at, datetime.timedelta(hours=acknowledge_hours), schedule)
    resolve = business_add(received_at, schedule.day_length * resolve_days, schedule)
    return acknowledge, resolve


def due_after_pause(
    due: datetime.datetime, paused_at: datetime.datetime, resumed_at: datetime.datetime, schedule: Schedule
) -> datetime.datetime:
    """The clock stopped while waiting for the customer: the working time that was left at the pause
    is left again at the resume. A deadline already missed before the pause stays missed."""
    if due <= paused_at:
        return due
    return business_add(resumed_at, business_between(paused_at, due, schedule), schedule)
