"""The evidence other apps keep, behind one function each: the audit trail's hash chain (core) and the
quality objectives with their results (reports). The clause map, the page and the pack call these
functions and nothing else."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, TypedDict

from django.utils.translation import gettext as _


class ChainStatus(TypedDict):
    available: bool
    verified: bool | None  # None: not checked (no chain yet)
    head: str  # the chain's head hash, to publish; "" when there is none
    sealed_until: str  # ISO time of the last sealed entry; "" when there is none
    detail: str  # what a person reads: the first broken entry, or why there is no result


def audit_chain_status() -> ChainStatus:
    """The audit trail's hash chain (core.audit_chain) as the pack states it, with its head to publish.

    The pack does not walk again what a recorded full verification (evidence.ChainVerification, run
    by its task) already found intact: it walks on from that verification's last link, starting from
    the link hash it recorded, so a link after it that does not chain onto it is still found. If the
    newest finished verification found a break (or there is none), the pack verifies the whole chain
    itself and says so; a break recorded earlier is always stated, even if the chain verifies now.
    """
    from core.audit_chain import Checkpoint, audit_chain_verify

    from .models import ChainVerification

    last = (
        ChainVerification.objects.filter(status=ChainVerification.Status.DONE).order_by("-finished_at", "-id").first()
    )
    checkpoint = None
    if last is not None and last.ok and last.verified_position:
        checkpoint = Checkpoint(
            position=last.verified_position, hash=last.verified_hash, event_id=last.verified_event_id
        )
    result = audit_chain_verify(after=checkpoint)
    if result.head is None:
        return ChainStatus(
            available=False,
            verified=None,
            head="",
            sealed_until="",
            detail=_("No audit entry has been sealed into the hash chain yet."),
        )
    outcome = (
        _("intact")
        if result.ok
        else _("broken at entry %(entry)s (%(kind)s)") % {"entry": result.broken_entry_id, "kind": result.kind}
    )
    newest = result.verified.event_id if result.verified else 0
    if checkpoint is not None:
        detail = _(
            "Chain verified in full up to entry %(entry)d at %(time)s by audit chain verification #%(id)d; "
            "entries %(first)d–%(last)d verified during this pack: %(outcome)s."
        ) % {
            "entry": checkpoint.event_id,
            "time": last.finished_at.isoformat(),
            "id": last.pk,
            "first": checkpoint.event_id + 1,
            "last": max(newest, result.broken_entry_id or 0),
            "outcome": outcome,
        }
    else:
        detail = _("Chain verified in full during this pack (%(sealed)d entries sealed): %(outcome)s.") % {
            "sealed": result.sealed,
            "outcome": outcome,
        }
        if last is not None and last.ok is False:
            detail = (
                _("The last recorded verification, #%(id)d at %(time)s, found a break at entry %(entry)s (%(kind)s).")
                % {
                    "id": last.pk,
                    "time": last.finished_at.isoformat(),
                    "entry": last.broken_entry_id,
                    "kind": last.kind,
                }
                + " "
                + detail
            )
    return ChainStatus(
        available=True,
        verified=result.ok,
        head=f"{result.head.position}:{result.head.hash}",
        sealed_until=result.head.sealed_at.isoformat(),
        detail=detail,
    )


class ObjectiveOrReport(TypedDict):
    kind: str  # "objective" or "analysis_report"
    title: str
    period: str  # e.g. "2026-Q3"
    target: str  # an objective's target ("≥ 90%"); "" for a report
    result: str  # the measured result, or the report's conclusion
    met: bool | None  # an objective met or not; None for a report
    url: str  # where the record is read in the application
    # The same as numbers and words, for spreadsheets (a number stays a number, so pivots work):
    direction: str  # "At least" / "At most", translated; "" for a report
    target_value: Decimal | None
    actual: Decimal | None
    status: str  # the result's status in words


def objectives_and_reports(since: datetime.date, until: datetime.date) -> list[ObjectiveOrReport]:
    """The quality objectives' results for the periods overlapping [since, until], oldest first."""
    from reports.models import Direction, ObjectiveResult, ObjectiveStatus

    results = (
        ObjectiveResult.objects.filter(period_start__lte=until, period_end__gte=since)
        .select_related("objective")
        .order_by("period_start", "objective_id")
    )
    items: list[ObjectiveOrReport] = []
    for result in results:
        objective = result.objective
        sign = "≥" if objective.direction == Direction.AT_LEAST else "≤"
        items.append(
            ObjectiveOrReport(
                kind="objective",
                title=objective.name,
                period=f"{result.period_start:%Y-%m-%d} – {result.period_end:%Y-%m-%d}",
                target=f"{sign} {objective.target}",
                result="—" if result.actual is None else f"{result.actual} ({result.get_status_display()})",
                met=None if result.status == ObjectiveStatus.NO_DATA else result.status == ObjectiveStatus.MET,
                url=objective.get_absolute_url(),
                direction=str(objective.get_direction_display()),
                target_value=objective.target,
                actual=result.actual,
                status=str(result.get_status_display()),
            )
        )
    return items


def objectives_and_reports_counts(items: list[Any]) -> dict[str, int]:
    """{"objectives": n, "analysis_reports": n} of what `objectives_and_reports` returned."""
    return {
        "objectives": sum(1 for item in items if item["kind"] == "objective"),
        "analysis_reports": sum(1 for item in items if item["kind"] == "analysis_report"),
    }
