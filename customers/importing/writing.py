"""Writing: what the plans say, in bulk (INSERT/UPDATE in batches, tags, contacts, lifecycle steps and
their audit rows). Runs inside the commit's transaction."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from core.audit import audit_event_build, audit_record_many
from core.models import AuditEvent

from ..models import Contact, Customer, LifecycleChange, Tag, derived_fields_fill
from .planning import CustomerPlan, in_chunks

if TYPE_CHECKING:
    from accounts.models import User

# Rows per INSERT/UPDATE batch. Django caps it further on SQLite (999 parameters per statement).
WRITE_BATCH_SIZE = 1000


def _tag_ids(names: set[str]) -> dict[str, int]:
    ordered = sorted(names)
    Tag.objects.bulk_create([Tag(name=n) for n in ordered], ignore_conflicts=True, batch_size=WRITE_BATCH_SIZE)
    ids: dict[str, int] = {}
    for chunk in in_chunks(ordered):
        ids.update(Tag.objects.filter(name__in=chunk).values_list("name", "pk"))
    return ids


def plans_write(plans: list[CustomerPlan], *, actor: User, now: datetime.datetime, comment: str) -> None:
    """Write what the plans say, in bulk. Runs inside the commit's transaction."""
    new_customers = [p.customer for p in plans if p.is_new]
    for customer in new_customers:
        derived_fields_fill(customer)  # bulk_create does not call save()
    # The primary keys come back through RETURNING (PostgreSQL; SQLite >= 3.35), which the contacts,
    # lifecycle rows, tags and audit rows below need.
    Customer.objects.bulk_create(new_customers, batch_size=WRITE_BATCH_SIZE)
    changed = [p for p in plans if not p.is_new and p.field_changes]
    if changed:
        derived: set[str] = set()
        for p in changed:
            p.customer.updated_at = now  # bulk_update does not touch auto_now fields
            derived |= derived_fields_fill(p.customer, p.field_changes)
        fields = sorted({name for p in changed for name in p.field_changes} | {"updated_at"} | derived)
        Customer.objects.bulk_update([p.customer for p in changed], fields, batch_size=WRITE_BATCH_SIZE)

    LifecycleChange.objects.bulk_create(
        [p.lifecycle_change for p in plans if p.lifecycle_change is not None], batch_size=WRITE_BATCH_SIZE
    )

    retagged = [p for p in plans if p.tags is not None]
    if retagged:
        tag_ids = _tag_ids({t for p in retagged for t in p.tags or ()})
        through = Customer.tags.through
        for chunk in in_chunks([p.customer.pk for p in retagged if not p.is_new]):
            through.objects.filter(customer_id__in=chunk).delete()
        through.objects.bulk_create(
            [through(customer_id=p.customer.pk, tag_id=tag_ids[t]) for p in retagged for t in p.tags or ()],
            batch_size=WRITE_BATCH_SIZE,
        )

    Contact.objects.bulk_create(
        [p.contact for p in plans if p.contact and p.contact_is_new], batch_size=WRITE_BATCH_SIZE
    )
    changed_contacts = [p.contact for p in plans if p.contact and not p.contact_is_new and p.contact_changes]
    if changed_contacts:
        for contact in changed_contacts:
            contact.updated_at = now
        Contact.objects.bulk_update(
            changed_contacts,
            [
                "role",
                "phone",
                "email",
                "preferred_language",
                "survey_consent",
                "consent_at",
                "consent_withdrawn_at",
                "updated_at",
            ],
            batch_size=WRITE_BATCH_SIZE,
        )

    events: list[AuditEvent] = []
    for p in plans:
        if p.changes:
            events.append(
                audit_event_build(
                    actor=actor,
                    action=AuditEvent.Action.IMPORT,
                    instance=p.customer,
                    changes=p.changes,
                    comment=comment,
                )
            )
        if p.contact is not None and p.contact_changes:
            events.append(
                audit_event_build(
                    actor=actor,
                    action=AuditEvent.Action.IMPORT,
                    instance=p.contact,
                    changes=p.contact_changes,
                    comment=comment,
                )
            )
    audit_record_many(events)
