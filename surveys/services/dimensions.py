"""The satisfaction dimensions (满意维度) managers keep: add, rename in both languages, reweight,
retire and bring back. The dimension library lives in customers (shared with visits and reports);
the survey programme, whose index uses it, is where managers edit it.

A weight changed here reaches only versions sent afterwards: each sent version keeps the weights in
force when it was sent (Question.frozen_weight, campaigns.version_weights_freeze), so past
campaigns' figures never move."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record, diff, snapshot
from core.editing import fields_apply
from core.exceptions import ApplicationError
from core.models import AuditEvent
from customers.models import SatisfactionDimension

from .common import audit_created, require_manager

# What a manager may set on a dimension (dimension form and these services); retiring is its own step.
DIMENSION_EDITABLE_FIELDS = ("code", "name_en", "name_zh", "description", "weight", "position")


def _weight_checked(data: dict[str, Any]) -> None:
    if "weight" not in data:
        return
    try:
        weight = Decimal(str(data["weight"]))
    except (InvalidOperation, ValueError):
        raise ApplicationError(_("The weight must be a positive number."))
    if not weight.is_finite() or weight <= 0 or weight >= 1000:
        raise ApplicationError(_("The weight must be a positive number below 1000."))
    data["weight"] = weight.quantize(Decimal("0.01"))  # as stored: the trail reads 1.30 → 1.50, not 1.3


@transaction.atomic
def dimension_create(*, actor, data: dict[str, Any]) -> SatisfactionDimension:
    require_manager(actor, "customers.add_satisfactiondimension")
    data = dict(data)
    _weight_checked(data)
    if not (data.get("name_en", "").strip() and data.get("name_zh", "").strip()):
        raise ApplicationError(_("Name the dimension in both languages."))
    dimension = SatisfactionDimension()
    fields_apply(dimension, data, DIMENSION_EDITABLE_FIELDS)
    dimension.save()
    audit_created(actor, dimension)
    return dimension


@transaction.atomic
def dimension_update(*, actor, dimension: SatisfactionDimension, data: dict[str, Any]) -> SatisfactionDimension:
    """Rename or reweight a dimension. Its code stays: questionnaires and imports refer to it."""
    require_manager(actor, "customers.change_satisfactiondimension")
    data = dict(data)
    if "code" in data and data["code"] != dimension.code:
        raise ApplicationError(_("A dimension's code cannot change: questionnaires refer to it."))
    data.pop("code", None)
    _weight_checked(data)
    if not (data.get("name_en", dimension.name_en).strip() and data.get("name_zh", dimension.name_zh).strip()):
        raise ApplicationError(_("Name the dimension in both languages."))
    before = snapshot(dimension)
    fields_apply(dimension, data, DIMENSION_EDITABLE_FIELDS)
    dimension.save()
    changes = diff(before, snapshot(dimension))
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=dimension, changes=changes)
    return dimension


@transaction.atomic
def dimension_active_set(*, actor, dimension: SatisfactionDimension, active: bool) -> SatisfactionDimension:
    """Retire a dimension (new questions can no longer use it; answers already given keep it and
    reports still show it where it has answers) or bring it back."""
    require_manager(actor, "customers.change_satisfactiondimension")
    updated = SatisfactionDimension.objects.filter(pk=dimension.pk, is_active=not active).update(is_active=active)
    if updated != 1:
        raise ApplicationError(
            _("This dimension is already active.") if active else _("This dimension is already retired.")
        )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        instance=dimension,
        changes={"is_active": [not active, active]},
        comment="dimension brought back" if active else "dimension retired",
    )
    dimension.refresh_from_db()
    return dimension
