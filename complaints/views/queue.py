"""The complaint queue: filters, my/team queue, sort by due date, bulk assignment."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import permission
from core.exceptions import ApplicationError

from .. import selectors, services
from ..filters import ComplaintFilter
from ..forms import AssignForm, BulkAssignForm

VIEW = "complaints.view_complaint"
CHANGE = "complaints.change_complaint"


@permission(VIEW)
def complaint_list_view(request):
    now = timezone.now()
    base = selectors.complaint_list_base()
    filterset = ComplaintFilter(request.GET or None, queryset=base, request=request, now=now)
    if filterset.is_bound and filterset.is_valid():
        queryset = filterset.qs
    else:
        queryset = base
    if not request.GET.get("ordering"):
        queryset = queryset.order_by("resolve_due_at", "-received_at", "-id")
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    for complaint in page:
        complaint.sla = selectors.sla_status(complaint, now)
    query = request.GET.copy()
    query.pop("page", None)
    can_change = request.user.has_perm(CHANGE) and not request.user.is_read_only
    context = {
        "filter": filterset if filterset.is_bound else ComplaintFilter(queryset=base, request=request),
        "page": page,
        "query": query.urlencode(),
        "queue": request.GET.get("queue", ""),
        "can_add": request.user.has_perm("complaints.add_complaint") and not request.user.is_read_only,
        "can_change": can_change,
        "assign_form": AssignForm() if can_change else None,
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
