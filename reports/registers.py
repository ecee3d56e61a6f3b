"""The registers an auditor and a manager take away as spreadsheets: complaints, corrective actions
and follow-up visits of a period. The evidence pack writes the same rows.

Rows are generated in keyset batches (flat memory at any size) in the reader's language: headers and
choice values translated, dates and times in the configured time zone, numbers as numbers (so XLSX
pivots work), booleans as Yes/No. With `codes=True` choice values stay codes and booleans 1/0, for
machines. The file writer (core.exporting) neutralises formula-like text.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Model, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, CorrectiveAction
from complaints.services.actions import ROOT_CAUSE_CATEGORIES
from core.exporting import local_datetime
from core.i18n import bilingual
from visits.models import Visit

BATCH_SIZE = 2000


@dataclass(frozen=True)
class Column:
    header: Any  # a lazy translatable string
    value: Callable[[Any, bool], Any]  # (record, codes) -> cell


def _local(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A naive local date and time (spreadsheets have no time zones), to the minute."""
    return local_datetime(moment)


def _hours(start: datetime.datetime | None, end: datetime.datetime | None) -> Decimal | None:
    if start is None or end is None:
        return None
    return Decimal((end - start).total_seconds() / 3600).quantize(Decimal("0.1"))


def _days(start: datetime.datetime | None, end: datetime.datetime | None) -> Decimal | None:
    if start is None or end is None:
        return None
    return Decimal((end - start).total_seconds() / 86400).quantize(Decimal("0.1"))


def _yes_no(value: bool | None, codes: bool) -> Any:
    if value is None:
        return None
    if codes:
        return int(value)
    return str(_("Yes") if value else _("No"))


def _choice(record: Model, field: str, codes: bool) -> str:
    """A choice's label in the active language (what get_FOO_display gives), looked up in labels worked
    out once per field and language instead of once per row."""
    value = getattr(record, field)
    if codes or not value:
        return value
    return _choice_labels(record._meta.model, field, translation.get_language()).get(value, str(value))


@functools.lru_cache(maxsize=256)
def _choice_labels(model: type[Model], field: str, _language: str | None) -> dict[Any, str]:
    return {value: str(label) for value, label in model._meta.get_field(field).flatchoices}


def _on_time(done: datetime.datetime | None, due: datetime.datetime | None) -> bool | None:
    if done is None or due is None:
        return None
    return done <= due


def _root_cause(complaint: Complaint, codes: bool) -> str:
    code = complaint.root_cause_category
    if codes or not code:
        return code
    return str(ROOT_CAUSE_CATEGORIES.get(code, code))


COMPLAINT_COLUMNS = (
    Column(_("Reference"), lambda c, codes: c.reference),
    Column(_("Type"), lambda c, codes: _choice(c, "kind", codes)),
    Column(_("Received at"), lambda c, codes: _local(c.received_at)),
    Column(_("Channel"), lambda c, codes: _choice(c, "channel", codes)),
    Column(_("Category"), lambda c, codes: (c.category.code if codes else str(c.category)) if c.category else ""),
    Column(_("Severity"), lambda c, codes: _choice(c, "severity", codes)),
    Column(_("Customer code"), lambda c, codes: c.customer.code),
    Column(_("Customer"), lambda c, codes: c.customer.name),
    Column(_("State"), lambda c, codes: _choice(c, "state", codes)),
    Column(_("Acknowledged at"), lambda c, codes: _local(c.acknowledged_at)),
    Column(_("Hours to acknowledge"), lambda c, codes: _hours(c.received_at, c.acknowledged_at)),
    Column(
        _("Acknowledged on time"), lambda c, codes: _yes_no(_on_time(c.acknowledged_at, c.acknowledge_due_at), codes)
    ),
    Column(_("Resolved at"), lambda c, codes: _local(c.resolved_at)),
    Column(_("Days to resolve"), lambda c, codes: _days(c.received_at, c.resolved_at)),
    Column(_("Resolved on time (SLA met)"), lambda c, codes: _yes_no(_on_time(c.resolved_at, c.resolve_due_at), codes)),
    Column(_("Closed at"), lambda c, codes: _local(c.closed_at)),
    Column(_("Closed because"), lambda c, codes: _choice(c, "close_reason", codes)),
    Column(_("Root cause category"), lambda c, codes: _root_cause(c, codes)),
    Column(_("Complainant satisfaction (1–5)"), lambda c, codes: c.satisfaction_rating),
    Column(_("Times reopened"), lambda c, codes: c.reopen_count),
)

