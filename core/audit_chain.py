"""Tamper evidence for the audit trail: a hash chain sealed in batches, and its verification.

Writing an event stays a plain INSERT (the survey answer path audits every submission and must not
wait on a chain lock). A sealer, run every minute by beat, takes the unsealed events in id order and
appends one AuditChainLink per event:

    link_hash = SHA-256(previous link_hash + "\\n" + canonical_entry(event))

starting from GENESIS. An edited, deleted, inserted or reordered event no longer matches the chain;
rewriting the whole chain from some point on is found by comparing it with a published head
(`audit_chain_head()`, printed in the monthly reports).
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import functools
import hashlib
import ipaddress
import json
import math
from collections.abc import Callable, Iterator
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AuditChainLink, AuditEvent

GENESIS = "0" * 64

# The entry's stored fields, by column (attname), in version 1 of the canonical form. Frozen: a
# field added to AuditEvent later must not change the serialisation of the events already sealed,
# so tests/core/test_audit_chain.py fails until a new field is consciously added here (and a
# version 2 decided for events sealed from then on).
CANONICAL_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "changes",
    "comment",
    "ip_address",
    "user_agent",
    "source",
)

# Events this young are not sealed yet. An event's id is drawn at INSERT but becomes visible only at
# COMMIT, so on PostgreSQL an older transaction can commit a lower id after a higher one was
# sealed. Sealing only events whose `at` (set just before the INSERT) is older than this delay is
# safe for every transaction that commits within it: gunicorn kills a request after 60 s, so 120 s
# covers the request paths and clock skew between hosts. On PostgreSQL the sealer also waits for
# every transaction that is writing and started before the candidate events (pg_stat_activity), which
# covers long Celery tasks too. Should a lower id still appear later (a transaction that was not
# visible, or clocks far apart), verification reports it as an *inserted* entry: loud, never
# silently skipped. On SQLite writers are serialised by the database lock, so ids commit in order.
SETTLE_SECONDS = 120

# Events sealed per transaction. Measured here (2 shared cores, 50,000 events): 0.70 s per 5,000 on
# SQLite, 0.54 s on PostgreSQL, so a busy minute is one short transaction and a first seal of an old
# trail of 1M events is 200 transactions of well under a second each (about 2.5 minutes in all).
SEAL_BATCH_SIZE = 5000

# Links (and their events) read per query while verifying, as tuples (no model instances). Measured
# here (2 shared cores, SQLite, 50,000 events): 43,000 events/s, was 16,700/s with model instances.
VERIFY_BATCH_SIZE = 2000

# pg_try_advisory_xact_lock key: one sealer at a time on PostgreSQL ("csm-audit-chain" digits).
ADVISORY_LOCK_KEY = 7_100_413_001


# --- The canonical serialisation -------------------------------------------------------------------


def canonical_number(value: int | float | decimal.Decimal) -> str:
    """A number as the same text whichever database stored it.

    PostgreSQL's jsonb keeps numbers as `numeric` (100.0 may read back as 100.0, 1e16 as
    10000000000000000), SQLite keeps the text Python wrote: write the decimal value in plain
    notation, integral values without a fraction, other values as their shortest round-trip digits.
    """
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        value = decimal.Decimal(repr(value))
    elif isinstance(value, int):
        return str(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


# json.dumps(text, ensure_ascii=True) without its per-call overhead: the same C encoder it ends in.
_string = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]


def _json(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _string(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, decimal.Decimal)):
        return canonical_number(value)
    if isinstance(value, dict):
        items = sorted((_key(k), v) for k, v in value.items())
        return "{" + ",".join(f"{_string(k)}:{_json(v)}" for k, v in items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_json(v) for v in value) + "]"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _key(key: Any) -> str:
    # As json.dumps turns a key into text (what the database stores and gives back).
    if isinstance(key, str):
        return key
    return _json(key)


def canonical_timestamp(value: datetime.datetime) -> str:
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


@functools.lru_cache(maxsize=4096)
def canonical_ip_address(value: str | None) -> str | None:
    """PostgreSQL's inet gives back its own spelling of an IPv6 address; spell every one alike."""
    if not value:
        return None
    address = ipaddress.ip_address(value)
    if address.version == 4:
        return str(address)
    return ":".join(address.packed[i : i + 2].hex() for i in range(0, 16, 2))


