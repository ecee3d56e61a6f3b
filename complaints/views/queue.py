"""The complaint queue: filters, my/team queue, sort by due date, bulk assignment."""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.html import conditional_escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import can, permission
from core.exceptions import ApplicationError
from core.pagination import BoundedCountPaginator

from .. import selectors, services
from ..filters import ComplaintFilter
from ..forms import AssignForm, BulkAssignForm
from ..models import Kind, Severity, State

VIEW = "complaints.view_complaint"
CHANGE = "complaints.change_complaint"


PAGE_SIZE = 50
# Beyond this many matching complaints the page says "More than 1,000 complaints" instead of counting
# them all (core.pagination): an exact COUNT(*) over 200k complaints costs more than the page, and
# even a count stopped at 10,000 rows took 3-14 ms for the broad filters (segment, overdue, a parent
# category) against 0.5-3.6 ms at 1,000 (measured at 200k on PostgreSQL). Twenty pages is as far as
# anyone pages through a work queue; totals belong to the reports.
COUNT_LIMIT = 1_000


@dataclass(slots=True)
class QueueRow:
    """One row of the queue table. Every value is worked out once here, so the template only prints:
    the table is the page's main cost (50 rows), and template lookups, filters and per-row
    translations are far slower than the same work in Python."""

    pk: int
    reference: str
    url: str
    kind_label: str  # "" for a complaint: only compliments and suggestions carry a badge
    subject: str
    category: str
    customer: str
    severity: str
    severity_label: str
    state: str
    state_label: str
    resolve_due: str
    sla: str
    assignee: str
    team: str
    # For selectors.sla_status:
    resolve_due_at: datetime.datetime | None
    acknowledge_due_at: datetime.datetime | None
    sla_paused_at: datetime.datetime | None


def _rows(values: list[dict], now: datetime.datetime, lists: selectors.QueuePageLists) -> list[QueueRow]:
    # Each label translated once per page, not once per row.
    kinds = {value: str(label) for value, label in Kind.choices}
    severities = {value: str(label) for value, label in Severity.choices}
    states = {value: str(label) for value, label in State.choices}
    categories = lists.category_labels if any(v["category_id"] for v in values) else {}
    customers = lists.customer_names(v["customer_id"] for v in values)
    assigned = {v["assignee_id"] for v in values if v["assignee_id"] is not None}
    people = lists.people_names(assigned) if assigned else {}
    teams = lists.team_names if any(v["team_id"] for v in values) else {}
    # The template's |date:"SHORT_DATETIME_FORMAT", with the format looked up once.
    due_format = formats.get_format("SHORT_DATETIME_FORMAT")
    # complaints:detail reversed once; each row's link is that URL with its own id in it.
    marker = 2_147_483_647
    url_head, url_tail = reverse("complaints:detail", args=[marker]).split(str(marker))
    rows = []
    for v in values:
        due = v["resolve_due_at"]
        row = QueueRow(
            pk=v["id"],
            reference=v["reference"],
            url=f"{url_head}{v['id']}{url_tail}",
            kind_label="" if v["kind"] == Kind.COMPLAINT else kinds.get(v["kind"], v["kind"]),
            subject=v["subject"],
            category=categories.get(v["category_id"], ""),
            customer=customers.get(v["customer_id"], ""),
            severity=v["severity"],
            severity_label=severities.get(v["severity"], v["severity"]),
            state=v["state"],
            state_label=states.get(v["state"], v["state"]),
            resolve_due=dateformat.format(timezone.localtime(due), due_format) if due else "—",
            sla="",
            assignee=people.get(v["assignee_id"]) or "—",
            team=teams.get(v["team_id"], ""),
            resolve_due_at=due,
            acknowledge_due_at=v["acknowledge_due_at"],
            sla_paused_at=v["sla_paused_at"],
        )
        row.sla = selectors.sla_status(row, now)
        rows.append(row)
    return rows


