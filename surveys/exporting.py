"""Exporting a campaign's responses: one row per response, one column per question (and one per
importance rating), as CSV (streamed) or XLSX. core.exporting neutralises the cells, so no text a
customer typed can run as a spreadsheet formula; scores stay numbers."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils import timezone

from core.audit import audit_record
from core.exporting import rows_file_response
from core.models import AuditEvent

from .models import Campaign, Question

BATCH_SIZE = 1000
FIXED_COLUMNS = (
    "submitted_at",
    "customer_code",
    "customer",
    "segment",
    "contact",
    "language",
    "csi",
    "nps",
    "open_link",
    "suspected_duplicate",
)


def _value(question: Question, answer) -> str | int | None:
    if answer is None:
        return None
    if question.is_scored:
        return answer.score
    if question.kind == "text":
        return answer.text
    return ";".join(str(v) for v in answer.choices or [])


def export_rows(
    campaign: Campaign,
    *,
    submitted_from: datetime.datetime | None = None,
    submitted_before: datetime.datetime | None = None,
    customers: QuerySet | None = None,
) -> Iterator[list]:
    """The header, then one row per response, oldest first. The evidence pack takes the responses
    submitted in its period ([submitted_from, submitted_before)) from its customers only."""
    questions = list(campaign.questionnaire_version.questions.order_by("position", "pk"))
    header = list(FIXED_COLUMNS)
    for question in questions:
        header.append(question.code)
        if question.ask_importance:
            header.append(f"{question.code}:importance")
    yield header
    responses = (
        campaign.responses.select_related("customer", "contact", "invitation__segment")
        .prefetch_related("answers")
        .order_by("pk")
    )
    if submitted_from is not None:
        responses = responses.filter(submitted_at__gte=submitted_from)
    if submitted_before is not None:
        responses = responses.filter(submitted_at__lt=submitted_before)
    if customers is not None:
        responses = responses.filter(customer__in=customers.values("pk"))
    last_pk = 0
    while True:
        batch = list(responses.filter(pk__gt=last_pk)[:BATCH_SIZE])
        if not batch:
            return
        for response in batch:
            answers = {a.question_id: a for a in response.answers.all()}
            row = [
                timezone.localtime(response.submitted_at).strftime("%Y-%m-%d %H:%M"),
                response.customer.code if response.customer_id else "",
                response.customer.name if response.customer_id else "",
                response.invitation.segment.name if response.invitation_id and response.invitation.segment_id else "",
                response.contact.name if response.contact_id else "",
                response.language,
                response.csi,
                response.nps_score,
                "1" if response.is_open else "0",
                "1" if response.suspected_duplicate else "0",
            ]
            for question in questions:
                answer = answers.get(question.pk)
                row.append(_value(question, answer))
                if question.ask_importance:
                    row.append(None if answer is None else answer.importance)
            yield row
        last_pk = batch[-1].pk


def export_response(*, campaign: Campaign, file_format: str, actor):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"survey-{campaign.pk}-responses-{stamp}.{file_format}"
    # The export is evidence too: who took which answers out, and when.
    audit_record(
        actor=actor, action=AuditEvent.Action.EXPORT, instance=campaign, changes={"format": [None, file_format]}
    )
    return rows_file_response(export_rows(campaign), filename=filename, file_format=file_format, sheet="responses")
