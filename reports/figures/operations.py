"""Figures from the operational tables: survey response rate, complaints, corrective actions,
follow-up visits and the customer lifecycle. Each group is one aggregate query over rows bounded by
the period on an indexed column (one more for the median), with the scope applied to the customer.
"""

from __future__ import annotations

import datetime
import math

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from complaints.figures import HANDLED_STATES
from complaints.models import Complaint, CorrectiveAction, Kind, State
from customers.models import Lifecycle, LifecycleChange
from surveys.models import Invitation
from visits.models import Visit

from .base import MIN_SAMPLE, Figure, FigureScope, Period, count, ratio

RESOLVED_STATES = (State.RESOLVED, State.CLOSED)


def response_rate_figures(*, period: Period, scope: FigureScope) -> dict[str, Figure]:
    """Response rate: of the personal invitations issued in the period (created_at, indexed) that
    were delivered (not waiting to be sent, not bounced), the share answered. Open-link responses
    have no invitation and are not in this rate."""
    totals = Invitation.objects.filter(
        scope.customer_filter(), created_at__gte=period.start, created_at__lt=period.end
    ).aggregate(
        delivered=Count("pk", filter=~Q(status__in=(Invitation.Status.INVITED, Invitation.Status.BOUNCED))),
        completed=Count("pk", filter=Q(status=Invitation.Status.COMPLETED)),
    )
    return {"response_rate": ratio("response_rate", totals["completed"], totals["delivered"])}


def complaint_figures(*, period: Period, scope: FigureScope) -> dict[str, Figure]:
    """For complaints (kind "complaint", not compliments or suggestions) received in the period:

    - complaint handling rate (客户投诉处理率): the share that have reached a handled state
      (resolved, closed, withdrawn or rejected: complaints.figures.HANDLED_STATES) by now;
    - on-time resolution rate (按时解决率): of those resolved or closed, the share resolved by their
      due time (resolved_at ≤ resolve_due_at; no due time counts as not on time);
    - median time to resolve: calendar hours from receipt to resolution of those with a resolution
      time, nearest-rank median (the lower middle value for an even count; SQLite has no
      percentile function). Two queries."""
    complaints = Complaint.objects.filter(
        scope.customer_filter(), kind=Kind.COMPLAINT, received_at__gte=period.start, received_at__lt=period.end
    )
    totals = complaints.aggregate(
        received=Count("pk"),
        handled=Count("pk", filter=Q(state__in=HANDLED_STATES)),
        resolved=Count("pk", filter=Q(state__in=RESOLVED_STATES)),
        resolved_on_time=Count("pk", filter=Q(state__in=RESOLVED_STATES, resolved_at__lte=F("resolve_due_at"))),
        timed=Count("resolved_at"),
    )
    median = None
    if totals["timed"]:
        rank = math.ceil(totals["timed"] / 2) - 1
        duration = ExpressionWrapper(F("resolved_at") - F("received_at"), output_field=DurationField())
        elapsed = (
            complaints.filter(resolved_at__isnull=False)
            .annotate(duration=duration)
            .order_by("duration", "pk")
            .values_list("duration", flat=True)[rank]
        )
        median = elapsed.total_seconds() / 3600
    return {
        "complaint_handling_rate": ratio("complaint_handling_rate", totals["handled"], totals["received"]),
        "on_time_resolution_rate": ratio("on_time_resolution_rate", totals["resolved_on_time"], totals["resolved"]),
        "median_hours_to_resolve": Figure(
            key="median_hours_to_resolve",
            value=median,
            n=totals["timed"],
            unit="hours",
            insufficient=totals["timed"] < MIN_SAMPLE,
        ),
    }


def corrective_action_figures(
    *, period: Period, scope: FigureScope, today: datetime.date | None = None
) -> dict[str, Figure]:
    """Corrective actions (纠正措施, every kind) of complaints of the scope's customers:

    - overdue: due in the period, before today, and still open (a count, as of today);
    - effectiveness rate: of the actions verified in the period, the share verified effective."""
    today = today or timezone.localdate()
    overdue = Q(
        status=CorrectiveAction.Status.OPEN,
        due_date__gte=period.since,
        due_date__lte=min(period.until, today - datetime.timedelta(days=1)),
    )
    verified_in_period = Q(verified_at__gte=period.start, verified_at__lt=period.end)
    # The WHERE holds the two periods' rows only (each on its own index), the counts split them.
    actions = CorrectiveAction.objects.filter(scope.customer_filter("complaint__customer")).filter(
        overdue | verified_in_period
    )
    totals = actions.aggregate(
        overdue=Count("pk", filter=overdue),
        verified=Count("pk", filter=verified_in_period & ~Q(result="")),
        effective=Count("pk", filter=verified_in_period & Q(result=CorrectiveAction.Result.EFFECTIVE)),
    )
    return {
        "corrective_actions_overdue": count("corrective_actions_overdue", totals["overdue"]),
        "action_effectiveness_rate": ratio("action_effectiveness_rate", totals["effective"], totals["verified"]),
    }


def visit_figures(*, period: Period, scope: FigureScope) -> dict[str, Figure]:
    """Visit coverage (回访覆盖率): of the visits due in the period (due_date, indexed), cancelled
    ones left out, the share done."""
    totals = (
        Visit.objects.filter(scope.customer_filter(), due_date__gte=period.since, due_date__lte=period.until)
        .exclude(status=Visit.Status.CANCELLED)
        .aggregate(planned=Count("pk"), done=Count("pk", filter=Q(status=Visit.Status.DONE)))
    )
    return {"visit_coverage": ratio("visit_coverage", totals["done"], totals["planned"])}


def customer_figures(*, period: Period, scope: FigureScope) -> dict[str, Figure]:
    """Lost customers (流失顾客): lifecycle changes to "lost" in the period; win-backs (赢回): changes
    marked as a win-back (lost → current) in the period (changed_at, indexed). Counts."""
    totals = LifecycleChange.objects.filter(
        scope.customer_filter(), changed_at__gte=period.start, changed_at__lt=period.end
    ).aggregate(
        lost=Count("pk", filter=Q(to_state=Lifecycle.LOST)),
        won_back=Count("pk", filter=Q(is_win_back=True)),
    )
    return {
        "lost_customers": count("lost_customers", totals["lost"]),
        "win_backs": count("win_backs", totals["won_back"]),
    }