def canonical_entry(values: dict[str, Any], *, with_id: bool = True) -> str:
    """The entry as one line of JSON: sorted keys, UTC ISO timestamps, stable numbers.

    `values` maps each name in CANONICAL_FIELDS to the stored value (as the ORM loads it).
    """
    entry = {}
    for name in CANONICAL_FIELDS:
        if name == "id" and not with_id:
            continue
        value = values[name]
        if name == "at":
            value = canonical_timestamp(value)
        elif name == "ip_address":
            value = canonical_ip_address(value)
        entry[name] = value
    return _json(entry)


def entry_values(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in CANONICAL_FIELDS}


# The canonical entry's keys in their sorted order, each with its index in CANONICAL_FIELDS: the
# verifier reads rows as tuples in CANONICAL_FIELDS order and writes the line without building a dict.
_SORTED_FIELDS = tuple(sorted((name, index) for index, name in enumerate(CANONICAL_FIELDS)))
_AT, _IP = CANONICAL_FIELDS.index("at"), CANONICAL_FIELDS.index("ip_address")


def canonical_row(row: tuple[Any, ...]) -> str:
    """canonical_entry() of a row read as values_list(*CANONICAL_FIELDS): the same text, faster."""
    values = list(row)
    values[_AT] = canonical_timestamp(values[_AT])
    values[_IP] = canonical_ip_address(values[_IP])
    return "{" + ",".join(f'"{name}":{_json(values[index])}' for name, index in _SORTED_FIELDS) + "}"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def link_hash(previous: str, event: AuditEvent) -> str:
    return _sha256(previous + "\n" + canonical_entry(entry_values(event)))


def content_hash(event: AuditEvent) -> str:
    return _sha256(canonical_entry(entry_values(event), with_id=False))


# --- The head ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ChainHead:
    position: int
    hash: str
    sealed_at: datetime.datetime
    event_id: int


def audit_chain_head() -> ChainHead | None:
    """The last link (position, hash, sealed_at): what operators publish, e.g. in monthly reports."""
    link = _head_link()
    if link is None:
        return None
    return ChainHead(position=link.position, hash=link.link_hash, sealed_at=link.sealed_at, event_id=link.event_id)


@dataclasses.dataclass(frozen=True)
class ChainStatus:
    head: ChainHead | None
    awaiting: int


def audit_chain_status() -> ChainStatus:
    """How far the chain is sealed, for the audit page: two indexed queries."""
    head = audit_chain_head()
    awaiting = AuditEvent.objects.filter(id__gt=head.event_id if head else 0).count()
    return ChainStatus(head=head, awaiting=awaiting)


# --- Sealing ----------------------------------------------------------------------------------


def audit_chain_seal(
    *,
    batch_size: int = SEAL_BATCH_SIZE,
    settle_seconds: int = SETTLE_SECONDS,
    now: datetime.datetime | None = None,
) -> int:
    """Seal the unsealed events older than `settle_seconds`, in id order, batch by batch. Returns
    how many were sealed.

    Idempotent: an event is sealed once (unique event and position). One sealer at a time: on
    PostgreSQL a second one finds the advisory lock taken and returns 0; anywhere, a sealer that
    read a head another one has since extended fails on the unique position and seals nothing.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settle_seconds)
    sealed = 0
    while True:
        count = _seal_batch(batch_size=batch_size, cutoff=cutoff, sealed_at=now)
        sealed += count
        if count < batch_size:
            return sealed


def _seal_batch(*, batch_size: int, cutoff: datetime.datetime, sealed_at: datetime.datetime) -> int:
    try:
        with transaction.atomic():
            if not _sealer_lock():
                return 0
            cutoff = min(cutoff, _oldest_open_writer_start() or cutoff)
            head = _head_link()
            previous, position = (head.link_hash, head.position) if head else (GENESIS, 0)
            links = []
            for event in _unsealed_events(after=head.event_id if head else 0, limit=batch_size):
                if event.at > cutoff:
                    break  # in id order: a younger event stops the batch, later ids wait for it
                position += 1
                previous = link_hash(previous, event)
                links.append(
                    AuditChainLink(
                        position=position,
                        event_id=event.id,
                        content_hash=content_hash(event),
                        link_hash=previous,
                        sealed_at=sealed_at,
                    )
                )
            AuditChainLink.objects.bulk_create(links)
            return len(links)
    except IntegrityError:
        # Another sealer extended the chain since this one read its head: its links stand, these
        # are rolled back, and the next run continues from the new head. No fork.
        return 0


def _head_link() -> AuditChainLink | None:
    return AuditChainLink.objects.order_by("-position").first()


def _unsealed_events(*, after: int, limit: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=after).order_by("id")[:limit])


def _sealer_lock() -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite: writers are serialised by the database lock (IMMEDIATE transactions)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        return cursor.fetchone()[0]


def _oldest_open_writer_start() -> datetime.datetime | None:
    """PostgreSQL: when the oldest other transaction that has written something began. Its events
    (ids already drawn, not yet visible) are at least that old, so nothing at or after it is sealed.
    A role sees its own sessions' rows, which is where audit events come from."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MIN(xact_start) FROM pg_stat_activity WHERE backend_xid IS NOT NULL"
            " AND pid <> pg_backend_pid() AND datname = current_database()"
        )
        return cursor.fetchone()[0]


