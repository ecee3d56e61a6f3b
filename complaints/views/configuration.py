"""The complaint-handling configuration, read-only: what the SLA clocks, the escalations and the
category figures are computed from. Administrators change it in the admin (audited there); managers,
staff and auditors read it here, since an auditor asks how a due date or an overdue count came about."""

from django.shortcuts import render
from django.utils import timezone

from accounts.access import permission
from core.i18n import bilingual

from ..models import CalendarDay, ComplaintCategory, EscalationRule, SlaPolicy


@permission("complaints.view_slapolicy")
def configuration_view(request):
    today = timezone.localdate()
    categories = [
        (bilingual(c, "name"), bilingual(c.parent, "name") if c.parent_id else "", c)
        for c in ComplaintCategory.objects.select_related("parent").order_by("parent__position", "position", "pk")
    ]
    rules = [(bilingual(r, "name"), r) for r in EscalationRule.objects.order_by("level", "deadline", "pk")]
    return render(
        request,
        "complaints/configuration.html",
        {
            "policies": SlaPolicy.objects.order_by("severity", "tier"),
            "rules": rules,
            "days": CalendarDay.objects.filter(date__gte=today.replace(month=1, day=1)).order_by("date"),
            "categories": categories,
        },
    )
