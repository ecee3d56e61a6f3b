"""The customer timeline and its extension point.

A later app (complaints, surveys, visits) shows its records on a customer's page by registering a
provider in its AppConfig.ready():

    from customers import timeline
    timeline.register(my_provider)

A provider is `provider(customer, limit) -> list[TimelineEntry]`, or, when what it shows depends
on who reads (survey answers are their account manager's), `provider(customer, limit, *, viewer)`.
Each provider must read with a bounded number of queries (it gets a `limit`); the page merges and
sorts the entries by time.
"""

from __future__ import annotations

import datetime
import inspect
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

TimelineProvider = Callable[..., list["TimelineEntry"]]
_providers: list[TimelineProvider] = []


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    kind: str  # a short machine name: "lifecycle", "audit", "complaint", "survey", "visit"
    title: str
    detail: str = ""
    url: str = ""
    actor: str = ""


def register(provider: TimelineProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def _takes_viewer(provider: TimelineProvider) -> bool:
    return "viewer" in inspect.signature(provider).parameters


def customer_timeline(customer, limit: int = 30, *, viewer=None) -> list[TimelineEntry]:
    """The entries of every provider; `viewer` (the reader) is passed to those that ask for it."""
    entries: list[TimelineEntry] = []
    for provider in _providers:
        entries.extend(
            provider(customer, limit, viewer=viewer) if _takes_viewer(provider) else provider(customer, limit)
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def lifecycle_entries(customer, limit: int) -> list[TimelineEntry]:
    from .models import Lifecycle

    entries = []
    for change in customer.lifecycle_changes.select_related("changed_by")[:limit]:
        if change.is_win_back:
            title = _("Won back")
        elif change.from_state:
            title = _("%(from)s → %(to)s") % {
                "from": Lifecycle(change.from_state).label,
                "to": Lifecycle(change.to_state).label,
            }
        else:
            title = _("Created as %(state)s") % {"state": Lifecycle(change.to_state).label}
        entries.append(
            TimelineEntry(
                at=change.changed_at,
                kind="lifecycle",
                title=title,
                detail=change.reason,
                actor=str(change.changed_by) if change.changed_by else "",
            )
        )
    return entries


def audit_entries(customer, limit: int) -> list[TimelineEntry]:
    from core.models import AuditEvent

    from .selectors import customer_audit_trail

    entries = []
    for event in customer_audit_trail(customer=customer, limit=limit):
        # Field-level edits are in the page's change history and lifecycle steps come with their
        # reason from lifecycle_entries; the timeline keeps the events of the record's life.
        if event.action not in (AuditEvent.Action.CREATE, AuditEvent.Action.IMPORT, AuditEvent.Action.DELETE):
            continue
        fields = ""
        entries.append(
            TimelineEntry(
                at=event.at,
                kind="audit",
                title=f"{event.get_action_display()}: {event.object_repr}",
                detail=fields,
                actor=event.actor_name,
            )
        )
    return entries
