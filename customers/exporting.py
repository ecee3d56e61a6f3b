"""Exporting customers: streamed CSV, or XLSX written row by row to a temporary file.

The columns are the import columns, so an export can be edited and imported again. core.exporting
neutralises text cells that a spreadsheet would run as a formula; the import undoes it.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.audit import audit_record
from core.exporting import rows_file_response
from core.models import AuditEvent

from .models import CUSTOMER_EDITABLE_FIELDS, Customer

EXPORT_COLUMNS = (
    *CUSTOMER_EDITABLE_FIELDS,
    "tags",
    "contact_name",
    "contact_role",
    "contact_phone",
    "contact_email",
    "contact_language",
    "contact_consent",
)
BATCH_SIZE = 2000


def _customer_cell(customer: Customer, name: str):
    if name == "owner":  # the import looks the owner up by username
        return customer.owner.username if customer.owner else ""
    return getattr(customer, name)


def export_rows(queryset: QuerySet[Customer]) -> Iterator[list]:
    """Header, then one row per customer with its primary contact, in the list's order by name
    (Chinese names by their pinyin), read in keyset batches on (name_sort, pk), so memory stays flat
    at any size."""
    yield list(EXPORT_COLUMNS)
    queryset = queryset.order_by("name_sort", "pk").select_related("owner").prefetch_related("tags", "contacts")
    after = Q()
    while True:
        batch = list(queryset.filter(after)[:BATCH_SIZE])
        if not batch:
            return
        for customer in batch:
            contacts = list(customer.contacts.all())
            contact = next((c for c in contacts if c.is_primary), contacts[0] if contacts else None)
            row = [
                *(_customer_cell(customer, name) for name in CUSTOMER_EDITABLE_FIELDS),
                ";".join(sorted(t.name for t in customer.tags.all())),
                contact.name if contact else "",
                contact.role if contact else "",
                contact.phone if contact else "",
                contact.email if contact else "",
                contact.preferred_language if contact else "",
                ("yes" if contact.may_be_surveyed else "no") if contact else "",
            ]
            yield row
        last = batch[-1]
        after = Q(name_sort__gt=last.name_sort) | Q(name_sort=last.name_sort, pk__gt=last.pk)


def export_response(*, queryset: QuerySet[Customer], file_format: str, actor, filters: dict | None = None):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"customers-{stamp}.{file_format}"
    _audit_export(actor=actor, filters=filters or {}, file_format=file_format)
    return rows_file_response(export_rows(queryset), filename=filename, file_format=file_format, sheet="customers")


def _audit_export(*, actor, filters: dict, file_format: str) -> None:
    # The export itself is evidence (who took which customer data out, and when); recorded on the
    # user's own record because it concerns many customers.
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        instance=actor,
        changes={"format": [None, file_format], "filters": [None, filters]},
        comment=f"customers.{file_format}",
    )
