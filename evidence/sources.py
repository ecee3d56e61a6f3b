"""The pieces of evidence other branches are building, behind one function each.

Today these answer "not available" / nothing. After the audit-trail chain lands in core
(`core.audit_chain.audit_chain_verify()` and `audit_chain_head()` or wherever it settles) and the
quality objectives and analysis reports land in reports (`QualityObjective`, `ObjectiveResult`, the
analysis report models), only the bodies below change: the clause map, the page and the pack call
these functions and nothing else.
"""

from __future__ import annotations

import datetime
from typing import Any, TypedDict

from django.utils.translation import gettext as _


class ChainStatus(TypedDict):
    available: bool
    verified: bool | None  # None: not checked (no chain yet)
    head: str  # the chain's head hash, to publish; "" when there is none
    sealed_until: str  # ISO time of the last sealed entry; "" when there is none
    detail: str  # what a person reads: the first broken entry, or why there is no result


def audit_chain_status() -> ChainStatus:
    """The audit trail's hash chain: verified or not, and its head. Seam: becomes a call of core's
    `audit_chain_verify()` and `audit_chain_head()` once they are on main."""
    return ChainStatus(
        available=False,
        verified=None,
        head="",
        sealed_until="",
        detail=_("The audit trail is not chained by hash in this version: no verification result."),
    )


class ObjectiveOrReport(TypedDict):
    kind: str  # "objective" or "analysis_report"
    title: str
    period: str  # e.g. "2026-Q3"
    target: str  # an objective's target ("≥ 90%"); "" for a report
    result: str  # the measured result, or the report's conclusion
    met: bool | None  # an objective met or not; None for a report
    url: str  # where the record is read in the application


def objectives_and_reports(since: datetime.date, until: datetime.date) -> list[ObjectiveOrReport]:
    """The quality objectives with their results, and the satisfaction analysis reports, of the period.
    Seam: reads reports' QualityObjective / ObjectiveResult and analysis report models once they are on
    main; nothing today."""
    del since, until
    return []


def objectives_and_reports_counts(items: list[Any]) -> dict[str, int]:
    """{"objectives": n, "analysis_reports": n} of what `objectives_and_reports` returned."""
    return {
        "objectives": sum(1 for item in items if item["kind"] == "objective"),
        "analysis_reports": sum(1 for item in items if item["kind"] == "analysis_report"),
    }
