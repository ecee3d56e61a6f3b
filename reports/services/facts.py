"""Filling the daily survey facts from a watermark (after Zulip's analytics FillState).

Change marker. A day's facts must be recomputed when a response of that day is added, edited,
anonymised or deleted. Two markers find those days, both indexed and both free for the answer path:
- `Response.submitted_at` (indexed): new responses;
- the audit trail (`AuditEvent.at`, indexed): every service that creates, edits, anonymises or
  deletes a response audits it (docs/architecture.md), so an event on a response after the
  watermark names a response whose day changed; a deleted response's day is read from the event's
  recorded `submitted_at`. This catches late records (e.g. an import with an old submitted_at) and
  edits without adding an `updated_at` column and index to `surveys.Response`, which every answer
  would pay for (the answer path holds 0.68 of its bare view against a 0.65 target).

Commit lag. A response is stamped before its transaction commits; the fill reads only up to
`now - FILL_LAG`, so everything stamped before that point has committed when it is read.

Idempotency. A changed day is recomputed whole from the source (DELETE its facts, INSERT the
grouped rows) in the same transaction that moves the watermark, with the FillState row locked:
running twice, or two workers at once, leaves the same rows, and a record is counted once however
many times its day is recomputed. Unique constraints on the fact keys refuse a duplicate row.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import BigIntegerField, F, Q
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.models import AuditEvent
from surveys.models import Response

from ..measures import (
    ANSWER_MEASURES,
    LOYALTY_MEASURES,
    RESPONSE_MEASURES,
    classification_columns,
    loyalty_answers,
    rating_answers,
    response_channel,
    scored_responses,
)
from ..models import (
    FACT_KEY_FIELDS,
    FillState,
    LoyaltyDailyFact,
    ResponseDailyFact,
    SatisfactionDailyFact,
)

logger = logging.getLogger(__name__)

# Read the source only up to this long ago: answer transactions commit within milliseconds, so two
# minutes leaves every row stamped before the watermark committed (see "Commit lag" above).
FILL_LAG = datetime.timedelta(minutes=2)
# One step of the watermark, one transaction: up to a month of changes. A regular run (every five
# minutes) is one step touching one or two days; only the first fill of a database takes many.
FILL_BATCH_DAYS = 31


# -- which days changed ---------------------------------------------------------------------------


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def days_filter(field: str, days: Iterable[datetime.date]) -> Q:
    """Rows whose `field` (a datetime) falls on one of `days` (local), as index-friendly ranges:
    consecutive days merge into one range."""
    condition = Q(pk__in=[])
    ordered = sorted(set(days))
    index = 0
    while index < len(ordered):
        first = last = ordered[index]
        while index + 1 < len(ordered) and ordered[index + 1] == last + datetime.timedelta(days=1):
            index += 1
            last = ordered[index]
        condition |= Q(**{f"{field}__gte": _day_bounds(first)[0], f"{field}__lt": _day_bounds(last)[1]})
        index += 1
    return condition


def changed_days(*, after: datetime.datetime | None, until: datetime.datetime) -> set[datetime.date]:
    """Local days whose responses changed in (after, until]: new (submitted_at) or audited events."""
    days: set[datetime.date] = set()
    new = Q(submitted_at__lte=until) if after is None else Q(submitted_at__gt=after, submitted_at__lte=until)
    condition = new
    events = None
    if after is not None:
        events = AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Response), at__gt=after, at__lte=until
        )
        audited = events.order_by().annotate(response_id=Cast("object_id", BigIntegerField())).values("response_id")
        condition |= Q(pk__in=audited)
    days.update(
        Response.objects.filter(condition)
        .annotate(day=TruncDate("submitted_at"))
        .order_by()
        .values_list("day", flat=True)
        .distinct()
    )
    if events is not None:
        # A deleted response is gone: its day is in the event (snapshot before/after), few rows.
        for changes in events.filter(action=AuditEvent.Action.DELETE).values_list("changes", flat=True):
            submitted = (changes or {}).get("submitted_at")
            value = submitted[0] if isinstance(submitted, list) else submitted
            moment = parse_datetime(value) if isinstance(value, str) else None
            if moment is not None:
                days.add(timezone.localdate(moment if timezone.is_aware(moment) else timezone.make_aware(moment)))
    return days


# -- recomputing days -----------------------------------------------------------------------------


def _response_rows(days: set[datetime.date]) -> list[ResponseDailyFact]:
    rows = (
        scored_responses()
        .filter(days_filter("submitted_at", days))
        .annotate(day=TruncDate("submitted_at"), channel=response_channel(), **classification_columns())
        .order_by()
        .values(*FACT_KEY_FIELDS)
        .annotate(**RESPONSE_MEASURES)
    )
    return [ResponseDailyFact(**row) for row in rows]


def _dimension_rows(days: set[datetime.date]) -> list[SatisfactionDailyFact]:
    rows = (
        rating_answers()
        .filter(days_filter("response__submitted_at", days))
        .annotate(
            day=TruncDate("response__submitted_at"),
            channel=response_channel("response__"),
            dimension_key=F("question__dimension_id"),
            **classification_columns("response__"),
        )
        .order_by()
        .values(*FACT_KEY_FIELDS, "dimension_key")
        .annotate(**ANSWER_MEASURES)
    )
    facts = []
    for row in rows:
        row["dimension_id"] = row.pop("dimension_key")
        facts.append(SatisfactionDailyFact(**row))
    return facts


def _loyalty_rows(days: set[datetime.date]) -> list[LoyaltyDailyFact]:
    """Per aspect, and over every aspect (aspect ""): two GROUP BYs, since a response answering two
    aspects is one response of the group."""
    answers = (
        loyalty_answers()
        .filter(days_filter("response__submitted_at", days))
        .annotate(
            day=TruncDate("response__submitted_at"),
            channel=response_channel("response__"),
            **classification_columns("response__"),
        )
        .order_by()
    )
    facts = []
    for row in (
        answers.annotate(aspect_key=F("question__loyalty_aspect"))
        .values(*FACT_KEY_FIELDS, "aspect_key")
        .annotate(**LOYALTY_MEASURES)
    ):
        row["aspect"] = row.pop("aspect_key")
        facts.append(LoyaltyDailyFact(**row))
    for row in answers.values(*FACT_KEY_FIELDS).annotate(**LOYALTY_MEASURES):
        facts.append(LoyaltyDailyFact(aspect="", **row))
    return facts


@dataclass(frozen=True)
class FactKind:
    model: type[models.Model]
    build: Callable[[set[datetime.date]], list]


FACT_KINDS: dict[str, FactKind] = {
    FillState.Kind.RESPONSES: FactKind(ResponseDailyFact, _response_rows),
    FillState.Kind.DIMENSIONS: FactKind(SatisfactionDailyFact, _dimension_rows),
    FillState.Kind.LOYALTY: FactKind(LoyaltyDailyFact, _loyalty_rows),
}


def facts_days_replace(*, kind: str, days: set[datetime.date]) -> int:
    """Recompute `days` of one fact kind from the source; returns the rows written. Inside the
    caller's transaction."""
    fact = FACT_KINDS[kind]
    if not days:
        return 0
    fact.model._default_manager.filter(day__in=sorted(days)).delete()
    rows = fact.build(days)
    fact.model._default_manager.bulk_create(rows, batch_size=1000)
    return len(rows)


