"""Visit figures for managers (and auditors): coverage, overdue, scores by dimension, issues."""

import datetime

from django.shortcuts import render
from django.utils import timezone

from accounts.access import permission
from core.i18n import bilingual

from .. import selectors
from ..models import Severity

# The default period: the last quarter, long enough for quarterly plans to show.
DEFAULT_DAYS = 90


def _date(value: str | None, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return default


@permission("visits.view_all_visits")
def figures_view(request):
    today = timezone.localdate()
    end = _date(request.GET.get("end"), today)
    start = _date(request.GET.get("start"), end - datetime.timedelta(days=DEFAULT_DAYS))
    if start > end:
        start, end = end, start
    scores = selectors.visit_scores_by_dimension(start=start, end=end)
    for row in scores:
        row["name"] = bilingual(row, "dimension__name")
        row["percent"] = round(100 * row["average"] / 5) if row["average"] else 0
    order = {value: i for i, value in enumerate(reversed(Severity.values))}
    issues = sorted(selectors.visit_issues_raised(start=start, end=end), key=lambda r: order.get(r["severity"], 99))
    for row in issues:
        row["label"] = Severity(row["severity"]).label if row["severity"] in Severity.values else row["severity"]
    coverage = selectors.visit_coverage_by_segment(start=start, end=end, today=today)
    overdue = selectors.visits_overdue(today=today)
    return render(
        request,
        "visits/figures.html",
        {
            "start": start,
            "end": end,
            "coverage": coverage,
            "totals": {
                "planned": sum(r["planned"] for r in coverage),
                "done": sum(r["done"] for r in coverage),
                "overdue": overdue.count(),
                "issues": sum(r["raised"] for r in issues),
            },
            "overdue_by_assignee": selectors.visits_overdue_by_assignee(today=today),
            "overdue": overdue[:20],
            "scores": scores,
            "issues": issues,
            "today": today,
        },
    )
