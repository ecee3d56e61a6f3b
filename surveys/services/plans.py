"""Measurement plans: what is measured, of whom, how often, and the sample each draws."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record, diff, snapshot
from core.exceptions import ApplicationError
from core.models import AuditEvent
from customers.models import Segment

from ..models import PLAN_EDITABLE_FIELDS, MeasurementPlan
from .common import audit_created, require_manager

# The population is not a value of the plan: a many-to-many, set once the plan is saved.
PLAN_VALUE_FIELDS = tuple(field for field in PLAN_EDITABLE_FIELDS if field != "segments")


@transaction.atomic
def plan_create(*, actor, data: dict[str, Any], segments: list[Segment]) -> MeasurementPlan:
    require_manager(actor, "surveys.add_measurementplan")
    if not segments:
        raise ApplicationError(_("Choose at least one segment as the population."))
    plan = MeasurementPlan(seed=secrets.randbits(48), **{k: v for k, v in data.items() if k in PLAN_VALUE_FIELDS})
    plan.full_clean()
    plan.save()
    plan.segments.set(segments)
    audit_created(actor, plan)
    return plan


@transaction.atomic
def plan_update(*, actor, plan: MeasurementPlan, data: dict[str, Any], segments: list[Segment]) -> MeasurementPlan:
    """Preconditions: the plan is not frozen (no campaign has run from it)."""
    require_manager(actor, "surveys.change_measurementplan")
    if MeasurementPlan.objects.filter(pk=plan.pk, frozen_at__isnull=False).exists():
        raise ApplicationError(_("This plan is frozen: a campaign has run from it. Make a new plan."))
    if not segments:
        raise ApplicationError(_("Choose at least one segment as the population."))
    before = snapshot(plan)
    before_segments = sorted(plan.segments.values_list("name", flat=True))
    for key, value in data.items():
        if key in PLAN_VALUE_FIELDS:
            setattr(plan, key, value)
    plan.full_clean()
    plan.save()
    plan.segments.set(segments)
    changes = diff(before, snapshot(plan))
    after_segments = sorted(s.name for s in segments)
    if after_segments != before_segments:
        changes["segments"] = [before_segments, after_segments]
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=plan, changes=changes)
    return plan
