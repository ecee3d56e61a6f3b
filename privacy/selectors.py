"""What is held about a data subject: a customer (with all of its contacts) or one contact.

A customer's records are everything that points at the customer. A contact's are the records that
point at the contact (complaints they made, invitations sent to them and their answers, visits where
they were met) and the customer's feedback records that name them. The audit trail's entries are
those about any of these records."""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from complaints.models import Complaint
from core.models import AuditEvent
from customers.models import Contact, Customer, LifecycleChange
from feedback.models import FeedbackRecord
from surveys.models import Invitation, Response
from visits.models import Visit

from .models import RequestKind, SubjectKind, SubjectRequest


@dataclass(frozen=True)
class Subject:
    kind: str  # SubjectKind
    customer: Customer
    contact: Contact | None = None

    @property
    def pk(self) -> int:
        return self.contact.pk if self.contact is not None else self.customer.pk

    @property
    def record(self) -> Customer | Contact:
        return self.contact if self.contact is not None else self.customer

    @property
    def contacts(self) -> list[Contact]:
        if self.contact is not None:
            return [self.contact]
        return list(self.customer.contacts.order_by("pk"))


def subject_of_customer(*, pk: int) -> Subject:
    return Subject(SubjectKind.CUSTOMER, Customer.objects.select_related("owner").get(pk=pk))


def subject_of_contact(*, pk: int) -> Subject:
    contact = Contact.objects.select_related("customer").get(pk=pk)
    return Subject(SubjectKind.CONTACT, contact.customer, contact)


def subject_complaints(subject: Subject) -> QuerySet[Complaint]:
    queryset = Complaint.objects.select_related("customer", "contact", "category", "assignee")
    if subject.contact is not None:
        return queryset.filter(contact=subject.contact).order_by("received_at", "pk")
    return queryset.filter(customer=subject.customer).order_by("received_at", "pk")


def subject_invitations(subject: Subject) -> QuerySet[Invitation]:
    queryset = Invitation.objects.select_related("campaign", "contact")
    if subject.contact is not None:
        return queryset.filter(contact=subject.contact).order_by("created_at", "pk")
    return queryset.filter(customer=subject.customer).order_by("created_at", "pk")


def subject_responses(subject: Subject) -> QuerySet[Response]:
    queryset = Response.objects.select_related("campaign", "invitation", "questionnaire_version")
    if subject.contact is not None:
        condition = Q(contact=subject.contact) | Q(invitation__contact=subject.contact)
    else:
        condition = Q(customer=subject.customer)
    return queryset.filter(condition).order_by("submitted_at", "pk")


def subject_visits(subject: Subject) -> QuerySet[Visit]:
    queryset = Visit.objects.select_related("assignee", "plan")
    if subject.contact is not None:
        # One row per visit: a contact is met at most once per visit (the many-to-many is unique).
        return queryset.filter(contacts_met=subject.contact).order_by("due_date", "pk")
    return queryset.filter(customer=subject.customer).order_by("due_date", "pk")


def _names_in(fields: tuple[str, ...], values: list[str]) -> Q:
    return reduce(or_, (Q(**{f"{field}__icontains": value}) for field in fields for value in values), Q(pk__in=[]))


def subject_feedback(subject: Subject) -> QuerySet[FeedbackRecord]:
    queryset = FeedbackRecord.objects.select_related("dimension", "recorded_by").filter(customer=subject.customer)
    if subject.contact is not None:
        values = [v for v in (subject.contact.name, subject.contact.phone, subject.contact.email) if len(v) >= 2]
        queryset = queryset.filter(_names_in(("summary", "details"), values))
    return queryset.order_by("received_on", "pk")


def subject_lifecycle_changes(subject: Subject) -> QuerySet[LifecycleChange]:
    if subject.contact is not None:
        return LifecycleChange.objects.none()
    return LifecycleChange.objects.filter(customer=subject.customer).order_by("changed_at", "pk")


def subject_audit_events(subject: Subject) -> QuerySet[AuditEvent]:
    """The trail's entries about the subject's own record and every record listed above."""
    by_model = {
        Customer: [subject.customer.pk] if subject.contact is None else [],
        Contact: [contact.pk for contact in subject.contacts],
        Complaint: list(subject_complaints(subject).values_list("pk", flat=True)),
        Invitation: list(subject_invitations(subject).values_list("pk", flat=True)),
        Response: list(subject_responses(subject).values_list("pk", flat=True)),
        Visit: list(subject_visits(subject).values_list("pk", flat=True)),
        FeedbackRecord: list(subject_feedback(subject).values_list("pk", flat=True)),
    }
    conditions = [
        Q(content_type=ContentType.objects.get_for_model(model), object_id__in=[str(pk) for pk in pks])
        for model, pks in by_model.items()
        if pks
    ]
    if not conditions:
        return AuditEvent.objects.none()
    return AuditEvent.objects.select_related("content_type").filter(reduce(or_, conditions)).order_by("at", "pk")


def subject_erasure(subject: Subject) -> SubjectRequest | None:
    """The erasure that covers the subject: its own, or (for a contact) its customer's."""
    condition = Q(subject_kind=subject.kind, subject_id=subject.pk)
    if subject.contact is not None:
        condition |= Q(subject_kind=SubjectKind.CUSTOMER, subject_id=subject.customer.pk)
    return SubjectRequest.objects.filter(condition, kind=RequestKind.ERASE).order_by("handled_at").first()


def customer_requests(*, customer: Customer) -> QuerySet[SubjectRequest]:
    """Every request about the customer or one of its contacts, newest first."""
    return SubjectRequest.objects.select_related("handled_by").filter(customer_id_at_request=customer.pk)
