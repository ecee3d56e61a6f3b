"""Writes of feedback records and benchmark scores: checked per object, validated, audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.access import can
from core.audit import audit_record, diff, snapshot
from core.editing import fields_apply
from core.exceptions import ApplicationError
from core.models import AuditEvent
from customers.services import customer_can_change

from .models import BENCHMARK_EDITABLE_FIELDS, FEEDBACK_EDITABLE_FIELDS, BenchmarkScore, FeedbackRecord


def feedback_record_can_change(*, user, record: FeedbackRecord | None = None, customer=None) -> bool:
    """Managers change any record; staff record feedback about customers they may change, and change
    what they recorded themselves. Auditors change nothing."""
    if not can(user, "feedback.add_feedbackrecord"):
        return False
    if user.has_perm("feedback.change_any_feedbackrecord"):
        return True
    if record is not None and record.recorded_by_id != user.pk:
        return False
    return customer is None or customer_can_change(user=user, customer=customer)


def _require(allowed: bool) -> None:
    if not allowed:
        raise ApplicationError(_("You are not allowed to change this record."))


@transaction.atomic
def feedback_record_create(*, actor, data: dict[str, Any]) -> FeedbackRecord:
    """Record one piece of feedback. Precondition: `data` holds only FEEDBACK_EDITABLE_FIELDS."""
    _require(feedback_record_can_change(user=actor, customer=data.get("customer")))
    record = FeedbackRecord(recorded_by=actor)
    fields_apply(record, data, FEEDBACK_EDITABLE_FIELDS)
    record.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        instance=record,
        changes={k: [None, v] for k, v in snapshot(record, FEEDBACK_EDITABLE_FIELDS).items()},
    )
    return record


@transaction.atomic
def feedback_record_update(*, actor, record: FeedbackRecord, data: dict[str, Any]) -> FeedbackRecord:
    _require(feedback_record_can_change(user=actor, record=record, customer=data.get("customer", record.customer)))
    before = snapshot(record, FEEDBACK_EDITABLE_FIELDS)
    fields_apply(record, data, FEEDBACK_EDITABLE_FIELDS)
    record.save()
    changes = diff(before, snapshot(record, FEEDBACK_EDITABLE_FIELDS))
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=record, changes=changes)
    return record


@transaction.atomic
def feedback_record_delete(*, actor, record: FeedbackRecord) -> None:
    _require(feedback_record_can_change(user=actor, record=record, customer=record.customer))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        instance=record,
        changes={k: [v, None] for k, v in snapshot(record, FEEDBACK_EDITABLE_FIELDS).items()},
    )
    record.delete()


def benchmark_can_change(*, user) -> bool:
    return can(user, "feedback.add_benchmarkscore")


@transaction.atomic
def benchmark_score_create(*, actor, data: dict[str, Any]) -> BenchmarkScore:
    """Enter a competitor's or benchmark's score from market research (managers)."""
    _require(benchmark_can_change(user=actor))
    score = BenchmarkScore(entered_by=actor)
    fields_apply(score, data, BENCHMARK_EDITABLE_FIELDS)
    score.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        instance=score,
        changes={k: [None, v] for k, v in snapshot(score, BENCHMARK_EDITABLE_FIELDS).items()},
    )
    return score


@transaction.atomic
def benchmark_score_delete(*, actor, score: BenchmarkScore) -> None:
    _require(benchmark_can_change(user=actor) and actor.has_perm("feedback.delete_benchmarkscore"))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        instance=score,
        changes={k: [v, None] for k, v in snapshot(score, BENCHMARK_EDITABLE_FIELDS).items()},
    )
    score.delete()
