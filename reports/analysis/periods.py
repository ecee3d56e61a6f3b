"""Report periods by their labels: "2026-11" (a month), "2026-Q4" (a quarter), "2026" (a year)."""

from __future__ import annotations

import datetime
import re

from reports.figures import InvalidPeriod, Period, month_period, quarter_period, year_period
from reports.models import PeriodKind

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def period_from_label(label: str) -> tuple[str, Period]:
    """(period kind, Period) of a label; raises InvalidPeriod for anything else."""
    label = (label or "").strip()
    if match := _MONTH.match(label):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise InvalidPeriod(f"no such month: {label}")
        return PeriodKind.MONTH, month_period(datetime.date(year, month, 1))
    if match := _QUARTER.match(label):
        return PeriodKind.QUARTER, quarter_period(datetime.date(int(match[1]), (int(match[2]) - 1) * 3 + 1, 1))
    if match := _YEAR.match(label):
        return PeriodKind.YEAR, year_period(datetime.date(int(match[1]), 1, 1))
    raise InvalidPeriod(f"not a period: {label!r} (2026-11, 2026-Q4 or 2026)")


def period_label(kind: str, period: Period) -> str:
    if kind == PeriodKind.MONTH:
        return f"{period.since:%Y-%m}"
    if kind == PeriodKind.QUARTER:
        return f"{period.since.year}-Q{(period.since.month - 1) // 3 + 1}"
    return f"{period.since.year}"


def period_of(kind: str, day: datetime.date) -> Period:
    return {PeriodKind.MONTH: month_period, PeriodKind.QUARTER: quarter_period, PeriodKind.YEAR: year_period}[kind](day)


def last_full_period(kind: str, today: datetime.date) -> Period:
    """The last whole month, quarter or year that ended before `today`."""
    return period_of(kind, period_of(kind, today).since - datetime.timedelta(days=1))
