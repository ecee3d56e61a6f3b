from django.shortcuts import render

from accounts.access import permission
from accounts.models import Role
from customers.models import Region

from . import selectors
from .my_work import my_work


def _works_the_queue(user) -> bool:
    """Staff (without a managing or auditing role) start from their own work, not the figures."""
    return user.has_role(Role.STAFF) and not (user.role_names & {Role.MANAGER, Role.ADMIN, Role.AUDITOR})


@permission("customers.view_customer")
def home_view(request):
    """The page after login: "my work" for staff, the dashboard for managers and auditors."""
    if _works_the_queue(request.user) and request.GET.get("view") != "overview":
        return render(request, "reports/my_work.html", {"work": my_work(user=request.user)})
    regions = dict(Region.choices)
    by_region = [
        {"label": regions.get(row["region"], "—"), "value": row["region"], "n": row["n"]}
        for row in selectors.customer_breakdown("region")
    ]
    top = max((row["n"] for row in by_region), default=0) or 1
    for row in by_region:
        row["share"] = round(100 * row["n"] / top)
    return render(
        request,
        "reports/home.html",
        {
            "overview": selectors.customer_overview(),
            "by_region": by_region,
            "recent_changes": selectors.recent_lifecycle_changes(),
        },
    )
