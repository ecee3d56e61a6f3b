"""Reads of the customer master. Surveys, visits and reports select customers through here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.access import can
from core.models import AuditEvent

from .filters import CustomerFilter
from .models import Contact, Customer, ImportBatch, LifecycleChange, Segment

if TYPE_CHECKING:
    from accounts.models import User


class InvalidCriteria(ValueError):
    def __init__(self, errors):
        super().__init__(str(errors))
        self.errors = errors


def customer_list(*, filters: dict | None = None) -> QuerySet[Customer]:
    """Customers matching CustomerFilter parameters; raises InvalidCriteria on bad parameters."""
    base = Customer.objects.select_related("owner")
    filterset = CustomerFilter(data=filters or {}, queryset=base)
    if not filterset.is_valid():
        raise InvalidCriteria(filterset.errors)
    return filterset.qs


def customer_search(*, query: str, limit: int = 10) -> list[Customer]:
    """Search-as-you-type: name, code or phone, or a contact's name or phone; nothing under two
    characters. For pickers (the complaint intake, planning a visit) instead of a select of every customer."""
    query = query.strip()
    if len(query) < 2:
        return []
    contact_match = Contact.objects.filter(customer=OuterRef("pk")).filter(
        Q(name__icontains=query) | Q(phone__icontains=query)
    )
    return list(
        Customer.objects.filter(
            Q(name__icontains=query) | Q(code__icontains=query) | Q(phone__icontains=query) | Exists(contact_match)
        ).order_by("name_sort", "name", "id")[:limit]
    )


def segment_customers(*, segment: Segment) -> QuerySet[Customer]:
    """The customers a saved segment selects today (segments are live: re-evaluated on each call)."""
    filterset = CustomerFilter(data=_as_querydict(segment.criteria), queryset=Customer.objects.all())
    if not filterset.is_valid():
        raise InvalidCriteria(filterset.errors)
    return filterset.qs


def segment_count(*, criteria: dict) -> int:
    filterset = CustomerFilter(data=_as_querydict(criteria), queryset=Customer.objects.all())
    if not filterset.is_valid():
        raise InvalidCriteria(filterset.errors)
    return filterset.qs.count()


def segment_counts(segments: Iterable[Segment]) -> dict[int, int | None]:
    """{segment id: number of customers} for many segments in ONE SQL query (one filtered COUNT per
    segment over a single scan), instead of one COUNT query per segment. None for a segment whose
    stored criteria are no longer valid. Validating an owner or tag criterion reads that row."""
    counts: dict[int, int | None] = {}
    aggregates = {}
    for segment in segments:
        try:
            matching = segment_customers(segment=segment)
        except InvalidCriteria:
            counts[segment.pk] = None
            continue
        aggregates[f"segment_{segment.pk}"] = Count("pk", filter=Q(pk__in=matching.order_by().values("pk")))
    if aggregates:
        row = Customer.objects.order_by().aggregate(**aggregates)
        counts.update({int(key.removeprefix("segment_")): value for key, value in row.items()})
    return counts


def _as_querydict(criteria: dict):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in (criteria or {}).items():
        if isinstance(value, list):
            query.setlist(key, [str(v) for v in value])
        else:
            query[key] = str(value)
    return query


def customer_detail(*, pk: int) -> Customer:
    return (
        Customer.objects.select_related("owner")
        .prefetch_related("tags", Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "name")))
        .get(pk=pk)
    )


def customer_lifecycle_history(*, customer: Customer) -> QuerySet[LifecycleChange]:
    return customer.lifecycle_changes.select_related("changed_by")


def customer_audit_trail(*, customer: Customer, limit: int = 50) -> list[AuditEvent]:
    """Audit events of the customer and of its contacts."""
    from django.contrib.contenttypes.models import ContentType

    contact_ids = [str(pk) for pk in customer.contacts.values_list("pk", flat=True)]
    customer_type = ContentType.objects.get_for_model(Customer)
    contact_type = ContentType.objects.get_for_model(Contact)
    from django.db.models import Q

    return list(
        AuditEvent.objects.filter(
            Q(content_type=customer_type, object_id=str(customer.pk))
            | Q(content_type=contact_type, object_id__in=contact_ids)
        ).select_related("content_type")[:limit]
    )


def customer_counts_by(*, field: str, queryset: QuerySet[Customer] | None = None) -> dict[str, int]:
    """{value: count} aggregated in SQL, for dashboards and segment previews."""
    queryset = queryset if queryset is not None else Customer.objects.all()
    return {row[field]: row["n"] for row in queryset.order_by().values(field).annotate(n=Count("id"))}


# -- customer imports ------------------------------------------------------------------------------


def import_batch_list_recent(*, user: User, limit: int = 10) -> QuerySet[ImportBatch]:
    """Whoever imports sees their own recent uploads; a reader who does not import (an auditor)
    sees everyone's."""
    batches = ImportBatch.objects.select_related("uploaded_by").order_by("-created_at")
    if can(user, "customers.import_customer") or not user.has_perm("customers.view_importbatch"):
        batches = batches.filter(uploaded_by=user)
    return batches[:limit]


def import_batch_get(*, user: User, pk: int) -> ImportBatch:
    """A batch the user may read (raises ImportBatch.DoesNotExist otherwise): its uploader's, and
    every batch for those who read the import history (customers.view_importbatch: managers, admins
    and auditors). Only the uploader confirms it (import_batch_confirm)."""
    batches = ImportBatch.objects.all()
    if not user.has_perm("customers.view_importbatch"):
        batches = batches.filter(uploaded_by=user)
    return batches.get(pk=pk)