# --- Verification -----------------------------------------------------------------------------


class BreakKind(models.TextChoices):
    EDITED = "edited", _("edited")
    DELETED = "deleted", _("deleted")
    INSERTED = "inserted", _("inserted")
    REORDERED = "reordered", _("reordered")
    REWRITTEN = "rewritten", _("chain rewritten since the published head")


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """A link an earlier verification found intact: the chain up to it needs no walking again."""

    position: int
    hash: str
    event_id: int


@dataclasses.dataclass(frozen=True)
class ChainVerification:
    ok: bool
    sealed: int
    unsealed: int
    head: ChainHead | None
    broken_entry_id: int | None = None
    broken_position: int | None = None
    kind: BreakKind | None = None
    # How far the walk got: the last link found intact (None when not even the first one was), and
    # the checkpoint it started after (None: from the genesis, i.e. the whole chain).
    verified: Checkpoint | None = None
    started_after: Checkpoint | None = None
    # How many links this walk recomputed.
    checked: int = 0

    def as_text(self) -> str:
        head = (
            f"head {self.head.position} {self.head.hash} sealed {self.head.sealed_at.isoformat()}"
            if self.head
            else "no head"
        )
        status = (
            "ok"
            if self.ok
            else f"BROKEN at entry {self.broken_entry_id} (position {self.broken_position}): {self.kind}"
        )
        return f"{status}; {self.sealed} sealed, {self.unsealed} awaiting the next seal; {head}"