def _rows_html(rows: list[QueueRow], *, can_change: bool) -> SafeString:
    """The table's rows, written here rather than in the template: fifty rows of a dozen values are
    some 800 template variable lookups, the largest single cost of the page. The markup is what
    complaints/_list_results.html wrote per row; every value is escaped, and data (subject, customer,
    assignee) is marked `translate="no"`. The SLA badges come from
    complaints/_sla_badge.html (the complaint page's), rendered once per state the page shows."""
    e = conditional_escape
    badges: dict[str, str] = {"": ""}  # finished complaints: no badge
    html = []
    for row in rows:
        if row.sla not in badges:
            badges[row.sla] = render_to_string("complaints/_sla_badge.html", {"sla": row.sla})
        select = (
            f'<td><input type="checkbox" name="complaints" value="{row.pk}" form="bulk-assign"'
            f' aria-label="{e(row.reference)}"></td>'
            if can_change
            else ""
        )
        kind = f' <span class="badge">{e(row.kind_label)}</span>' if row.kind_label else ""
        category = f'<div class="muted small">{e(row.category)}</div>' if row.category else ""
        team = f' <span class="muted">· {e(row.team)}</span>' if row.team else ""
        html.append(
            f"<tr>{select}"
            f'<td class="mono"><a href="{e(row.url)}">{e(row.reference)}</a>{kind}</td>'
            f'<td class="primary-cell wrap"><a href="{e(row.url)}" translate="no">{e(row.subject)}</a>{category}</td>'
            f'<td class="customer-cell" translate="no">{e(row.customer)}</td>'
            f'<td><span class="sev sev-{e(row.severity)}">{e(row.severity_label)}</span></td>'
            f"<td>{e(row.state_label)}</td><td>{e(row.resolve_due)}</td><td>{badges[row.sla]}</td>"
            f'<td><span translate="no">{e(row.assignee)}</span>{team}</td></tr>\n'
        )
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


QUEUE_TABS = ("mine", "team", "escalated")


def _current_tab(query) -> str:
    """The queue tab the page shows, for aria-current: a named queue, the overdue view, or all open
    complaints (also the bare list); "" for any other view, so no tab claims it."""
    queue = query.get("queue", "")
    if queue in QUEUE_TABS:
        return queue
    if query.get("overdue") == "true" and not queue:
        return "overdue"
    if not query or (query.get("open") == "true" and not query.get("overdue")):
        return "all"
    return ""


@permission(VIEW)
def complaint_list_view(request):
    now = timezone.now()
    lists = selectors.QueuePageLists()  # read once, shared by the sidebar, the assignment bar and the rows
    base = selectors.complaint_list_base()
    filterset = ComplaintFilter(request.GET or None, queryset=base, request=request, now=now, lists=lists)
    if filterset.is_bound and filterset.is_valid():
        queryset = filterset.qs
    else:
        queryset = base
    if not request.GET.get("ordering"):
        queryset = queryset.order_by("resolve_due_at", "-received_at", "-id")
    page = BoundedCountPaginator(queryset, PAGE_SIZE, count_limit=COUNT_LIMIT).get_page(request.GET.get("page"))
    # The count runs on the filtered queryset alone (no joins); only the page's slice reads the row values.
    page.object_list = _rows(list(selectors.complaint_queue_rows(page.object_list)), now, lists)
    query = request.GET.copy()
    query.pop("page", None)
    can_change = can(request.user, CHANGE)
    context = {
        "filter": filterset,  # unbound without parameters: the sidebar shows no selection
        "page": page,
        "rows_html": _rows_html(page.object_list, can_change=can_change),
        "query": query.urlencode(),
        "queue": request.GET.get("queue", ""),
        "tab": _current_tab(request.GET),
        "can_add": can(request.user, "complaints.add_complaint"),
        "can_change": can_change,
        "assign_form": AssignForm(lists=lists) if can_change else None,
    }
    template = "complaints/_list_results.html" if request.htmx and not request.htmx.boosted else "complaints/list.html"
    return render(request, template, context)


@require_http_methods(["POST"])
@permission(VIEW, CHANGE)
def complaint_bulk_assign_view(request):
    form = BulkAssignForm(request.POST)
    if form.is_valid():
        try:
            count = services.complaint_bulk_assign(
                actor=request.user,
                complaint_ids=form.cleaned_data["complaints"],
                assignee=form.cleaned_data["assignee"],
                team=form.cleaned_data["team"],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(count)d complaints assigned.") % {"count": count})
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}) and next_url.startswith("/"):
        return redirect(next_url)
    return redirect("complaints:list")
