"""The month calendar, the personal iCalendar feed page and the feed itself."""

import calendar as month_calendar
import datetime

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.access import permission, public

from .. import ical, selectors, services
from .visits import scoped_visits

VIEW = "visits.view_visit"


def _month(value: str | None, today: datetime.date) -> datetime.date:
    try:
        return datetime.datetime.strptime(value or "", "%Y-%m").date().replace(day=1)
    except ValueError:
        return today.replace(day=1)


@permission(VIEW)
def calendar_view(request):
    scoped, scope_form, can_switch = scoped_visits(request)
    today = timezone.localdate()
    first = _month(request.GET.get("month"), today)
    weeks = month_calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    by_day: dict[datetime.date, list] = {}
    for visit in selectors.visits_in_range(visible=scoped, start=weeks[0][0], end=weeks[-1][-1]):
        day = visit.visited_on if visit.status == visit.Status.DONE else visit.due_date
        by_day.setdefault(day, []).append(visit)
    previous_month = (first - datetime.timedelta(days=1)).replace(day=1)
    next_month = (first + datetime.timedelta(days=32)).replace(day=1)
    query = request.GET.copy()
    query.pop("month", None)
    return render(
        request,
        "visits/calendar.html",
        {
            "first": first,
            "today": today,
            "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
            "previous_month": previous_month,
            "next_month": next_month,
            "scope_form": scope_form,
            "can_switch": can_switch,
            "query": query.urlencode(),
        },
    )


@permission(VIEW, VIEW)
def feed_page_view(request):
    """The user's secret feed address. POST makes a new one (and the old one stops working); the
    address is shown once, since only its hash is stored."""
    feed_url = None
    if request.method == "POST":
        token = services.calendar_feed_renew(user=request.user)
        feed_url = request.build_absolute_uri(reverse("visits:calendar_feed", args=[token]))
    has_feed = hasattr(request.user, "calendar_feed") if feed_url is None else True
    return render(request, "visits/feed.html", {"feed_url": feed_url, "has_feed": has_feed})


@public
@require_GET
def calendar_feed_view(request, token: str):
    """The iCalendar feed a calendar app subscribes to. Calendar apps cannot log in, so the secret
    address is the credential: an unknown token is a plain 404 that reveals nothing."""
    user = services.calendar_feed_user(token=token)
    if user is None or not user.has_perm("visits.view_visit"):
        raise Http404
    visits = selectors.visits_for_feed(user=user, today=timezone.localdate())
    with translation.override(user.preferred_language or None):
        body = ical.visits_calendar(visits=visits, name=_("CSM visits"), url_for=request.build_absolute_uri)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="visits.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
