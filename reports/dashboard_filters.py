"""The dashboard's filters (period, comparison, scope, breakdown) and what every chart on it is made
of: formatted numbers, table cells and drill-down links to the records behind a row."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from customers.models import ChainPosition, Lifecycle, Region, Scope, Segment, Tier

from . import key_drivers
from .figures import FigureScope, Period, month_period, quarter_period, satisfaction_by_dimension, year_period
from .figures.drivers import key_driver_rows

CACHE_SECONDS = 60 * 60
CLASSIFICATION_CHOICES = {
    "scope": (_("Internal/external"), Scope.choices),
    "chain_position": (_("Intermediate/end"), ChainPosition.choices),
    "lifecycle": (_("Lifecycle"), Lifecycle.choices),
    "tier": (_("Key/general"), Tier.choices),
    "region": (_("Region"), Region.choices),
}
PERIOD_OF = {"month": month_period, "quarter": quarter_period, "year": year_period}


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year")), ("custom", _("Custom"))],
        initial="quarter",
        required=False,
    )
    day = forms.DateField(
        label=_("Containing"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("A day in the month, quarter or year (default: today)."),
    )
    since = forms.DateField(label=_("Since"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    comparison = forms.ChoiceField(
        label=_("Compare with"),
        choices=[("previous", _("Previous period")), ("year_before", _("Same period last year"))],
        initial="previous",
        required=False,
    )
    scope = forms.ChoiceField(label=_("Customers"), required=False)
    by = forms.ChoiceField(
        label=_("Breakdown by"),
        choices=[(key, label) for key, (label, _choices) in CLASSIFICATION_CHOICES.items()],
        initial="tier",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices: list[Any] = [("", _("All customers"))]
        segments = [
            (f"segment:{pk}", name)
            for pk, name in Segment.objects.order_by("name_sort", "name").values_list("pk", "name")
        ]
        if segments:
            choices.append((_("Saved segments"), segments))
        for field, (label, values) in CLASSIFICATION_CHOICES.items():
            choices.append((label, [(f"{field}:{value}", text) for value, text in values]))
        self.fields["scope"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            if not data.get("since") or not data.get("until"):
                raise forms.ValidationError(_("A custom period needs both since and until."))
            if data["since"] > data["until"]:
                raise forms.ValidationError(_("Since must not be after until."))
        return data


@dataclass(frozen=True)
class Filters:
    period: Period
    comparison: str
    scope: FigureScope
    scope_key: str
    by: str

    def cache_key(self, as_of) -> str:
        raw = json.dumps(
            [str(self.period.since), str(self.period.until), self.scope_key, self.by, str(as_of), get_language()]
        )
        return "dashboard-charts:" + hashlib.sha256(raw.encode()).hexdigest()

    def scope_query(self) -> dict[str, str]:
        """The scope as response-list parameters (for drill-down links)."""
        if self.scope.segment is not None:
            return {"segment": str(self.scope.segment.pk)}
        if self.scope.field:
            return {"field": self.scope.field, "value": self.scope.value}
        return {}


def filters_from(form: DashboardFilterForm, today: datetime.date) -> Filters:
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    kind = data.get("period") or "quarter"
    if kind == "custom":
        period = Period(data["since"], data["until"])
    else:
        period = PERIOD_OF[kind](data.get("day") or today)
    scope_key = data.get("scope") or ""
    scope = FigureScope.everyone()
    if scope_key.startswith("segment:"):
        segment = Segment.objects.filter(pk=scope_key.split(":", 1)[1]).first()
        scope = FigureScope.of_segment(segment) if segment else scope
    elif ":" in scope_key:
        field, value = scope_key.split(":", 1)
        scope = FigureScope.classification(field, value)
    return Filters(period, data.get("comparison") or "previous", scope, scope_key, data.get("by") or "tier")


# -- headline cards ------------------------------------------------------------------------------------


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "percent":
        return f"{value:.1f} %"
    if unit == "nps":
        return f"{value:+.0f}"
    if unit == "hours":
        return gettext("%(hours)s h") % {"hours": f"{value:.1f}"}
    if unit == "count":
        return f"{value:.0f}"
    return f"{value:.1f}"


def format_change(change: float | None, unit: str) -> str:
    if change is None:
        return "—"
    if unit == "percent":
        return gettext("%(change)s pp") % {"change": f"{change:+.1f}"}
    if unit in ("count", "nps"):
        return f"{change:+.0f}"
    return f"{change:+.1f}"


def responses_url(filters: Filters, since: datetime.date, until: datetime.date, **extra) -> str:
    query = {"since": since.isoformat(), "until": until.isoformat(), **filters.scope_query(), **extra}
    return reverse("reports:responses") + "?" + urlencode(query)


def records_url(name: str, filters: Filters, since: datetime.date, until: datetime.date, **extra) -> str:
    """A drill-down page of reports (reports:<name>) for the period and the dashboard's scope."""
    query = {"since": since.isoformat(), "until": until.isoformat(), **filters.scope_query(), **extra}
    return reverse(f"reports:{name}") + "?" + urlencode(query)


def cell(value: Any, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.{decimals}f}"
    return str(value)


@dataclass(frozen=True)
class ChartFigure:
    """What a chart's SVG is drawn from: the name of a builder in reports.charts, its frame and its
    keyword arguments. Plain and picklable, so it is cached with the chart's numbers and the chart's
    own request draws it without reading the database again."""

    builder: str
    frame: Any  # a pandas DataFrame from reports.frames
    options: dict = dataclasses.field(default_factory=dict)


def chart_entry(key: str, title: str, figure: ChartFigure, header: list[str], rows: list[dict]) -> dict:
    """A chart: what its SVG is drawn from and its numbers, rows being {"cells": [...], "url": drill-down
    or ""}. The page shows the numbers; the SVG comes by the chart's own request (reports.dashboard)."""
    return {"key": key, "title": title, "figure": figure, "header": header, "rows": rows}


class ChartSource:
    """The filters and objectives the charts are built for, with the figures several charts share read
    once per request: the dimension means (dimensions, quadrants, benchmark) and the key drivers
    (drivers, and the quadrants' derived importance)."""

    def __init__(self, filters: Filters, objectives: dict):
        self.filters = filters
        self.objectives = objectives

    @cached_property
    def dimensions(self) -> list:
        return satisfaction_by_dimension(period=self.filters.period, scope=self.filters.scope)

    @cached_property
    def drivers(self) -> tuple:
        """(DriverRows, key_drivers.KeyDrivers) of the period and scope."""
        found = key_driver_rows(period=self.filters.period, scope=self.filters.scope)
        return found, key_drivers.key_drivers(found.rows)