ACTION_COLUMNS = (
    Column(_("Complaint"), lambda a, codes: a.complaint.reference),
    Column(_("Kind"), lambda a, codes: _choice(a, "kind", codes)),
    Column(_("Description"), lambda a, codes: a.description),
    Column(_("Owner"), lambda a, codes: a.owner.get_username() if codes else (a.owner.get_full_name() or str(a.owner))),
    Column(_("Due date"), lambda a, codes: a.due_date),
    Column(_("Status"), lambda a, codes: _choice(a, "status", codes)),
    Column(_("Must be done before closing"), lambda a, codes: _yes_no(a.required_for_closing, codes)),
    Column(_("Done at"), lambda a, codes: _local(a.done_at)),
    Column(_("Effectiveness check"), lambda a, codes: _choice(a, "result", codes)),
    Column(_("Verified at"), lambda a, codes: _local(a.verified_at)),
    Column(_("Verified by"), lambda a, codes: str(a.verified_by) if a.verified_by_id else ""),
    Column(_("Same defect recurred"), lambda a, codes: _yes_no(a.recurred, codes)),
    Column(_("Overdue"), lambda a, codes: _yes_no(a.status == "open" and a.due_date < timezone.localdate(), codes)),
)

VISIT_COLUMNS = (
    Column(_("Customer code"), lambda v, codes: v.customer.code),
    Column(_("Customer"), lambda v, codes: v.customer.name),
    # A plan is named in both languages; its English name is its key (unique), which machines get.
    Column(_("Plan"), lambda v, codes: (v.plan.name if codes else bilingual(v.plan, "name")) if v.plan_id else ""),
    Column(_("Trigger"), lambda v, codes: _choice(v, "trigger", codes)),
    Column(_("Due date"), lambda v, codes: v.due_date),
    Column(_("Status"), lambda v, codes: _choice(v, "status", codes)),
    Column(_("Visited on"), lambda v, codes: v.visited_on),
    Column(_("Assigned to"), lambda v, codes: str(v.assignee) if v.assignee_id else ""),
    Column(_("Channel"), lambda v, codes: _choice(v, "channel", codes)),
    Column(_("Purpose"), lambda v, codes: _choice(v, "purpose", codes)),
    Column(
        _("Average score (1–5)"),
        lambda v, codes: None if v.average_score is None else Decimal(v.average_score).quantize(Decimal("0.1")),
    ),
    Column(_("Issues raised"), lambda v, codes: v.issue_count),
    Column(_("Summary"), lambda v, codes: v.summary),
)


def _batched(queryset: QuerySet, columns: tuple[Column, ...], *, language: str, codes: bool) -> Iterator[list[Any]]:
    """Header, then rows in keyset batches of BATCH_SIZE, rendered in `language`."""
    with translation.override(language):
        yield [str(column.header) for column in columns]
        last_pk = 0
        while True:
            batch = list(queryset.filter(pk__gt=last_pk).order_by("pk")[:BATCH_SIZE])
            if not batch:
                return
            for record in batch:
                yield [column.value(record, codes) for column in columns]
            last_pk = batch[-1].pk


def _window(field: str, since: datetime.date | None, until: datetime.date | None) -> dict[str, Any]:
    """A filter on a datetime field for the local days [since, until]."""
    lookups: dict[str, Any] = {}
    zone = timezone.get_current_timezone()
    if since:
        lookups[f"{field}__gte"] = datetime.datetime.combine(since, datetime.time.min, tzinfo=zone)
    if until:
        lookups[f"{field}__lt"] = datetime.datetime.combine(
            until + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
    return lookups


def complaint_register_rows(
    *,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    customers: QuerySet | None = None,
    language: str,
    codes: bool = False,
) -> Iterator[list[Any]]:
    """Every complaint received in the local days [since, until] (all kinds: complaints, enquiries,
    suggestions, compliments), oldest first."""
    queryset = Complaint.objects.filter(**_window("received_at", since, until)).select_related(
        "customer", "category", "category__parent"
    )
    if customers is not None:
        queryset = queryset.filter(customer__in=customers.values("pk"))
    return _batched(queryset, COMPLAINT_COLUMNS, language=language, codes=codes)


def corrective_action_rows(
    *,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    customers: QuerySet | None = None,
    language: str,
    codes: bool = False,
) -> Iterator[list[Any]]:
    """The actions of the complaints received in [since, until]."""
    queryset = CorrectiveAction.objects.filter(**_window("complaint__received_at", since, until)).select_related(
        "complaint", "owner", "verified_by"
    )
    if customers is not None:
        queryset = queryset.filter(complaint__customer__in=customers.values("pk"))
    return _batched(queryset, ACTION_COLUMNS, language=language, codes=codes)


def visit_rows(
    *,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    customers: QuerySet | None = None,
    language: str,
    codes: bool = False,
) -> Iterator[list[Any]]:
    """The visits due in [since, until], planned against done, with their average score and issues."""
    queryset = Visit.objects.all()
    if since:
        queryset = queryset.filter(due_date__gte=since)
    if until:
        queryset = queryset.filter(due_date__lte=until)
    if customers is not None:
        queryset = queryset.filter(customer__in=customers.values("pk"))
    queryset = queryset.select_related("customer", "plan", "assignee").annotate(
        average_score=Avg("scores__score"), issue_count=Count("issues", distinct=True)
    )
    return _batched(queryset, VISIT_COLUMNS, language=language, codes=codes)


REGISTERS = {
    "complaints": (complaint_register_rows, _("Complaint register")),
    "actions": (corrective_action_rows, _("Corrective actions")),
    "visits": (visit_rows, _("Follow-up visits")),
}
