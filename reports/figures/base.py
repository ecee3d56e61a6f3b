"""What every figure is made of: a period, a scope and the figure itself (value, sample, parts)."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from customers.models import Customer, Segment
from customers.selectors import segment_customers

from ..models import CLASSIFICATION_FIELDS

# Below 5 answers one answer moves a rate by 20 points or more: the figure is still given, flagged
# `insufficient`, so a page says "too few answers" instead of showing a confident number.
MIN_SAMPLE = 5


class InvalidPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    """Local calendar days [since, until], both included."""

    since: datetime.date
    until: datetime.date

    def __post_init__(self):
        if self.since > self.until:
            raise InvalidPeriod("since must not be after until")

    @property
    def start(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.since, datetime.time.min))

    @property
    def end(self) -> datetime.datetime:
        """The first moment after the period (exclusive bound for datetimes)."""
        return timezone.make_aware(
            datetime.datetime.combine(self.until + datetime.timedelta(days=1), datetime.time.min)
        )

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def previous(self) -> Period:
        """The period of the same length just before; a whole month, quarter or year gives the previous
        whole month, quarter or year."""
        months = _whole_months(self)
        if months:
            since = add_months(self.since, -months)
            return Period(since, self.since - datetime.timedelta(days=1))
        return Period(self.since - datetime.timedelta(days=self.days), self.since - datetime.timedelta(days=1))

    def year_before(self) -> Period:
        return Period(_add_years(self.since, -1), _add_years(self.until, -1))

    def months(self) -> list[datetime.date]:
        """The first day of every month the period touches."""
        month = self.since.replace(day=1)
        result = []
        while month <= self.until:
            result.append(month)
            month = add_months(month, 1)
        return result


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1]))


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _whole_months(period: Period) -> int:
    """Number of months if the period is whole calendar months, else 0."""
    last = calendar.monthrange(period.until.year, period.until.month)[1]
    if period.since.day != 1 or period.until.day != last:
        return 0
    return (period.until.year - period.since.year) * 12 + period.until.month - period.since.month + 1


def month_period(day: datetime.date) -> Period:
    return Period(day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1]))


def quarter_period(day: datetime.date) -> Period:
    first_month = (day.month - 1) // 3 * 3 + 1
    start = day.replace(month=first_month, day=1)
    return Period(start, add_months(start, 3) - datetime.timedelta(days=1))


def year_period(day: datetime.date) -> Period:
    return Period(day.replace(month=1, day=1), day.replace(month=12, day=31))


@dataclass(frozen=True)
class FigureScope:
    """Whose figures: everyone, one customer classification value, or a saved segment.

    A classification scope reads the facts' classification columns (the customer's classification
    when the day was filled). A segment is a live filter (customers.selectors.segment_customers):
    survey figures for a segment read the responses of the customers it selects today."""

    field: str = ""
    value: str = ""
    segment: Segment | None = None

    def __post_init__(self):
        if self.field and self.field not in CLASSIFICATION_FIELDS:
            raise ValueError(f"unknown classification {self.field!r}")
        if bool(self.field) != bool(self.value):
            raise ValueError("a classification scope needs both field and value")
        if self.segment is not None and self.field:
            raise ValueError("a scope is a segment or a classification, not both")

    @classmethod
    def everyone(cls) -> FigureScope:
        return cls()

    @classmethod
    def classification(cls, field: str, value: str) -> FigureScope:
        return cls(field=field, value=value)

    @classmethod
    def of_segment(cls, segment: Segment) -> FigureScope:
        return cls(segment=segment)

    @property
    def is_everyone(self) -> bool:
        return not self.field and self.segment is None

    def customers(self) -> QuerySet[Customer] | None:
        """The customers in scope (a subquery), None for everyone. Raises InvalidCriteria for a
        segment whose stored criteria are no longer valid."""
        if self.segment is not None:
            return segment_customers(segment=self.segment)
        if self.field:
            return Customer.objects.filter(**{self.field: self.value})
        return None

    def customer_filter(self, path: str = "customer") -> Q:
        """A filter on a source table that has a customer foreign key at `path`."""
        if self.segment is not None:
            return Q(**{f"{path}__in": segment_customers(segment=self.segment).order_by().values("pk")})
        if self.field:
            return Q(**{f"{path}__{self.field}": self.value})
        return Q()


@dataclass(frozen=True)
class Figure:
    """One figure. `value` is None when there is nothing to divide by (a rate over nothing is not
    0 %). Units: percent (0–100), index (CSI 0–100), nps (−100..100), hours, count."""

    key: str
    value: float | None
    n: int
    unit: str
    numerator: float | None = None
    denominator: float | None = None
    insufficient: bool = False

    def as_dict(self) -> dict:
        return {
            "value": self.value,
            "n": self.n,
            "unit": self.unit,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "insufficient": self.insufficient,
        }


def ratio(
    key: str, numerator: float, denominator: float, *, unit: str = "percent", minimum: int = MIN_SAMPLE
) -> Figure:
    """numerator / denominator (× 100 for percent), the denominator being the sample size."""
    value = None
    if denominator:
        value = numerator / denominator * (100 if unit in ("percent", "nps") else 1)
    return Figure(
        key=key,
        value=value,
        n=int(denominator or 0),
        unit=unit,
        numerator=numerator,
        denominator=denominator,
        insufficient=(denominator or 0) < minimum,
    )


def count(key: str, value: int) -> Figure:
    """A count is not a sample: never insufficient."""
    return Figure(key=key, value=value, n=value, unit="count")
