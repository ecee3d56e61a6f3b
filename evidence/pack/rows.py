"""Rows of the pack's spreadsheets that no register of reports/ already writes: measurement plans,
questionnaire versions, campaigns, feedback records, review records, the audit-trail extract and the
objectives. Each is the header, then records read in keyset batches (flat memory), raw values (the
file writer in core.exporting neutralises them)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Count, IntegerField, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from core.exporting import local_datetime
from core.models import AuditEvent
from feedback.models import FeedbackRecord
from reports.audit_exporting import audit_export_rows
from surveys.models import Invitation, Question, QuestionnaireVersion, Response

from ..models import ManagementReview, MeasurementReview
from ..selectors import Scope, campaigns_run, measurement_plans_in_force
from ..sources import ObjectiveOrReport

BATCH_SIZE = 2000


def local(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A naive local time to the minute: spreadsheets have no time zones."""
    return local_datetime(moment)


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return _("Yes") if value else _("No")


def keyset(queryset: QuerySet, row: Callable[[Any], list[Any]]) -> Iterator[list[Any]]:
    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk).order_by("pk")[:BATCH_SIZE])
        if not batch:
            return
        for record in batch:
            yield row(record)
        last_pk = batch[-1].pk


def _display(record: Model, name: str) -> str:
    return str(getattr(record, f"get_{name}_display")()) if getattr(record, name) else ""


def plan_rows(scope: Scope) -> Iterator[list[Any]]:
    yield [
        _("Name"),
        _("Period start"),
        _("Period end"),
        _("Objective"),
        _("Method"),
        _("Frequency"),
        _("Population (segments)"),
        _("Owner"),
        _("Margin of error"),
        _("Confidence level"),
        _("Stratified by segment"),
        _("Minimum days between surveys of one customer"),
        _("Random seed"),
        _("Frozen at"),
    ]
    plans = measurement_plans_in_force(scope).select_related("owner").prefetch_related("segments")
    yield from keyset(
        plans,
        lambda plan: [
            plan.name,
            plan.period_start,
            plan.period_end,
            plan.objective,
            _display(plan, "method"),
            _display(plan, "frequency"),
            ", ".join(sorted(segment.name for segment in plan.segments.all())),
            str(plan.owner),
            plan.margin_of_error,
            plan.confidence_level,
            yes_no(plan.stratified),
            plan.contact_interval_days,
            plan.seed,
            local(plan.frozen_at),
        ],
    )


def versions_in_force(scope: Scope) -> QuerySet:
    """The questionnaire versions the period's campaigns asked."""
    return QuestionnaireVersion.objects.filter(
        pk__in=campaigns_run(scope, scope.customers()).values("questionnaire_version_id")
    ).select_related("questionnaire")


def question_rows(scope: Scope) -> Iterator[list[Any]]:
    yield [
        _("Questionnaire"),
        _("Version"),
        _("Title"),
        _("Order"),
        _("Code"),
        _("Type"),
        _("Question"),
        _("Dimension"),
        _("Weight"),
        _("Scale"),
        _("Importance asked"),
        _("Required"),
    ]
    questions = Question.objects.filter(version__in=versions_in_force(scope)).select_related(
        "version__questionnaire", "dimension"
    )
    yield from keyset(
        questions,
        lambda q: [
            q.version.questionnaire.code,
            q.version.number,
            q.version.title,
            q.position,
            q.code,
            _display(q, "kind"),
            q.text,
            q.dimension.name if q.dimension_id else "",
            q.effective_weight() if q.dimension_id else None,
            f"{q.scale_min}–{q.scale_top}" if q.is_scored else "",
            yes_no(q.ask_importance),
            yes_no(q.required),
        ],
    )


def _per_campaign(model: type[Model]) -> Coalesce:
    """How many rows of `model` a campaign has, as a subquery of its own: counting two reverse joins in
    one GROUP BY would multiply every campaign's invitations by its responses (23k x 10k rows a
    campaign at the benchmark's scale) before DISTINCT takes the products out again."""
    counted = model.objects.filter(campaign=OuterRef("pk")).order_by().values("campaign").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), 0)


