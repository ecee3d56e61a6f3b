"""What the evidence page and the pack read: the period and scope, and the counts behind every clause,
aggregated in SQL (one query per kind of record, whatever the period)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from complaints.models import Complaint, CorrectiveAction
from customers.models import Segment
from customers.selectors import segment_customers
from feedback.models import FeedbackRecord
from surveys.models import Campaign, MeasurementPlan, Response
from visits.models import Visit

from .models import ManagementReview, MeasurementReview
from .sources import objectives_and_reports, objectives_and_reports_counts

# How far back a review of the measurement process still counts: ISO 9001 asks for planned
# intervals, and yearly is what auditors expect at least.
REVIEW_LOOKBACK_DAYS = 365


@dataclass(frozen=True)
class Scope:
    """A period of local days [since, until] and the customers in scope (None: every customer)."""

    since: datetime.date
    until: datetime.date
    segment: Segment | None = None

    @property
    def start(self) -> datetime.datetime:
        return datetime.datetime.combine(self.since, datetime.time.min, tzinfo=timezone.get_current_timezone())

    @property
    def end(self) -> datetime.datetime:
        """The first moment after the period."""
        following = self.until + datetime.timedelta(days=1)
        return datetime.datetime.combine(following, datetime.time.min, tzinfo=timezone.get_current_timezone())

    @property
    def review_since(self) -> datetime.date:
        return self.until - datetime.timedelta(days=REVIEW_LOOKBACK_DAYS)

    def customers(self) -> QuerySet | None:
        return None if self.segment is None else segment_customers(segment=self.segment)


def last_quarter(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The calendar quarter before the one `today` (by default the local date) falls in."""
    today = today or timezone.localdate()
    first_month = 3 * ((today.month - 1) // 3) + 1
    this_quarter = datetime.date(today.year, first_month, 1)
    until = this_quarter - datetime.timedelta(days=1)
    return datetime.date(until.year, until.month - 2, 1), until


def _in(scope: Scope, field: str) -> Q:
    return Q(**{f"{field}__gte": scope.start, f"{field}__lt": scope.end})


def _scoped(queryset: QuerySet, customers: QuerySet | None, path: str = "customer") -> QuerySet:
    return queryset if customers is None else queryset.filter(**{f"{path}__in": customers.values("pk")})


def campaigns_run(scope: Scope, customers: QuerySet | None = None) -> QuerySet:
    """Campaigns that collected answers at some time in the period (sent before its end, not closed
    before its start); with a segment, those that invited one of its customers."""
    campaigns = Campaign.objects.filter(sent_at__isnull=False, sent_at__lt=scope.end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=scope.start)
    )
    if customers is not None:
        campaigns = campaigns.filter(pk__in=_scoped(Response.objects.all(), customers).values("campaign_id"))
    return campaigns


def measurement_plans_in_force(scope: Scope) -> QuerySet:
    return MeasurementPlan.objects.filter(period_start__lte=scope.until, period_end__gte=scope.since)


def evidence_counts(scope: Scope) -> dict[str, int]:
    """Every count the clause map names (evidence.clauses.EVIDENCE keys), in about ten queries."""
    customers = scope.customers()
    counts: dict[str, int] = {}
    counts["measurement_plans"] = measurement_plans_in_force(scope).count()
    counts["campaigns"] = campaigns_run(scope, customers).count()
    counts["responses"] = _scoped(Response.objects.filter(_in(scope, "submitted_at")), customers).count()
    counts.update(
        _scoped(Complaint.objects.all(), customers).aggregate(
            complaints_received=Count("pk", filter=_in(scope, "received_at")),
            complaints_closed=Count("pk", filter=_in(scope, "closed_at")),
            complaints_rated=Count("pk", filter=_in(scope, "satisfaction_at") & Q(satisfaction_rating__isnull=False)),
        )
    )
    done = Q(status=CorrectiveAction.Status.DONE)
    counts.update(
        _scoped(
            CorrectiveAction.objects.filter(_in(scope, "complaint__received_at")), customers, "complaint__customer"
        ).aggregate(
            corrective_actions=Count("pk"),
            actions_done=Count("pk", filter=done),
            effectiveness_checks=Count("pk", filter=~Q(result="")),
            actions_done_unchecked=Count("pk", filter=done & Q(result="")),
        )
    )
    counts.update(
        _scoped(Visit.objects.filter(due_date__gte=scope.since, due_date__lte=scope.until), customers).aggregate(
            visits_planned=Count("pk"), visits_done=Count("pk", filter=Q(status=Visit.Status.DONE))
        )
    )
    feedback = FeedbackRecord.objects.filter(received_on__gte=scope.since, received_on__lte=scope.until)
    counts["feedback_records"] = _scoped(feedback, customers).count()
    counts.update(
        MeasurementReview.objects.aggregate(
            measurement_reviews=Count("pk", filter=Q(reviewed_on__gte=scope.review_since, reviewed_on__lte=scope.until))
        )
    )
    counts.update(
        ManagementReview.objects.filter(held_on__gte=scope.review_since, held_on__lte=scope.until).aggregate(
            management_reviews=Count("pk"),
            management_reviews_with_satisfaction=Count("pk", filter=Q(satisfaction_input_taken=True)),
        )
    )
    counts.update(objectives_and_reports_counts(objectives_and_reports(scope.since, scope.until)))
    return counts
