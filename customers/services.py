"""Every write to the customer master. Views, the API and imports call these; each is audited."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import can, require
from core.audit import audit_record, diff, snapshot
from core.exceptions import ApplicationError
from core.models import AuditEvent

from . import hooks
from .models import (
    CONTACT_EDITABLE_FIELDS,
    CUSTOMER_EDITABLE_FIELDS,
    LIFECYCLE_TRANSITIONS,
    Contact,
    Customer,
    Lifecycle,
    LifecycleChange,
    LossReason,
    Segment,
    Tag,
)

# -- policy -----------------------------------------------------------------------------------------


def customer_can_change(*, user, customer: Customer) -> bool:
    """Managers change any customer; staff change their own customers and unassigned ones."""
    if not can(user, "customers.change_customer"):
        return False
    if user.has_perm("customers.change_any_customer"):
        return True
    return customer.owner_id is None or customer.owner_id == user.pk


def segment_can_change(*, user, segment: Segment) -> bool:
    if not can(user, "customers.change_segment"):
        return False
    return user.has_perm("customers.change_any_segment") or segment.created_by_id == user.pk


def _require(allowed: bool) -> None:
    if not allowed:
        raise ApplicationError(_("You are not allowed to change this record."))


def _require_owner_allowed(*, actor, owner, current_owner_id: int | None = None) -> None:
    """Managers give a customer to anyone; staff keep it, take it or leave it unassigned, but never
    hand it to someone else (the API's `owner` and the form's are the same rule)."""
    if actor is None or owner is None or owner.pk in (actor.pk, current_owner_id):
        return
    if actor.has_perm("customers.change_any_customer"):
        return
    raise ApplicationError(_("Only a manager can make someone else the account manager of a customer."))


# -- customers --------------------------------------------------------------------------------------


def _tag_names_clean(names) -> list[str]:
    return sorted({n.strip() for n in names if n and n.strip()})


@transaction.atomic
def customer_create(
    *,
    actor,
    data: dict[str, Any],
    tags: list[str] | None = None,
    lost_reason: str = "",
    lost_reason_category: str = "",
) -> Customer:
    """Create a customer with its first lifecycle state (current unless `data` says otherwise).
    `data` holds CUSTOMER_EDITABLE_FIELDS; anything else is ignored.

    Preconditions: the caller checked that the actor may add customers (the public complaint form
    creates one as the system, `actor=None`); staff make only themselves the owner (or nobody);
    a customer created as lost has its reason and its category, as a lifecycle step would.
    """
    values = {k: v for k, v in data.items() if k in CUSTOMER_EDITABLE_FIELDS}
    values["lifecycle"] = values.get("lifecycle") or Lifecycle.CURRENT
    _require_owner_allowed(actor=actor, owner=values.get("owner"))
    lost_reason = (lost_reason or "").strip()
    if values["lifecycle"] == Lifecycle.LOST:
        if lost_reason_category not in LossReason.values:
            raise ApplicationError(_("Choose why the customer was lost (price, quality, delivery, ...)."))
        if not lost_reason:
            raise ApplicationError(_("Give the reason: why the customer was lost, or how it was won back."))
        values.update(lost_reason=lost_reason, lost_reason_category=lost_reason_category, lost_at=timezone.now())
    customer = Customer(**values)
    customer.full_clean()
    customer.save()
    tag_names = _tag_names_clean(tags or [])
    if tag_names:
        customer.tags.set(_tags_get_or_create(tag_names))
    LifecycleChange.objects.create(
        customer=customer,
        from_state="",
        to_state=customer.lifecycle,
        reason=lost_reason,  # the step itself says "created as …", in the reader's language
        reason_category=customer.lost_reason_category,
        changed_by=actor,
    )
    changes = {k: [None, v] for k, v in snapshot(customer).items() if v not in (None, "")}
    if tag_names:
        changes["tags"] = [None, tag_names]
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, instance=customer, changes=changes)
    return customer


def _tags_get_or_create(names: list[str]) -> list[Tag]:
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    return list(existing.values())


@transaction.atomic
def customer_update(
    *,
    actor,
    customer: Customer,
    data: dict[str, Any],
    tags: list[str] | None = None,
    lifecycle_reason: str = "",
    lost_reason_category: str = "",
) -> Customer:
    """Change master data: `data` holds CUSTOMER_EDITABLE_FIELDS; anything else is ignored.

    A `lifecycle` different from the customer's is applied after the other fields as a lifecycle
    step (customer_change_lifecycle, with `lifecycle_reason`): it must be an allowed step, with a
    reason when the customer is lost or won back, and is recorded in the lifecycle history.
    """
    _require(customer_can_change(user=actor, customer=customer))
    if "owner" in data:
        _require_owner_allowed(actor=actor, owner=data["owner"], current_owner_id=customer.owner_id)
    before = snapshot(customer)
    before_tags = sorted(customer.tags.values_list("name", flat=True))
    for field, value in data.items():
        if field in CUSTOMER_EDITABLE_FIELDS and field != "lifecycle":
            setattr(customer, field, value)
    customer.full_clean()
    customer.save()
    changes = diff(before, snapshot(customer))
    if tags is not None:
        tag_names = _tag_names_clean(tags)
        if tag_names != before_tags:
            customer.tags.set(_tags_get_or_create(tag_names))
            changes["tags"] = [before_tags, tag_names]
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=customer, changes=changes)
    to_state = data.get("lifecycle")
    if to_state and to_state != customer.lifecycle:
        customer_change_lifecycle(
            actor=actor,
            customer=customer,
            to_state=to_state,
            reason=lifecycle_reason,
            reason_category=lost_reason_category,
        )
    return customer


@transaction.atomic
def customer_change_lifecycle(
    *, actor, customer: Customer, to_state: str, reason: str, reason_category: str = ""
) -> LifecycleChange:
    """Move a customer along potential -> current -> lost -> current (win-back).

    Preconditions: the step is allowed from the customer's current state; a reason is given when a
    customer is lost or won back, and a lost customer's reason has its category (LossReason), which
    the lost-business analysis counts. Safe under concurrent requests: the update only applies if the
    state is still the one this request saw.
    """
    _require(customer_can_change(user=actor, customer=customer))
    from_state = customer.lifecycle
    if to_state not in LIFECYCLE_TRANSITIONS.get(from_state, ()):
        raise ApplicationError(
            _("A %(from)s cannot become a %(to)s.")
            % {
                "from": Lifecycle(from_state).label,
                "to": Lifecycle(to_state).label if to_state in Lifecycle.values else to_state,
            }
        )
    reason = (reason or "").strip()
    is_win_back = from_state == Lifecycle.LOST and to_state == Lifecycle.CURRENT
    if (to_state == Lifecycle.LOST or is_win_back) and not reason:
        raise ApplicationError(_("Give the reason: why the customer was lost, or how it was won back."))
    if reason_category and reason_category not in LossReason.values:
        raise ApplicationError(_("Choose why the customer was lost from the list."))
    if to_state == Lifecycle.LOST and not reason_category:
        raise ApplicationError(_("Choose why the customer was lost (price, quality, delivery, ...)."))
    if to_state != Lifecycle.LOST:
        reason_category = ""
    now = timezone.now()
    values: dict[str, Any] = {"lifecycle": to_state, "updated_at": now}
    if to_state == Lifecycle.LOST:
        values.update(lost_reason=reason, lost_reason_category=reason_category, lost_at=now)
    if from_state == Lifecycle.POTENTIAL:
        values["potential_source"] = ""
    updated = Customer.objects.filter(pk=customer.pk, lifecycle=from_state).update(**values)
    if updated != 1:
        raise ApplicationError(_("Someone else changed this customer's lifecycle just now. Reload and try again."))
    for field, value in values.items():
        setattr(customer, field, value)
    change = LifecycleChange.objects.create(
        customer=customer,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        reason_category=reason_category,
        is_win_back=is_win_back,
        changed_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        instance=customer,
        changes={
            "lifecycle": [from_state, to_state],
            **({"lost_reason_category": [None, reason_category]} if reason_category else {}),
        },
        comment=reason,
    )
    hooks.lifecycle_changed(customer=customer, change=change, actor=actor)
    return change


@transaction.atomic
def customer_delete(*, actor, customer: Customer) -> None:
    require(actor, "customers.delete_customer", _("You are not allowed to delete customers."))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        instance=customer,
        changes={k: [v, None] for k, v in snapshot(customer).items() if v not in (None, "")},
    )
    try:
        customer.delete()
    except (ProtectedError, RestrictedError) as error:
        # Raised before anything is deleted; leaving this atomic block with the error rolls back the
        # audit row above too, so nothing changes.
        raise ApplicationError(
            _("%(name)s cannot be deleted: %(references)s refer to this customer. Mark the customer as lost instead.")
            % {"name": customer.name, "references": _references_text(error)}
        ) from error


def _references_text(error: ProtectedError | RestrictedError) -> str:
    """ "complaints (3), visit plans (1)": what keeps a record from being deleted, counted by kind."""
    counts: dict[str, int] = {}
    objects = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
    for obj in objects:
        meta = obj._meta
        counts[str(meta.verbose_name_plural)] = counts.get(str(meta.verbose_name_plural), 0) + 1
    return ", ".join(f"{name} ({count})" for name, count in sorted(counts.items()))


# -- contacts ---------------------------------------------------------------------------------------


def contact_consent_apply(*, contact: Contact, consent: bool, now: datetime.datetime) -> None:
    """Set a contact's survey consent, stamping when it was given or withdrawn. Does not save: the
    caller does (a form's service here, a bulk write in the import)."""
    if consent and not (contact.survey_consent and contact.consent_withdrawn_at is None):
        contact.consent_at = now
        contact.consent_withdrawn_at = None
    elif not consent and contact.survey_consent:
        contact.consent_withdrawn_at = now
    contact.survey_consent = consent


@transaction.atomic
def contact_create(*, actor, customer: Customer, data: dict[str, Any]) -> Contact:
    _require(customer_can_change(user=actor, customer=customer))
    return contact_store(actor=actor, customer=customer, data=data)


def contact_store(*, actor, customer: Customer, data: dict[str, Any]) -> Contact:
    """A new contact, validated and audited, without the permission check: for callers that act
    as the system (the public complaint form's sender). Runs in the caller's transaction."""
    consent = bool(data.pop("survey_consent", False))
    contact = Contact(customer=customer, **{k: v for k, v in data.items() if k in CONTACT_EDITABLE_FIELDS})
    contact_consent_apply(contact=contact, consent=consent, now=timezone.now())
    contact.full_clean()
    contact.save()
    if contact.is_primary:
        customer.contacts.exclude(pk=contact.pk).update(is_primary=False)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        instance=contact,
        changes={k: [None, v] for k, v in snapshot(contact).items() if v not in (None, "", False)},
    )
    return contact