def audit_chain_verify(
    *,
    published: tuple[int, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    after: Checkpoint | None = None,
) -> ChainVerification:
    """Recompute the chain from the events and name the first broken entry. Reads only.

    published: a head published earlier (position, hash); the chain must still contain it.
    progress: called after each batch of links with (links checked, links sealed).
    after: a link an earlier full verification found intact. The walk then starts from that
    checkpoint's recorded hash (not the stored one), so links after it must chain onto what was
    verified; the stored link at the checkpoint must still be that one (else: rewritten). Events
    before it are not recomputed: an entry edited there is found only by a full verification.
    Kinds: an event changed since it was sealed (edited); a sealed event (or its link) gone
    (deleted); an event below the sealed head that was never sealed (inserted, or a transaction that
    committed later than SETTLE_SECONDS allows); entries in another order than sealed (reordered).
    """
    head = audit_chain_head()
    head_event_id = head.event_id if head else 0
    unsealed = AuditEvent.objects.filter(id__gt=head_event_id).count()
    sealed = head.position if head else 0
    # Every unsealed event below the head, also before a checkpoint: one indexed anti-join.
    inserted = (
        AuditEvent.objects.filter(id__lte=head_event_id, chain_link__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    walk = _Walk(after)
    found = walk.first_break(
        stop_before_entry=inserted, progress=(lambda done: progress(done, sealed)) if progress else None
    )
    if found is None and inserted is not None:
        position = (
            AuditChainLink.objects.filter(event_id__gt=inserted)
            .order_by("position")
            .values_list("position", flat=True)
            .first()
        )
        found = (inserted, position, BreakKind.INSERTED)
    checks = [(after.position, after.hash)] if after is not None else []
    if published is not None:
        checks.append(published)
    for position, expected_hash in checks:
        if found is not None:
            break
        stored = AuditChainLink.objects.filter(position=position).values_list("event_id", "link_hash").first()
        if stored is None or stored[1] != expected_hash:
            found = (stored[0] if stored else None, position, BreakKind.REWRITTEN)
    common = {
        "sealed": sealed,
        "unsealed": unsealed,
        "head": head,
        "verified": walk.verified,
        "started_after": after,
        "checked": walk.checked,
    }
    if found is None:
        return ChainVerification(ok=True, **common)
    entry, position, kind = found
    return ChainVerification(ok=False, broken_entry_id=entry, broken_position=position, kind=kind, **common)


def _links(after: int) -> Iterator[list[tuple[int, int, str]]]:
    """(position, event id, link hash) of the links after position `after`, batch by batch."""
    last = after
    while True:
        batch = list(
            AuditChainLink.objects.filter(position__gt=last)
            .order_by("position")
            .values_list("position", "event_id", "link_hash")[:VERIFY_BATCH_SIZE]
        )
        if not batch:
            return
        yield batch
        last = batch[-1][0]


def _event_rows(ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """The events' stored values as tuples in CANONICAL_FIELDS order (no model instances)."""
    rows = AuditEvent.objects.filter(id__in=ids).values_list(*CANONICAL_FIELDS)
    return {row[0]: row for row in rows}


class _Walk:
    """Walks the chain from the genesis or a checkpoint, remembering the last link found intact."""

    def __init__(self, after: Checkpoint | None) -> None:
        self.after = after
        self.verified = after
        self.checked = 0
        self._last: tuple[int, str, int] | None = None

    def first_break(
        self, *, stop_before_entry: int | None, progress: Callable[[int], None] | None = None
    ) -> tuple[int, int, BreakKind] | None:
        """The first link that does not match; stops at an inserted entry found before it (which is
        then the first break)."""
        if self.after is None:
            expected_position, previous_hash, previous_event = 1, GENESIS, 0
        else:
            expected_position = self.after.position + 1
            previous_hash, previous_event = self.after.hash, self.after.event_id
        try:
            return self._walk(expected_position, previous_hash, previous_event, stop_before_entry, progress)
        finally:
            if self._last is not None:
                position, link, event_id = self._last
                self.verified = Checkpoint(position=position, hash=link, event_id=event_id)

    def _walk(
        self,
        expected_position: int,
        previous_hash: str,
        previous_event: int,
        stop_before_entry: int | None,
        progress: Callable[[int], None] | None,
    ) -> tuple[int, int, BreakKind] | None:
        sha256 = hashlib.sha256
        for batch in _links(expected_position - 1):
            if progress is not None:
                progress(expected_position - 1)
            events = _event_rows([event_id for _position, event_id, _hash in batch])
            for position, event_id, stored_hash in batch:
                if stop_before_entry is not None and event_id > stop_before_entry:
                    return None
                if position != expected_position:
                    return event_id, expected_position, BreakKind.DELETED  # a link removed
                if event_id <= previous_event:
                    return event_id, position, BreakKind.REORDERED
                row = events.get(event_id)
                if row is None:
                    return event_id, position, BreakKind.DELETED
                computed = sha256((previous_hash + "\n" + canonical_row(row)).encode("utf-8")).hexdigest()
                if computed != stored_hash:
                    link = AuditChainLink.objects.get(position=position)
                    return event_id, position, _mismatch_kind(link, link.event, previous_event)
                expected_position, previous_hash, previous_event = position + 1, stored_hash, event_id
                self._last = (position, stored_hash, event_id)
                self.checked += 1
        return None


def _mismatch_kind(link: AuditChainLink, event: AuditEvent, previous_event: int) -> BreakKind:
    """Why a link does not match (asked once, at the first break): an entry that belongs between
    the previous link and this one is linked further on (links reordered); the event's content is
    sealed under another link (entries swapped); otherwise the event or the link was edited."""
    skipped = AuditChainLink.objects.filter(event_id__gt=previous_event, event_id__lt=link.event_id).exists()
    moved = AuditChainLink.objects.filter(content_hash=content_hash(event)).exclude(pk=link.pk).exists()
    return BreakKind.REORDERED if skipped or moved else BreakKind.EDITED
