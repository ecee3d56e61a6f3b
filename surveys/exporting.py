"""Exporting a campaign's responses: one row per response, one column per question (and one per
importance rating), as CSV (streamed) or XLSX. core.exporting neutralises the cells, so no text a
customer typed can run as a spreadsheet formula.

For people (the default) the file reads in the reader's language: headers are the questions' text
and the columns' names, choices their labels, the language and yes/no in words, the moment of
submission a local date and time. For machines (`codes=True`, `?codes=1`) it is the file it always
was: question codes as headers, choice values, 1/0. Scores, the index and counts are numbers either
way (XLSX cells a pivot table can sum)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from contextlib import nullcontext
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import audit_record
from core.exporting import local_datetime, rows_file_response
from core.i18n import bilingual
from core.models import AuditEvent
from customers.models import Language

from .models import Answer, Campaign, Question, QuestionKind

BATCH_SIZE = 2000
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
# The same columns as people read them.
FIXED_HEADERS = (
    gettext_lazy("Submitted"),
    gettext_lazy("Customer code"),
    gettext_lazy("Customer"),
    gettext_lazy("Segment"),
    gettext_lazy("Contact"),
    gettext_lazy("Language"),
    gettext_lazy("Satisfaction index (CSI, 0–100)"),
    gettext_lazy("Likelihood to recommend (0–10)"),
    gettext_lazy("Open link"),
    gettext_lazy("Suspected duplicate"),
)
# How each question's cell is read from its answer (score, importance, text, choices).
_SCORE, _TEXT, _CHOICES = 0, 1, 2
CHOICE_SEPARATOR = ";"  # between the values of a multiple choice, as codes
LABEL_SEPARATOR = "; "  # between their labels


def _header(questions: list[Question], *, codes: bool) -> list[str]:
    """Codes for machines; for people the questions' text (with the code where two read the same)."""
    if codes:
        header = list(FIXED_COLUMNS)
        for question in questions:
            header.append(question.code)
            if question.ask_importance:
                header.append(f"{question.code}:importance")
        return header
    texts = [bilingual(question, "text") or question.code for question in questions]
    header = [str(label) for label in FIXED_HEADERS]
    for question, text in zip(questions, texts, strict=True):
        if texts.count(text) > 1:
            text = f"{text} ({question.code})"
        header.append(text)
        if question.ask_importance:
            header.append(_("%(question)s — importance") % {"question": text})
    return header


def _choice_labels(question: Question) -> dict[str, str]:
    if question.kind == QuestionKind.YES_NO:
        return {"yes": _("Yes"), "no": _("No")}
    return {
        str(choice.get("value")): bilingual(choice) or str(choice.get("value")) for choice in question.choices or []
    }


def _choice_text(choices: list | None, labels: dict[str, str] | None) -> str:
    """A choice answer's cell: the labels when `labels` are given, else the values."""
    if labels is None:
        return CHOICE_SEPARATOR.join(str(v) for v in choices or [])
    return LABEL_SEPARATOR.join(labels.get(str(v), str(v)) for v in choices or [])


def _mode(question: Question) -> int:
    return _SCORE if question.is_scored else _TEXT if question.kind == QuestionKind.TEXT else _CHOICES


def _value(question: Question, answer: tuple | None, labels: dict[str, str] | None) -> str | int | None:
    """The cell of one answer, given as (score, importance, text, choices) (the rows inline it)."""
    if answer is None:
        return None
    mode = _mode(question)
    if mode == _SCORE:
        return answer[0]
    if mode == _TEXT:
        return answer[2]
    return _choice_text(answer[3], labels)


def _flag(value: bool, codes: bool) -> int | str:
    if codes:
        return int(value)
    return _("Yes") if value else _("No")


def _language(code: str, codes: bool) -> str:
    if codes or code not in Language.values:
        return code
    return str(Language(code).label)


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
    language: str | None = None,
    codes: bool = False,
) -> Iterator[list]:
    """The header, then one row per response, oldest first, for people in `language` (by default the
    active one, taken now: a streamed file is written after the view returns) or, with `codes`, for
    machines. The evidence pack takes the responses submitted in its period ([submitted_from,
    submitted_before)) from its customers only. Read in keyset batches of BATCH_SIZE responses (and
    their answers in one query): flat memory."""
    responses = campaign.responses.order_by("pk")
    if submitted_from is not None:
        responses = responses.filter(submitted_at__gte=submitted_from)
    if submitted_before is not None:
        responses = responses.filter(submitted_at__lt=submitted_before)
    if customers is not None:
        responses = responses.filter(customer__in=customers.values("pk"))
    return _rows(campaign, responses, language=language or translation.get_language(), codes=codes)


def _columns(questions: list[Question], *, codes: bool) -> list[tuple[int, int, dict[str, str] | None, bool]]:
    """Per question: (pk, which part of the answer is its cell, choice labels or None, importance asked),
    worked out once for the file instead of once per cell."""
    columns = []
    for question in questions:
        mode = _mode(question)
        labels = None if codes or mode != _CHOICES else _choice_labels(question)
        columns.append((question.pk, mode, labels, bool(question.ask_importance)))
    return columns


def _rows(campaign: Campaign, responses: QuerySet, *, language: str | None, codes: bool) -> Iterator[list]:
    with translation.override(language) if language else nullcontext():
        questions = list(campaign.questionnaire_version.questions.order_by("position", "pk"))
        columns = _columns(questions, codes=codes)
        yield _header(questions, codes=codes)
        languages = {code: _language(code, codes) for code in Language.values}
        flags = {True: _flag(True, codes), False: _flag(False, codes)}
        last_pk = 0
        while True:
            batch = list(responses.filter(pk__gt=last_pk).values_list(*RESPONSE_FIELDS)[:BATCH_SIZE])
            if not batch:
                return
            answers: dict[int, dict[int, tuple]] = defaultdict(dict)
            for response_id, question_id, *answer in Answer.objects.filter(
                response_id__in=[response[0] for response in batch]
            ).values_list(*ANSWER_FIELDS):
                answers[response_id][question_id] = answer
            for pk, submitted_at, code, name, segment, contact, language_code, csi, nps, is_open, duplicate in batch:
                given = answers.get(pk, {})
                row: list[Any] = [
                    timezone.localtime(submitted_at).strftime("%Y-%m-%d %H:%M")
                    if codes
                    else local_datetime(submitted_at),
                    code or "",
                    name or "",
                    segment or "",
                    contact or "",
                    languages.get(language_code, language_code),
                    csi,
                    nps,
                    flags[bool(is_open)],
                    flags[bool(duplicate)],
                ]
                for question_pk, mode, labels, importance in columns:
                    answer = given.get(question_pk)
                    if answer is None:
                        row.append(None)
                    elif mode == _SCORE:
                        row.append(answer[0])
                    elif mode == _TEXT:
                        row.append(answer[2])
                    else:
                        row.append(_choice_text(answer[3], labels))
                    if importance:
                        row.append(None if answer is None else answer[1])
                yield row
            last_pk = batch[-1][0]


def export_response(*, campaign: Campaign, file_format: str, actor, codes: bool = False):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"survey-{campaign.pk}-responses-{stamp}.{file_format}"
    # The export is evidence too: who took which answers out, and when.
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        instance=campaign,
        changes={"format": [None, file_format], **({"codes": [None, True]} if codes else {})},
    )
    return rows_file_response(
        export_rows(campaign, codes=codes), filename=filename, file_format=file_format, sheet="responses"
    )