@transaction.atomic
def contact_update(*, actor, contact: Contact, data: dict[str, Any]) -> Contact:
    _require(customer_can_change(user=actor, customer=contact.customer))
    before = snapshot(contact)
    data = dict(data)
    if "survey_consent" in data:
        contact_consent_apply(contact=contact, consent=bool(data.pop("survey_consent")), now=timezone.now())
    for field, value in data.items():
        if field in CONTACT_EDITABLE_FIELDS:
            setattr(contact, field, value)
    contact.full_clean()
    contact.save()
    if contact.is_primary:
        contact.customer.contacts.exclude(pk=contact.pk).update(is_primary=False)
    changes = diff(before, snapshot(contact))
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=contact, changes=changes)
    return contact


@transaction.atomic
def contact_delete(*, actor, contact: Contact) -> None:
    _require(customer_can_change(user=actor, customer=contact.customer))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        instance=contact,
        changes={k: [v, None] for k, v in snapshot(contact).items() if v not in (None, "", False)},
    )
    contact.delete()


# -- segments ---------------------------------------------------------------------------------------


def _criteria_check(criteria: dict) -> None:
    from .selectors import InvalidCriteria, segment_count

    try:
        segment_count(criteria=criteria)
    except InvalidCriteria as error:
        raise ApplicationError(_("The segment's filters are not valid."), extra={"criteria": error.errors}) from error