def campaign_rows(scope: Scope) -> Iterator[list[Any]]:
    yield [
        _("Campaign"),
        _("Questionnaire"),
        _("Measurement plan"),
        _("Random seed"),
        _("Segment"),
        _("Status"),
        _("Sent at"),
        _("Closed at"),
        _("Eligible population"),
        _("Computed sample size"),
        _("Invited"),
        _("Responses"),
        _("Response rate (%)"),
        _("Satisfied at or above (0–100)"),
    ]
    campaigns = (
        campaigns_run(scope, scope.customers())
        .select_related("questionnaire_version__questionnaire", "plan", "segment")
        .annotate(invited=_per_campaign(Invitation), answered=_per_campaign(Response))
    )

    def row(campaign) -> list[Any]:
        rate = round(100 * campaign.answered / campaign.invited, 1) if campaign.invited else None
        return [
            campaign.name,
            str(campaign.questionnaire_version),
            campaign.plan.name if campaign.plan_id else "",
            campaign.plan.seed if campaign.plan_id else None,
            campaign.segment.name if campaign.segment_id else "",
            _display(campaign, "status"),
            local(campaign.sent_at),
            local(campaign.closed_at),
            campaign.population_size,
            campaign.sample_size,
            campaign.invited,
            campaign.answered,
            rate,
            campaign.satisfied_threshold,
        ]

    yield from keyset(campaigns, row)


def feedback_rows(scope: Scope) -> Iterator[list[Any]]:
    yield [
        _("Received on"),
        _("Source"),
        _("Customer code"),
        _("Customer"),
        _("Sentiment"),
        _("Dimension"),
        _("Summary"),
        _("Details"),
        _("Reference"),
        _("Amount (CNY)"),
        _("Recorded by"),
    ]
    records = FeedbackRecord.objects.filter(received_on__gte=scope.since, received_on__lte=scope.until)
    customers = scope.customers()
    if customers is not None:
        records = records.filter(customer__in=customers.values("pk"))
    yield from keyset(
        records.select_related("customer", "dimension", "recorded_by"),
        lambda r: [
            r.received_on,
            _display(r, "source"),
            r.customer.code if r.customer_id else "",
            r.customer.name if r.customer_id else "",
            _display(r, "sentiment"),
            r.dimension.name if r.dimension_id else "",
            r.summary,
            r.details,
            r.reference,
            r.amount,
            str(r.recorded_by),
        ],
    )


def measurement_review_rows(scope: Scope) -> Iterator[list[Any]]:
    yield [
        _("Reviewed on"),
        _("Reviewed by"),
        _("What was reviewed"),
        _("Methods reviewed"),
        _("Information sources reviewed"),
        _("Frequency reviewed"),
        _("Calculation method reviewed"),
        _("Conclusion"),
        _("Actions decided"),
        _("Next review due"),
    ]
    reviews = MeasurementReview.objects.filter(reviewed_on__gte=scope.review_since, reviewed_on__lte=scope.until)
    yield from keyset(
        reviews,
        lambda r: [
            r.reviewed_on,
            r.reviewed_by,
            r.scope,
            yes_no(r.methods_reviewed),
            yes_no(r.sources_reviewed),
            yes_no(r.frequency_reviewed),
            yes_no(r.calculation_reviewed),
            r.conclusion,
            r.actions,
            r.next_review_due,
        ],
    )


def management_review_rows(scope: Scope) -> Iterator[list[Any]]:
    yield [
        _("Held on"),
        _("Chaired by"),
        _("Participants"),
        _("Customer satisfaction taken as an input"),
        _("Satisfaction input"),
        _("Decisions and actions"),
    ]
    reviews = ManagementReview.objects.filter(held_on__gte=scope.review_since, held_on__lte=scope.until)
    yield from keyset(
        reviews,
        lambda r: [
            r.held_on,
            r.chair,
            r.participants,
            yes_no(r.satisfaction_input_taken),
            r.satisfaction_input,
            r.decisions,
        ],
    )


def audit_rows(scope: Scope, *, language: str) -> Iterator[list[Any]]:
    """Every audit event of the period (the whole trail, whatever the scope: it is one record), with the
    changes in words (reports.audit_exporting)."""
    events = AuditEvent.objects.filter(at__gte=scope.start, at__lt=scope.end)
    return audit_export_rows(events, language=language)


def objective_rows(items: list[ObjectiveOrReport]) -> Iterator[list[Any]]:
    """Targets and results as numbers (not "≥ 90.00" text), the direction and status in words."""
    yield [
        _("Kind"),
        _("Title"),
        _("Period"),
        _("Direction"),
        _("Target"),
        _("Result"),
        _("Status"),
        _("Objective met"),
        _("Link"),
    ]
    for item in items:
        kind = _("Quality objective") if item["kind"] == "objective" else _("Satisfaction analysis report")
        yield [
            kind,
            item["title"],
            item["period"],
            item.get("direction", ""),
            item.get("target_value"),
            item.get("actual"),
            item.get("status", item["result"]),
            yes_no(item["met"]),
            item["url"],
        ]