@dataclass
class FillReport:
    steps: int = 0
    days: int = 0
    rows: int = 0


def _first_change() -> datetime.datetime | None:
    first = Response.objects.order_by("submitted_at").values_list("submitted_at", flat=True).first()
    return None if first is None else first - datetime.timedelta(microseconds=1)


def _fill_kind(kind: str, *, until: datetime.datetime, batch: datetime.timedelta, report: FillReport) -> None:
    state, _ = FillState.objects.get_or_create(kind=kind)
    FillState.objects.filter(pk=state.pk).update(status=FillState.Status.RUNNING, last_run_at=timezone.now())
    position = state.watermark or _first_change()
    if position is None:  # no response at all yet: nothing to fill up to `until`
        FillState.objects.filter(pk=state.pk).update(watermark=until, status=FillState.Status.DONE, last_error="")
        return
    while position < until:
        end = min(position + batch, until)
        with transaction.atomic():
            # Locked (PostgreSQL; SQLite's IMMEDIATE transactions serialise writers anyway): a
            # concurrent fill waits here and then finds the step done.
            locked = FillState.objects.select_for_update().get(pk=state.pk)
            if locked.watermark is not None and locked.watermark >= end:
                position = locked.watermark
                continue
            days = changed_days(after=locked.watermark, until=end)
            report.rows += facts_days_replace(kind=kind, days=days)
            report.days += len(days)
            report.steps += 1
            FillState.objects.filter(pk=state.pk).update(watermark=end)
        position = end
    FillState.objects.filter(pk=state.pk).update(status=FillState.Status.DONE, last_error="")


def facts_fill(*, until: datetime.datetime | None = None, batch_days: int = FILL_BATCH_DAYS) -> FillReport:
    """Bring every fact kind up to `until` (default: now minus FILL_LAG), in steps of `batch_days`.

    Idempotent: a step recomputes whole days and moves the watermark in one transaction; a run
    with nothing new reads two indexed ranges and writes nothing but the state's timestamps.
    A failure marks the state FAILED with the error and re-raises (the task records it); the
    watermark stays at the last finished step, so the next run carries on from there."""
    if batch_days < 1:
        raise ValueError("batch_days must be at least 1")
    until = until or timezone.now() - FILL_LAG
    batch = datetime.timedelta(days=batch_days)
    report = FillReport()
    for kind in FACT_KINDS:
        try:
            _fill_kind(kind, until=until, batch=batch, report=report)
        except Exception as error:
            FillState.objects.filter(kind=kind).update(status=FillState.Status.FAILED, last_error=repr(error)[:2000])
            logger.exception("facts fill failed for %s", kind)
            raise
    return report


def facts_rebuild(*, since: datetime.date, until: datetime.date) -> int:
    """Recompute every day of [since, until] from the source (after a repair, or to take today's
    customer classifications into past days). Rows written."""
    days = {since + datetime.timedelta(days=offset) for offset in range((until - since).days + 1)}
    written = 0
    with transaction.atomic():
        for kind in FACT_KINDS:
            written += facts_days_replace(kind=kind, days=days)
    return written