@transaction.atomic
def segment_create(*, actor, name: str, description: str = "", criteria: dict) -> Segment:
    require(actor, "customers.add_segment", _("You are not allowed to create segments."))
    _criteria_check(criteria)
    segment = Segment(name=name.strip(), description=description, criteria=criteria, created_by=actor)
    segment.full_clean()
    segment.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        instance=segment,
        changes={"name": [None, segment.name], "criteria": [None, criteria]},
    )
    return segment


@transaction.atomic
def segment_update(*, actor, segment: Segment, name: str, description: str, criteria: dict) -> Segment:
    _require(segment_can_change(user=actor, segment=segment))
    _criteria_check(criteria)
    before = snapshot(segment, ["name", "description", "criteria"])
    segment.name, segment.description, segment.criteria = name.strip(), description, criteria
    segment.full_clean()
    segment.save()
    changes = diff(before, snapshot(segment, ["name", "description", "criteria"]))
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=segment, changes=changes)
    return segment


@transaction.atomic
def segment_delete(*, actor, segment: Segment) -> None:
    _require(segment_can_change(user=actor, segment=segment) and can(actor, "customers.delete_segment"))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        instance=segment,
        changes={"name": [segment.name, None], "criteria": [segment.criteria, None]},
    )
    try:
        segment.delete()
    except (ProtectedError, RestrictedError) as error:
        raise ApplicationError(
            _("The segment %(name)s cannot be deleted: %(references)s use it. Change them first.")
            % {"name": segment.name, "references": _references_text(error)}
        ) from error
