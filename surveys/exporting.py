"""Exporting a campaign's responses: one row per response, one column per question (and one per
importance rating), as CSV (streamed) or XLSX. core.exporting neutralises the cells, so no text a
customer typed can run as a spreadsheet formula; scores stay numbers."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils import timezone

from core.audit import audit_record
from core.exporting import rows_file_response
from core.models import AuditEvent

from .models import Answer, Campaign, Question

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


def _value(question: Question, answer: tuple | None) -> str | int | None:
    """The cell of one answer, given as (score, importance, text, choices)."""
    if answer is None:
        return None
    score, _importance, text, choices = answer
    if question.is_scored:
        return score
    if question.kind == "text":
        return text
    return ";".join(str(v) for v in choices or [])


# Read as plain tuples, not model instances: a response with its customer, contact, segment and ten
# answers is fourteen instances otherwise, which made the export of 1M answers take minutes.
RESPONSE_FIELDS = (
    "pk",
    "submitted_at",
    "customer__code",
    "customer__name",
    "invitation__segment__name",
    "contact__name",
    "language",
    "csi",
    "nps_score",
    "is_open",
    "suspected_duplicate",
)
ANSWER_FIELDS = ("response_id", "question_id", "score", "importance", "text", "choices")


def export_rows(
    campaign: Campaign,
    *,
    submitted_from: datetime.datetime | None = None,
    submitted_before: datetime.datetime | None = None,
    customers: QuerySet | None = None,
) -> Iterator[list]:
    """The header, then one row per response, oldest first. The evidence pack takes the responses
    submitted in its period ([submitted_from, submitted_before)) from its customers only. Read in
    keyset batches of BATCH_SIZE responses (and their answers in one query): flat memory."""
    questions = list(campaign.questionnaire_version.questions.order_by("position", "pk"))
    header = list(FIXED_COLUMNS)
    for question in questions:
        header.append(question.code)
        if question.ask_importance:
            header.append(f"{question.code}:importance")
    yield header
    responses = campaign.responses.order_by("pk")
    if submitted_from is not None:
        responses = responses.filter(submitted_at__gte=submitted_from)
    if submitted_before is not None:
        responses = responses.filter(submitted_at__lt=submitted_before)
    if customers is not None:
        responses = responses.filter(customer__in=customers.values("pk"))
    last_pk = 0
    while True:
        batch = list(responses.filter(pk__gt=last_pk).values_list(*RESPONSE_FIELDS)[:BATCH_SIZE])
        if not batch:
            return
        answers: dict[int, dict[int, tuple]] = defaultdict(dict)
        for response_id, question_id, *answer in Answer.objects.filter(
            response_id__in=[response[0] for response in batch]
        ).values_list(*ANSWER_FIELDS):
            answers[response_id][question_id] = tuple(answer)
        for pk, submitted_at, code, name, segment, contact, language, csi, nps, is_open, duplicate in batch:
            given = answers.get(pk, {})
            row = [
                timezone.localtime(submitted_at).strftime("%Y-%m-%d %H:%M"),
                code or "",
                name or "",
                segment or "",
                contact or "",
                language,
                csi,
                nps,
                "1" if is_open else "0",
                "1" if duplicate else "0",
            ]
            for question in questions:
                answer = given.get(question.pk)
                row.append(_value(question, answer))
                if question.ask_importance:
                    row.append(None if answer is None else answer[1])
            yield row
        last_pk = batch[-1][0]


def export_response(*, campaign: Campaign, file_format: str, actor):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"survey-{campaign.pk}-responses-{stamp}.{file_format}"
    # The export is evidence too: who took which answers out, and when.
    audit_record(
        actor=actor, action=AuditEvent.Action.EXPORT, instance=campaign, changes={"format": [None, file_format]}
    )
    return rows_file_response(export_rows(campaign), filename=filename, file_format=file_format, sheet="responses")
