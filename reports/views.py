from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext

from accounts.access import permission
from accounts.models import Role
from customers.models import Region, Segment
from customers.selectors import InvalidCriteria, segment_customers
from surveys.models import LoyaltyAspect, Response
from surveys.selectors import responses_visible_to

from . import dashboard, selectors
from .dashboard import CLASSIFICATION_CHOICES, dashboard_context
from .figures import Period, facts_as_of
from .my_work import my_work

RESPONSES_PER_PAGE = 50


def _works_the_queue(user) -> bool:
    """Staff (without a managing or auditing role) start from their own work, not the figures."""
    return user.has_role(Role.STAFF) and not (user.role_names & {Role.MANAGER, Role.ADMIN, Role.AUDITOR})


@permission("customers.view_customer")
def home_view(request):
    """The page after login: "my work" for staff, the dashboard for managers, admins and auditors;
    ?view=overview gives anyone the customer overview."""
    view = request.GET.get("view")
    if view == "overview":
        return overview_view(request)
    if _works_the_queue(request.user):
        return render(request, "reports/my_work.html", {"work": my_work(user=request.user)})
    if request.user.has_perm("reports.view_figures"):
        return render(request, "reports/dashboard.html", dashboard_context(request))
    return overview_view(request)


def overview_view(request):
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


@permission("reports.view_figures")
def dashboard_view(request):
    """The manager's dashboard at its own address (staff can open it from "my work")."""
    return render(request, "reports/dashboard.html", dashboard_context(request))


@permission("reports.view_figures")
def dashboard_chart_view(request, key: str):
    """One dashboard chart as SVG, for the filters in the query string (the page's own): loaded by the
    dashboard after the page, so the page does not wait for matplotlib. Same rights as the page."""
    if key not in dashboard.CHARTS:
        raise Http404
    filters = dashboard.request_filters(request, timezone.localdate())
    try:
        svg = dashboard.chart_svg(filters, key, as_of=facts_as_of())
    except InvalidCriteria:
        svg = dashboard.no_data_svg(key, gettext("This segment's criteria are no longer valid; edit the segment."))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    # Per user and language (the labels are translated): never kept by a shared cache.
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


@permission("surveys.view_response")
def response_list_view(request):
    """The survey responses behind a dashboard figure: a period, and optionally a dimension answered,
    a scope (classification or saved segment) and a breakdown value."""
    import datetime

    params = request.GET
    try:
        period = Period(datetime.date.fromisoformat(params["since"]), datetime.date.fromisoformat(params["until"]))
    except (KeyError, ValueError):
        period = None
    responses = responses_visible_to(
        user=request.user,
        queryset=Response.objects.filter(submitted_at__isnull=False, suspected_duplicate=False).select_related(
            "customer", "campaign"
        ),
    )
    if period is not None:
        responses = responses.filter(submitted_at__gte=period.start, submitted_at__lt=period.end)
    dimension = params.get("dimension", "")
    if dimension.isdigit():
        responses = responses.filter(answers__question__dimension_id=int(dimension)).distinct()
    loyalty = params.get("loyalty", "")
    if loyalty in LoyaltyAspect.values:
        responses = responses.filter(answers__question__loyalty_aspect=loyalty).distinct()
    for field_param, value_param in (("field", "value"), ("by_field", "by_value")):
        field, value = params.get(field_param, ""), params.get(value_param, "")
        if field in CLASSIFICATION_CHOICES and value:
            responses = responses.filter(**{f"customer__{field}": value})
    segment = None
    if params.get("segment", "").isdigit():
        segment = Segment.objects.filter(pk=int(params["segment"])).first()
        if segment is not None:
            try:
                responses = responses.filter(customer__in=segment_customers(segment=segment).order_by().values("pk"))
            except InvalidCriteria:
                responses = responses.none()
    page = Paginator(responses.order_by("-submitted_at", "-pk"), RESPONSES_PER_PAGE).get_page(params.get("page"))
    return render(
        request,
        "reports/response_list.html",
        {"page": page, "period": period, "segment": segment, "query": params.urlencode()},
    )
