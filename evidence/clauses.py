"""The clause map: which records evidence which clause of ISO 9001 (2015 and 2008), ISO 10002 and
ISO 10004, as data. The page and the pack's index read it; adding a clause or a kind of record is an
entry here, not a branch in a template.

Every kind of record (`EVIDENCE`) has a count (evidence.selectors.evidence_counts), a link to where it
is read in the application, the files of the pack that hold it, and what the auditor reads when the
count is zero. `GAPS` are counts that must be zero (a corrective action done without an effectiveness
check). A clause lists its kinds of record and its gaps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .selectors import Scope

NO_EVIDENCE = _("No evidence in this period.")


def _register(register: str) -> Callable[[Scope], str]:
    def link(scope: Scope) -> str:
        query = {"since": scope.since.isoformat(), "until": scope.until.isoformat()}
        if scope.segment is not None:
            query["segment"] = scope.segment.pk
        return reverse("reports:register_export", args=[register, "csv"]) + "?" + urlencode(query)

    return link


def _page(name: str, *, period: bool = False) -> Callable[[Scope], str]:
    def link(scope: Scope) -> str:
        url = reverse(name)
        if period:
            url += "?" + urlencode({"since": scope.since.isoformat(), "until": scope.until.isoformat()})
        return url

    return link


@dataclass(frozen=True)
class Evidence:
    label: Promise
    link: Callable[[Scope], str] | None
    files: tuple[str, ...]  # paths in the pack (a folder ends with "/")
    missing: Promise = NO_EVIDENCE  # what is said when the count is zero


@dataclass(frozen=True)
class Gap:
    message: Promise  # with %(count)d
    link: Callable[[Scope], str] | None = None


@dataclass(frozen=True)
class Clause:
    standard: str
    number: str
    title: Promise
    asks: Promise
    evidence: tuple[str, ...]
    gaps: tuple[str, ...] = field(default=())

    @property
    def slug(self) -> str:
        return f"{self.standard} {self.number}".lower().replace(" ", "-").replace(":", "-").replace(")", "")


EVIDENCE: dict[str, Evidence] = {
    "measurement_plans": Evidence(
        _("Measurement plans in force"),
        _page("surveys:plan_list"),
        ("surveys/measurement-plans.csv", "method.html"),
        _("No measurement plan covers this period."),
    ),
    "campaigns": Evidence(
        _("Survey campaigns run"),
        _page("surveys:campaign_list"),
        ("surveys/campaigns.csv", "surveys/questionnaires.csv"),
        _("No survey ran in this period."),
    ),
    "responses": Evidence(
        _("Survey responses received"),
        _page("surveys:campaign_list"),
        ("surveys/responses/",),
        _("No survey answer was received in this period."),
    ),
    "complaints_received": Evidence(
        _("Complaints and other feedback received"), _register("complaints"), ("complaints/register.csv",)
    ),
    "complaints_closed": Evidence(_("Complaints closed"), _register("complaints"), ("complaints/register.csv",)),
    "complaints_rated": Evidence(
        _("Complainants' ratings of the handling"),
        _register("complaints"),
        ("complaints/register.csv",),
        _("No complainant rated the handling of a complaint in this period."),
    ),
    "corrective_actions": Evidence(
        _("Corrective actions on the period's complaints"),
        _register("actions"),
        ("complaints/corrective-actions.csv", "complaints/8d/"),
    ),
    "effectiveness_checks": Evidence(
        _("Effectiveness checks"),
        _register("actions"),
        ("complaints/corrective-actions.csv",),
        _("No corrective action was checked for effectiveness in this period."),
    ),
    "visits_planned": Evidence(_("Follow-up visits planned"), _register("visits"), ("visits/visits.csv",)),
    "visits_done": Evidence(_("Follow-up visits done"), _register("visits"), ("visits/visits.csv",)),
    "feedback_records": Evidence(
        _("Feedback records from other sources"),
        _page("feedback:list", period=True),
        ("feedback/feedback-records.csv",),
    ),
    "measurement_reviews": Evidence(
        _("Measurement reviews (last 12 months)"),
        _page("evidence:measurement_review_list"),
        ("reviews/measurement-reviews.csv",),
        _("No measurement review in the last 12 months."),
    ),
    "management_reviews": Evidence(
        _("Management reviews (last 12 months)"),
        _page("evidence:management_review_list"),
        ("reviews/management-reviews.csv",),
        _("No management review in the last 12 months."),
    ),
    "management_reviews_with_satisfaction": Evidence(
        _("Management reviews that took customer satisfaction as an input"),
        _page("evidence:management_review_list"),
        ("reviews/management-reviews.csv",),
        _("No management review in the last 12 months took customer satisfaction as an input."),
    ),
    "objectives": Evidence(
        _("Quality objectives with results"),
        None,
        ("objectives/objectives-and-reports.csv",),
        _("No quality objective with a result for this period."),
    ),
    "analysis_reports": Evidence(
        _("Satisfaction analysis reports"),
        None,
        ("objectives/objectives-and-reports.csv",),
        _("No satisfaction analysis report for this period."),
    ),
}

GAPS: dict[str, Gap] = {
    "actions_done_unchecked": Gap(
        _("Corrective actions done without an effectiveness check: %(count)d."), _register("actions")
    ),
}

ISO_2015 = "ISO 9001:2015"
ISO_2008 = "ISO 9001:2008"
ISO_10002 = "ISO 10002:2018"
ISO_10004 = "ISO 10004:2018"

CLAUSES: tuple[Clause, ...] = (
    Clause(
        ISO_2015,
        "9.1.2",
        _("Customer satisfaction"),
        _("Monitor customers' perception of how far their needs and expectations are met, by determined methods."),
        (
            "measurement_plans",
            "campaigns",
            "responses",
            "visits_done",
            "feedback_records",
            "complaints_rated",
            "measurement_reviews",
        ),
    ),
    Clause(
        ISO_2015,
        "9.1.3",
        _("Analysis and evaluation"),
        _("Analyse and evaluate the data from monitoring, including customer satisfaction."),
        ("responses", "analysis_reports", "objectives"),
    ),
    Clause(
        ISO_2015,
        "8.2.1",
        _("Customer communication"),
        _("Communicate with customers and obtain their feedback, including complaints."),
        ("complaints_received", "feedback_records", "visits_done"),
    ),
    Clause(
        ISO_2015,
        "9.3.2 c)",
        _("Management review inputs"),
        _("Management reviews take customer satisfaction and feedback as an input."),
        ("management_reviews", "management_reviews_with_satisfaction"),
    ),
    Clause(
        ISO_2015,
        "10.2",
        _("Nonconformity and corrective action"),
        _("React to nonconformities, take corrective action and review its effectiveness."),
        ("complaints_closed", "corrective_actions", "effectiveness_checks"),
        ("actions_done_unchecked",),
    ),
    Clause(
        ISO_2015,
        "6.2",
        _("Quality objectives"),
        _("Set measurable quality objectives, such as the customer satisfaction rate, and monitor them."),
        ("objectives",),
    ),
    Clause(
        ISO_2008,
        "8.2.1",
        _("Customer satisfaction"),
        _("Monitor information on customer perception, with the methods for obtaining and using it determined."),
        ("measurement_plans", "campaigns", "responses", "measurement_reviews"),
    ),
    Clause(
        ISO_2008,
        "7.2.3",
        _("Customer communication"),
        _("Arrange communication with customers, including customer feedback and complaints."),
        ("complaints_received", "feedback_records", "visits_done"),
    ),
    Clause(
        ISO_2008,
        "8.4",
        _("Analysis of data"),
        _("Analyse data to provide information on customer satisfaction."),
        ("responses", "analysis_reports"),
    ),
    Clause(
        ISO_2008,
        "8.5.2",
        _("Corrective action"),
        _("Review nonconformities (including complaints), act on causes and review the action taken."),
        ("corrective_actions", "effectiveness_checks"),
        ("actions_done_unchecked",),
    ),
    Clause(
        ISO_2008,
        "5.6.2",
        _("Review input"),
        _("The management review input includes customer feedback."),
        ("management_reviews_with_satisfaction",),
    ),
    Clause(
        ISO_10002,
        "8",
        _("Operation of the complaints-handling process"),
        _("Receive, track, acknowledge, assess, investigate, respond to and close every complaint."),
        ("complaints_received", "complaints_closed", "corrective_actions"),
    ),
    Clause(
        ISO_10002,
        "9.3",
        _("Satisfaction with the complaints-handling process"),
        _("Determine complainants' satisfaction with how their complaints were handled."),
        ("complaints_rated",),
    ),
    Clause(
        ISO_10004,
        "7",
        _("Monitoring and measuring customer satisfaction"),
        _("Gather customer satisfaction information by planned methods, analyse it and act on it."),
        ("measurement_plans", "campaigns", "responses", "visits_done", "feedback_records"),
    ),
    Clause(
        ISO_10004,
        "8",
        _("Maintenance and improvement"),
        _("Review the monitoring and measuring process itself at planned intervals."),
        ("measurement_reviews",),
    ),
)


@dataclass(frozen=True)
class Line:
    """One record kind under a clause, as a person reads it."""

    label: str
    count: int
    link: str
    files: tuple[str, ...]
    missing: str  # "" when there is evidence


@dataclass(frozen=True)
class ClauseEvidence:
    clause: Clause
    lines: tuple[Line, ...]
    gaps: tuple[str, ...]

    @property
    def status(self) -> str:
        """ "evidenced", "partial" (some record kind missing, or a gap), or "none"."""
        present = sum(1 for line in self.lines if line.count)
        if present == 0:
            return "none"
        return "evidenced" if present == len(self.lines) and not self.gaps else "partial"


def clause_map(scope: Scope, counts: Mapping[str, int]) -> list[ClauseEvidence]:
    """The clause map of a period, in the active language, from `evidence_counts(scope)`."""
    result = []
    for clause in CLAUSES:
        lines = []
        for key in clause.evidence:
            evidence = EVIDENCE[key]
            count = counts[key]
            lines.append(
                Line(
                    label=str(evidence.label),
                    count=count,
                    link=evidence.link(scope) if evidence.link else "",
                    files=evidence.files,
                    missing="" if count else str(evidence.missing),
                )
            )
        gaps = tuple(str(GAPS[key].message) % {"count": counts[key]} for key in clause.gaps if counts[key])
        result.append(ClauseEvidence(clause=clause, lines=tuple(lines), gaps=gaps))
    return result
