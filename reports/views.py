from django.shortcuts import render

from accounts.access import permission
from customers.models import Region

from . import selectors


@permission("customers.view_customer")
def home_view(request):
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
