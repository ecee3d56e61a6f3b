"""The records behind a dashboard row: complaints (Pareto, SLA month, time-to-resolve bin) and
follow-up visits (visit satisfaction month), for the period and the dashboard's scope. Each list is
filtered in SQL, paginated, and counts what the chart counted."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.shortcuts import render

from accounts.access import permission
from complaints.models import Complaint, Kind
from customers.models import Segment
from customers.selectors import InvalidCriteria
from visits.models import Visit

from .dashboard_filters import CLASSIFICATION_CHOICES
from .figures import FigureScope, Period
from .figures.trends import duration_filter, resolved_complaints, sla_due_complaints, visits_done

RECORDS_PER_PAGE = 50


@dataclass(frozen=True)
class DrillScope:
    period: Period | None
    scope: FigureScope
    segment: Segment | None
    valid: bool  # False: a segment whose stored criteria no longer work (nothing is listed)


def drill_scope(params: QueryDict) -> DrillScope:
    """The period (since, until) and the scope (segment, or field and value) of a drill-down link."""
    try:
        period = Period(datetime.date.fromisoformat(params["since"]), datetime.date.fromisoformat(params["until"]))
    except (KeyError, ValueError):
        period = None
    segment = None
    scope = FigureScope.everyone()
    if params.get("segment", "").isdigit():
        segment = Segment.objects.filter(pk=int(params["segment"])).first()
        if segment is not None:
            scope = FigureScope.of_segment(segment)
    elif params.get("field") in CLASSIFICATION_CHOICES and params.get("value"):
        scope = FigureScope.classification(params["field"], params["value"])
    valid = True
    if segment is not None:
        try:
            scope.customers()
        except InvalidCriteria:
            valid = False
    return DrillScope(period, scope, segment, valid)


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def drill_complaints(params: QueryDict) -> QuerySet[Complaint]:
    """The complaints behind a row: `due=1` those due in the period (SLA chart), `hours_from` /
    `hours_to` those received in the period and resolved within that time (time-to-resolve chart),
    else those received in the period; narrowed by `category` (with its subcategories) or
    `root_cause`."""
    found = drill_scope(params)
    if not found.valid or found.period is None:
        return Complaint.objects.none()
    period, scope = found.period, found.scope
    lower = _number(params.get("hours_from"))
    if params.get("due") == "1":
        complaints = sla_due_complaints(period=period, scope=scope)
    elif lower is not None:
        upper = _number(params.get("hours_to"))
        complaints = resolved_complaints(period=period, scope=scope).filter(
            duration_filter(lower, float("inf") if upper is None else upper)
        )
    else:
        complaints = Complaint.objects.filter(
            scope.customer_filter(), kind=Kind.COMPLAINT, received_at__gte=period.start, received_at__lt=period.end
        )
    if params.get("category", "").isdigit():
        category = int(params["category"])
        complaints = complaints.filter(Q(category_id=category) | Q(category__parent_id=category))
    if params.get("root_cause"):
        complaints = complaints.filter(root_cause_category=params["root_cause"])
    return complaints.select_related("customer", "category__parent").order_by("-received_at", "-pk")


@permission("complaints.view_complaint")
def complaint_records_view(request):
    found = drill_scope(request.GET)
    page = Paginator(drill_complaints(request.GET), RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/complaint_records.html",
        {"page": page, "drill": found, "query": _without_page(request.GET)},
    )


@permission("visits.view_all_visits")
def visit_records_view(request):
    """The follow-up visits done in the period whose scores the visit satisfaction chart counts."""
    found = drill_scope(request.GET)
    visits = Visit.objects.none()
    if found.valid and found.period is not None:
        visits = (
            visits_done(period=found.period, scope=found.scope)
            .filter(scores__isnull=False)
            .distinct()
            .select_related("customer", "assignee")
            .prefetch_related("scores")
            .order_by("-visited_on", "-pk")
        )
    page = Paginator(visits, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/visit_records.html",
        {"page": page, "drill": found, "query": _without_page(request.GET)},
    )


def _without_page(params: QueryDict) -> str:
    query = params.copy()
    query.pop("page", None)
    return query.urlencode()
