"""Downloads of the registers (complaints, corrective actions, visits) as CSV or XLSX."""

from __future__ import annotations

import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language

from accounts.access import permission
from core.audit import audit_record
from core.exporting import rows_file_response
from core.models import AuditEvent
from customers.models import Segment
from customers.selectors import segment_customers

from .registers import REGISTERS

# Who may take a register away: the roles that read the audit trail (managers, admins, auditors), not
# staff, who see the complaints and visits of their work but do not carry the whole register off.
EXPORT = "core.view_auditevent"


def _date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise Http404("Dates are YYYY-MM-DD.") from None


@permission(EXPORT)
def register_export_view(request, register: str, file_format: str):
    """GET ?since=YYYY-MM-DD&until=YYYY-MM-DD[&segment=ID][&codes=1]: the register as a file."""
    if register not in REGISTERS or file_format not in ("csv", "xlsx"):
        raise Http404
    since, until = _date(request.GET.get("since")), _date(request.GET.get("until"))
    if since and until and since > until:
        raise Http404("The period ends before it starts.")
    customers = None
    segment = None
    if request.GET.get("segment"):
        if not request.GET["segment"].isdigit():
            raise Http404
        segment = get_object_or_404(Segment, pk=int(request.GET["segment"]))
        customers = segment_customers(segment=segment)
    rows_for, title = REGISTERS[register]
    rows = rows_for(
        since=since, until=until, customers=customers, language=get_language(), codes=request.GET.get("codes") == "1"
    )
    stamp = timezone.localdate().isoformat()
    # The export is evidence too (who took which records out, and when), on the user's own record.
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        instance=request.user,
        changes={
            "format": [None, file_format],
            "filters": [
                None,
                {"since": str(since or ""), "until": str(until or ""), "segment": segment.pk if segment else None},
            ],
        },
        comment=f"{register}.{file_format}",
    )
    return rows_file_response(
        rows, filename=f"{register}-{stamp}.{file_format}", file_format=file_format, sheet=str(title)
    )
