"""Writing the audit trail. Every service that changes a business record calls one of these."""

from __future__ import annotations

import datetime
import decimal
import functools
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, gettext_lazy

from .context import current_origin
from .models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime, decimal.Decimal)):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool, dict)):
        return value
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The audited field values of an instance, as JSON-safe plain values."""
    ignored = ("id", "created_at", "updated_at", *getattr(instance, "audit_ignore", ()))
    names = fields or [f.name for f in instance._meta.concrete_fields if f.name not in ignored]
    values = {}
    for name in names:
        field = instance._meta.get_field(name)
        if field.is_relation:
            # The related record's name, not its id: the trail must read the same after renumbering.
            related_id = getattr(instance, field.attname)
            values[name] = None if related_id is None else str(getattr(instance, name))
        else:
            values[name] = _plain(getattr(instance, field.attname))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields that changed."""
    return {k: [before.get(k), after.get(k)] for k in after.keys() | before.keys() if before.get(k) != after.get(k)}


def audit_event_build(
    *,
    actor,
    action: str,
    instance: models.Model,
    changes: dict | None = None,
    comment: str = "",
) -> AuditEvent:
    origin = current_origin()
    return AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=(actor.get_username() if actor is not None and actor.is_authenticated else "system")[:150],
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        changes=changes or {},
        comment=comment,
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
        source=origin.source or "system",
    )


def audit_record(
    *, actor, action: str, instance: models.Model, changes: dict | None = None, comment: str = ""
) -> AuditEvent:
    event = audit_event_build(actor=actor, action=action, instance=instance, changes=changes, comment=comment)
    # An INSERT and nothing else: bulk_create skips save()'s signal dispatch and update check (an
    # event built here is always new), which matters on the hot paths that audit every request.
    AuditEvent.objects.bulk_create([event])
    return event


def audit_record_many(events: list[AuditEvent]) -> None:
    AuditEvent.objects.bulk_create(events, batch_size=2000)


def describe_changes(event: AuditEvent) -> list[tuple[str, object, object]]:
    """(field label, before, after) rows of an event, with field names and choice values in words.

    A name that is no field of the model (a related list such as a visit's scores, or a summary
    key) takes its label from the model's `audit_labels` ({name: lazy label}); a model can show its
    own values in words with a classmethod `audit_value_display(name, value)` (None: no opinion)."""
    model = event.content_type.model_class()
    ignored = getattr(model, "audit_ignore", ())
    language = get_language()
    value_display = getattr(model, "audit_value_display", None)
    rows = []
    for name, values in sorted((event.changes or {}).items()):
        if name in ignored:  # internal bookkeeping an older entry may still hold
            continue
        before, after = (values + [None, None])[:2] if isinstance(values, list) else (None, values)
        label, choices = _field_words(model, name, language)
        if choices:
            before, after = choices.get(before, before), choices.get(after, after)
        if value_display is not None:
            before, after = (_or(value_display(name, value), value) for value in (before, after))
        rows.append((label, _display(before), _display(after)))
    return rows


@functools.lru_cache(maxsize=4096)
def _field_words(model: Any, name: str, language: str | None) -> tuple[str, dict]:
    """(label, {value: label} of its choices) of a field name in the active `language` (the cache key):
    worked out once per field, not once per entry (the evidence pack describes half a million)."""
    label = _label(model, name)
    if model is None:
        return label, {}
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a field removed since the event was written, or no field
        return label, {}
    choices = getattr(field, "flatchoices", None) or []
    return label, {value: str(text) for value, text in choices}


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


# Keys that entries of any model may carry (an erasure touches contacts, complaints, visits, ...).
SHARED_LABELS = {
    "data_subject_erasure": gettext_lazy("erasure request no."),
    "pseudonym": gettext_lazy("pseudonym"),
    # An export is audited on the user who made it (customers, registers).
    "format": gettext_lazy("file format"),
    "filters": gettext_lazy("filters"),
}


def _label(model: Any, name: str) -> str:
    if model is None:
        return name
    labels = {**SHARED_LABELS, **(getattr(model, "audit_labels", None) or {})}
    if name in labels:
        return str(labels[name])
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a field removed since the event was written, or no field
        return gettext(name.replace("_", " "))
    verbose_name = getattr(field, "verbose_name", None)
    if isinstance(verbose_name, Promise):
        return str(verbose_name)
    # No translatable label of its own (Django's default from the name, or a reverse relation):
    # the related model's translated name, or the catalogue's words for the name.
    related = getattr(field, "related_model", None)
    if related is not None and not isinstance(related, str):
        return str(related._meta.verbose_name_plural if field.one_to_many else related._meta.verbose_name)
    return gettext(str(verbose_name or name.replace("_", " ")))


def _display(value: Any) -> Any:
    """A stored audit value as a person reads it: yes/no, lists joined, timestamps in local time."""
    from django.utils import formats, timezone
    from django.utils.dateparse import parse_datetime
    from django.utils.translation import gettext

    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):  # e.g. scores by code, when the model gives no words for them
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in " T":
        parsed = parse_datetime(value)
        if parsed is not None:
            if timezone.is_aware(parsed):
                parsed = timezone.localtime(parsed)
            return formats.date_format(parsed, "SHORT_DATETIME_FORMAT")
    return value
