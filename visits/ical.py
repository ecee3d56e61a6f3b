"""The iCalendar (RFC 5545) text of a user's visits, built with the icalendar package."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Visit

PRODUCT_ID = "-//CSM//Follow-up visits//EN"


def visits_calendar(*, visits: Iterable[Visit], name: str, url_for: Callable[[str], str]) -> bytes:
    """One all-day event per visit, on its due date (or the day it was done). Cancelled visits are
    sent as STATUS:CANCELLED so calendar apps remove them."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for visit in visits:
        day = visit.visited_on if visit.status == Visit.Status.DONE and visit.visited_on else visit.due_date
        event = Event()
        event.add("uid", f"visit-{visit.pk}@csm")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + datetime.timedelta(days=1))
        event.add(
            "summary",
            _("%(channel)s: %(customer)s") % {"channel": visit.get_channel_display(), "customer": visit.customer.name},
        )
        event.add("description", visit.get_purpose_display())
        if visit.customer.address:
            event.add("location", visit.customer.address)
        event.add("url", url_for(visit.get_absolute_url()))
        event.add(
            "status",
            {Visit.Status.DONE: "CONFIRMED", Visit.Status.CANCELLED: "CANCELLED"}.get(visit.status, "TENTATIVE"),
        )
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
