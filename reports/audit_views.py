"""The audit trail for managers and auditors: filter, read, export as evidence."""

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language

from accounts.access import permission
from core.audit_chain import audit_chain_status
from core.exporting import rows_file_response
from core.models import AuditEvent

from .audit_exporting import audit_export_rows

VIEW = "core.view_auditevent"


def _filtered(request):
    events = AuditEvent.objects.select_related("content_type")
    params = request.GET
    if params.get("action") in AuditEvent.Action.values:
        events = events.filter(action=params["action"])
    if params.get("type", "").isdigit():
        events = events.filter(content_type_id=int(params["type"]))
    if params.get("actor"):
        events = events.filter(actor_name__icontains=params["actor"].strip())
    if params.get("q"):
        events = events.filter(object_repr__icontains=params["q"].strip())
    if params.get("since"):
        events = events.filter(at__date__gte=params["since"]) if _is_date(params["since"]) else events
    if params.get("until"):
        events = events.filter(at__date__lte=params["until"]) if _is_date(params["until"]) else events
    return events


def _is_date(value: str) -> bool:
    import datetime

    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


@permission(VIEW)
def audit_list_view(request):
    page = Paginator(_filtered(request), 50).get_page(request.GET.get("page"))
    types = ContentType.objects.filter(pk__in=AuditEvent.objects.order_by().values("content_type").distinct()).order_by(
        "app_label", "model"
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "actions": AuditEvent.Action.choices,
            "types": types,
            "query": query.urlencode(),
            "chain": audit_chain_status(),
        },
    )


@permission(VIEW)
def audit_verify_view(request):
    """The chain is verified by a task now (a trail of millions takes minutes): the evidence app's page
    shows the last result and starts a verification. By URL name only: reports does not import evidence."""
    return redirect("evidence:chain_verification")


@permission(VIEW)
def audit_export_view(request):
    """Streams the filtered trail as CSV, oldest first, for the auditor's evidence file: in the reader's
    language with the changes in words, or `?codes=1` for machines (field names, codes, JSON)."""
    rows = audit_export_rows(_filtered(request), language=get_language(), codes=request.GET.get("codes") == "1")
    return rows_file_response(rows, filename=f"audit-trail-{timezone.localdate():%Y%m%d}.csv", file_format="csv")
