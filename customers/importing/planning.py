"""Planning: clean rows compared with the database as it is now, one plan per customer saying what an
import would create or change (and audit), and the counts a preview shows. Writes nothing."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import diff, snapshot

from ..models import LIFECYCLE_TRANSITIONS, Contact, Customer, Lifecycle, LifecycleChange
from ..services import contact_consent_apply
from .columns import AUDITED_CONTACT_FIELDS, AUDITED_CUSTOMER_FIELDS, CONTACT_COLUMNS, CUSTOMER_COPIED_FIELDS
from .reading import ENCODING_AUTO, Table, columns_locate, table_read
from .validating import CleanRow, ErrorLog, rows_clean

if TYPE_CHECKING:
    from accounts.models import User

# Rows per `__in` lookup, under SQLite's parameter limit.
LOOKUP_CHUNK = 500


@dataclass
class CustomerPlan:
    row: int
    customer: Customer
    is_new: bool
    changes: dict[str, list[Any]]  # audited before/after, including tags
    tags: list[str] | None  # the full tag set to write, None to leave the tags alone
    lifecycle_change: LifecycleChange | None = None
    contact: Contact | None = None
    contact_is_new: bool = False
    contact_changes: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def field_changes(self) -> list[str]:
        return [name for name in self.changes if name != "tags"]


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0
    contacts_unchanged: int = 0

    @property
    def contacts_written(self) -> int:
        return self.contacts_created + self.contacts_updated


@dataclass
class ImportCheck:
    """The outcome of reading and validating a file: what an import would do, and what stops it."""

    file_format: str
    encoding: str
    row_count: int
    counts: ImportCounts
    errors: list[dict[str, Any]]
    plans: list[CustomerPlan] = field(repr=False, default_factory=list)


def in_chunks(items: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _new_values(instance, names: Iterable[str]) -> dict[str, list[Any]]:
    return {k: [None, v] for k, v in snapshot(instance, names).items() if v not in (None, "", False)}


class _Planner:
    """Turns clean rows into per-customer plans, reading the current database state in chunks."""

    def __init__(self, rows: list[CleanRow], *, actor: User, log: ErrorLog, now: datetime.datetime):
        self.actor, self.log, self.now = actor, log, now
        codes = [r.values["code"] for r in rows]
        self.customers: dict[str, Customer] = {}
        for chunk in in_chunks(codes):
            # The owner comes along because the audit snapshot names it (str(owner)).
            self.customers.update((c.code, c) for c in Customer.objects.filter(code__in=chunk).select_related("owner"))
        by_id = {c.pk: c for c in self.customers.values()}
        ids = [c.pk for c in self.customers.values()]
        self.tags: dict[int, list[str]] = {}
        self.contacts: dict[tuple[int, str], Contact] = {}
        self.contact_counts: dict[int, int] = {}
        through = Customer.tags.through
        for chunk in in_chunks(ids):
            for customer_id, name in through.objects.filter(customer_id__in=chunk).values_list(
                "customer_id", "tag__name"
            ):
                self.tags.setdefault(customer_id, []).append(name)
            for contact in Contact.objects.filter(customer_id__in=chunk):
                contact.customer = by_id[contact.customer_id]  # saves a query per contact in the snapshot
                self.contacts[(contact.customer_id, contact.name)] = contact
                self.contact_counts[contact.customer_id] = self.contact_counts.get(contact.customer_id, 0) + 1
        usernames = sorted({r.values["owner"] for r in rows if r.values.get("owner")})
        self.users: dict[str, User] = {}
        for chunk in in_chunks(usernames):
            self.users.update((u.username, u) for u in get_user_model().objects.filter(username__in=chunk))

    def plan(self, row: CleanRow) -> CustomerPlan | None:
        values, number = row.values, row.row
        customer = self.customers.get(values["code"])
        is_new = customer is None
        if customer is None:
            customer = Customer(code=values["code"])
            before: dict[str, Any] = {}
        else:
            before = snapshot(customer, AUDITED_CUSTOMER_FIELDS)
        for name in CUSTOMER_COPIED_FIELDS:
            if name in values:
                setattr(customer, name, values[name])
        if "owner" in values:
            self._owner_apply(customer, values["owner"], number)
        lifecycle_change = self._lifecycle_apply(customer, is_new, values, number)
        if lifecycle_change is None and customer.lifecycle != Lifecycle.POTENTIAL and customer.potential_source:
            self.log.add(number, "potential_source", _("Only a potential customer has a source; clear this cell."))
        if number in self.log.bad_rows:
            return None
        old_tags = sorted(self.tags.get(customer.pk, [])) if not is_new else []
        new_tags = values.get("tags")
        if is_new:
            changes = _new_values(customer, AUDITED_CUSTOMER_FIELDS)
        else:
            changes = diff(before, snapshot(customer, AUDITED_CUSTOMER_FIELDS))
        if new_tags is not None and new_tags != old_tags:
            changes["tags"] = [old_tags or None, new_tags]
        else:
            new_tags = None
        plan = CustomerPlan(number, customer, is_new, changes, new_tags, lifecycle_change)
        if values.get("contact_name"):
            self._contact_plan(plan, values)
        return plan

    def _owner_apply(self, customer: Customer, username: str, number: int) -> None:
        if not username:
            customer.owner = None
            return
        user = self.users.get(username)
        if user is None:
            self.log.add(number, "owner", _("There is no user %(username)s.") % {"username": username})
        elif not user.is_active and user.pk != customer.owner_id:
            self.log.add(number, "owner", _("The user %(username)s is inactive.") % {"username": username})
        else:
            customer.owner = user

    def _lifecycle_apply(self, customer: Customer, is_new: bool, values: dict, number: int) -> LifecycleChange | None:
        """The lifecycle step, as customers.services.customer_change_lifecycle takes it."""
        reason = values.get("lifecycle_reason", "")
        from_state = "" if is_new else customer.lifecycle
        to_state = values.get("lifecycle") or customer.lifecycle or Lifecycle.CURRENT
        if not is_new and to_state == from_state:
            return None
        is_win_back = from_state == Lifecycle.LOST and to_state == Lifecycle.CURRENT
        if not is_new:
            if to_state not in LIFECYCLE_TRANSITIONS.get(from_state, ()):
                self.log.add(
                    number,
                    "lifecycle",
                    _("A %(from)s cannot become a %(to)s.")
                    % {"from": Lifecycle(from_state).label, "to": Lifecycle(to_state).label},
                )
                return None
            if (to_state == Lifecycle.LOST or is_win_back) and not reason:
                self.log.add(
                    number, "lifecycle_reason", _("Give the reason: why the customer was lost, or how it was won back.")
                )
                return None
            if from_state == Lifecycle.POTENTIAL:
                customer.potential_source = ""
        customer.lifecycle = to_state
        if to_state == Lifecycle.LOST:
            customer.lost_reason, customer.lost_at = reason, self.now
        if is_new and customer.potential_source and to_state != Lifecycle.POTENTIAL:
            self.log.add(number, "potential_source", _("Only a potential customer has a source; clear this cell."))
            return None
        return LifecycleChange(
            customer=customer,
            from_state=from_state,
            to_state=to_state,
            reason=reason,  # the import is in the timeline as its own event
            is_win_back=is_win_back,
            changed_by=self.actor,
        )

    def _contact_plan(self, plan: CustomerPlan, values: dict) -> None:
        customer, name = plan.customer, values["contact_name"]
        contact = None if plan.is_new else self.contacts.get((customer.pk, name))
        plan.contact_is_new = contact is None
        if contact is None:
            first = plan.is_new or not self.contact_counts.get(customer.pk)
            contact = Contact(customer=customer, name=name, is_primary=first)
            before: dict[str, Any] = {}
        else:
            before = snapshot(contact, AUDITED_CONTACT_FIELDS)
        for column, attribute in CONTACT_COLUMNS.items():
            if column in values:
                setattr(contact, attribute, values[column])
        consent = values.get("contact_consent")
        if consent is not None and consent != contact.may_be_surveyed:
            contact_consent_apply(contact=contact, consent=consent, now=self.now)
        if plan.contact_is_new:
            plan.contact_changes = _new_values(contact, AUDITED_CONTACT_FIELDS[1:])
        else:
            plan.contact_changes = diff(before, snapshot(contact, AUDITED_CONTACT_FIELDS))
        plan.contact = contact


def rows_compare(
    table: Table, *, actor: User, log: ErrorLog, rows: list[CleanRow], now: datetime.datetime
) -> ImportCheck:
    """Plan every clean row against the database and count what the import would do. Row problems
    that need the database (an unknown owner, a lifecycle step not allowed) are added to `log`."""
    planner = _Planner(rows, actor=actor, log=log, now=now)
    plans = [p for p in (planner.plan(r) for r in rows) if p is not None]
    counts = ImportCounts()
    for p in plans:
        if p.is_new:
            counts.created += 1
        elif p.changes:
            counts.updated += 1
        else:
            counts.unchanged += 1
        if p.contact is not None:
            if p.contact_is_new:
                counts.contacts_created += 1
            elif p.contact_changes:
                counts.contacts_updated += 1
            else:
                counts.contacts_unchanged += 1
    errors = sorted(log.as_list(), key=lambda e: (e["row"] is None, e["row"] or 0))
    return ImportCheck(table.file_format, table.encoding, len(table.rows), counts, errors, plans)


def import_file_check(*, content: bytes, encoding: str = ENCODING_AUTO, actor: User) -> ImportCheck:
    """Read and validate a file and compare it with the database; writes nothing.

    Raises ApplicationError when the file as a whole cannot be used (empty, unreadable, wrong
    encoding, too many rows, required columns missing); row problems are in `errors`.
    """
    return table_check(table_read(content=content, encoding=encoding), actor=actor)


def table_check(table: Table, *, actor: User) -> ImportCheck:
    """Validate a table that was read and compare it with the database; writes nothing. Raises
    ApplicationError when required columns are missing."""
    columns = columns_locate(table.header)
    log = ErrorLog(table.header, columns)
    rows = rows_clean(table, columns, log)
    return rows_compare(table, actor=actor, log=log, rows=rows, now=timezone.now())
