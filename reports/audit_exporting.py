"""The audit trail as rows for people: headers, actions and record types in the reader's language, the
time in the configured time zone, and the changes as "field: before → after" in words (core.audit's
`describe_changes`, as the record pages show them). With `codes=True` the rows are for machines: the
field names, action codes, `app.model`, ISO 8601 times with their offset and the changes as JSON.

Read in keyset batches, so memory stays flat however long the trail; the audit list's export and the
evidence pack's extract write the same rows."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.audit import describe_changes
from core.exporting import local_datetime
from core.models import AuditEvent

BATCH_SIZE = 2000
CODE_HEADER = (
    "id",
    "at",
    "actor",
    "action",
    "record_type",
    "record_id",
    "record",
    "changes",
    "comment",
    "ip_address",
    "source",
)


def _header() -> list[str]:
    return [
        _("Event"),
        _("When"),
        _("Who (name at the time)"),
        _("Action"),
        _("Record type"),
        _("Record id"),
        _("Record"),
        _("Changes"),
        _("Comment"),
        _("IP address"),
        _("Source"),
    ]


def _words(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_words(item)}" for key, item in sorted(value.items()))
    return str(value)


def changes_text(event: AuditEvent) -> str:
    """An event's changes as a person reads them: one "field: before → after" per line."""
    lines = []
    for label, before, after in describe_changes(event):
        if before is None:
            lines.append(f"{label}: {_words(after)}")
        else:
            lines.append(f"{label}: {_words(before)} → {_words(after)}")
    return "\n".join(lines)


def _record_type(event: AuditEvent) -> str:
    return _type_words(event.content_type_id, event.content_type.app_label, event.content_type.model, get_language())


@functools.lru_cache(maxsize=1024)
def _type_words(_content_type_id: int, app_label: str, model_name: str, _language: str | None) -> str:
    """A record type in words in the active language (the key): once per type, not once per entry."""
    from django.apps import apps

    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        return f"{app_label}.{model_name}"
    return str(model._meta.verbose_name).capitalize()


@functools.lru_cache(maxsize=64)
def _action_words(action: str, _language: str | None) -> str:
    return str(dict(AuditEvent.Action.choices).get(action, action))


def _row(event: AuditEvent, codes: bool) -> list[Any]:
    if codes:
        return [
            event.pk,
            timezone.localtime(event.at).isoformat(),
            event.actor_name,
            event.action,
            f"{event.content_type.app_label}.{event.content_type.model}",
            event.object_id,
            event.object_repr,
            json.dumps(event.changes, ensure_ascii=False, sort_keys=True, default=str),
            event.comment,
            event.ip_address or "",
            event.source,
        ]
    return [
        event.pk,
        local_datetime(event.at, seconds=True),
        event.actor_display,
        _action_words(event.action, get_language()),
        _record_type(event),
        event.object_id,
        event.object_repr,
        changes_text(event),
        event.comment_display,
        event.ip_address or "",
        event.source_display,
    ]


def audit_export_rows(events: QuerySet, *, language: str, codes: bool = False) -> Iterator[list[Any]]:
    """The header, then `events` oldest first, in `language` (or as codes)."""
    events = events.select_related("content_type")
    with translation.override(language):
        yield list(CODE_HEADER) if codes else _header()
        last = 0
        while True:
            batch = list(events.filter(id__gt=last).order_by("id")[:BATCH_SIZE])
            if not batch:
                return
            for event in batch:
                yield _row(event, codes)
            last = batch[-1].id
