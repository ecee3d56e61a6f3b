"""The working pages: the phone record form, reschedule, cancel, issue -> complaint, calendar, the
iCalendar feed, and plan create/edit."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from complaints.models import Complaint
from customers.models import SatisfactionDimension
from tests.factories import ContactFactory, CustomerFactory, SegmentFactory
from tests.visits.factories import VisitFactory, VisitPlanFactory
from visits import services
from visits.models import Visit, VisitPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(staff_user):
    customer = CustomerFactory(owner=staff_user, name="Harbour Logistics")
    return VisitFactory(assignee=staff_user, customer=customer, due_date=timezone.localdate())


def _record_data(visit, **extra):
    dimension = SatisfactionDimension.objects.filter(is_active=True).first()
    data = {
        "visited_on": timezone.localdate().isoformat(),
        "summary": "Reviewed the quarter.",
        "next_steps": "Send the new price list",
        f"score_{dimension.pk}": "4",
        "issues-TOTAL_FORMS": "2",
        "issues-INITIAL_FORMS": "0",
        "issues-MIN_NUM_FORMS": "0",
        "issues-MAX_NUM_FORMS": "20",
        "issues-0-description": "Packaging damaged twice",
        "issues-0-severity": "high",
        "issues-1-description": "",
        "issues-1-severity": "medium",
    }
    data.update(extra)
    return data, dimension


def test_record_form_shows_contacts_and_one_score_row_per_active_dimension(staff_client, visit):
    ContactFactory(customer=visit.customer, name="Mr Li")
    ContactFactory(name="Someone Else")  # another customer's contact
    active = SatisfactionDimension.objects.filter(is_active=True).count()

    response = staff_client.get(reverse("visits:record", args=[visit.pk]))

    page = response.content.decode()
    assert "Mr Li" in page and "Someone Else" not in page
    assert page.count('class="score-field') == active > 0


def test_record_form_saves_the_visit(staff_client, visit):
    contact = ContactFactory(customer=visit.customer)
    data, dimension = _record_data(visit, contacts=[contact.pk])

    response = staff_client.post(reverse("visits:record", args=[visit.pk]), data)

    assert response.status_code == 302 and response["Location"] == visit.get_absolute_url()
    visit.refresh_from_db()
    assert visit.status == Visit.Status.DONE and visit.next_steps == "Send the new price list"
    assert list(visit.scores.values_list("dimension_id", "score")) == [(dimension.pk, 4)]
    assert list(visit.issues.values_list("description", "severity")) == [("Packaging damaged twice", "high")]
    assert list(visit.contacts_met.all()) == [contact]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"summary": ""}, "This field is required"),
        ({"visited_on": "2999-01-01"}, "before it happened"),
        ({"visited_on": "not a date"}, "Enter a valid date"),
        ("bad-score", "Select a valid choice"),
        ({"issues-0-severity": "apocalyptic"}, "Select a valid choice"),
        ("foreign-contact", "Select a valid choice"),
    ],
)
def test_record_form_rejects_bad_input_with_a_message_and_changes_nothing(staff_client, visit, change, error):
    data, dimension = _record_data(visit)
    if change == "bad-score":
        change = {f"score_{dimension.pk}": "9"}
    elif change == "foreign-contact":
        change = {"contacts": [ContactFactory().pk]}
    data.update(change)

    response = staff_client.post(reverse("visits:record", args=[visit.pk]), data)

    assert response.status_code == 200
    assert error in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == Visit.Status.PLANNED and not visit.issues.exists()


def test_a_done_visit_cannot_be_recorded_again_through_the_form(staff_client, visit):
    data, _ = _record_data(visit)
    staff_client.post(reverse("visits:record", args=[visit.pk]), data)

    response = staff_client.post(reverse("visits:record", args=[visit.pk]), {**data, "summary": "second"})

    assert response.status_code == 302
    assert Visit.objects.get(pk=visit.pk).summary == "Reviewed the quarter."


def test_reschedule_and_cancel_need_a_reason(staff_client, visit):
    new_date = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()

    missing = staff_client.post(reverse("visits:reschedule", args=[visit.pk]), {"due_date": new_date})
    moved = staff_client.post(
        reverse("visits:reschedule", args=[visit.pk]), {"due_date": new_date, "reason": "Customer asked"}
    )

    assert missing.status_code == 200 and "This field is required" in missing.content.decode()
    assert moved.status_code == 302
    visit.refresh_from_db()
    assert visit.due_date.isoformat() == new_date

    assert staff_client.post(reverse("visits:cancel", args=[visit.pk]), {"reason": ""}).status_code == 200
    assert staff_client.post(reverse("visits:cancel", args=[visit.pk]), {"reason": "Merged"}).status_code == 302
    assert Visit.objects.get(pk=visit.pk).status == Visit.Status.CANCELLED


def test_reschedule_into_the_past_shows_an_error(staff_client, visit):
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()

    response = staff_client.post(reverse("visits:reschedule", args=[visit.pk]), {"due_date": past, "reason": "x"})

    assert "cannot be in the past" in response.content.decode()
    assert Visit.objects.get(pk=visit.pk).due_date == visit.due_date


# -- issue -> complaint -----------------------------------------------------------------------------


@pytest.fixture
def done_visit_issue(visit, staff_user):
    services.visit_record(
        actor=staff_user,
        visit=visit,
        visited_on=timezone.localdate(),
        summary="ok",
        issues=[{"description": "Wrong labels on pallets\nSeen on 3 deliveries", "severity": "high"}],
    )
    return visit.issues.get()


def test_turning_an_issue_into_a_complaint_opens_one_complaint_and_redirects_to_it(staff_client, done_visit_issue):
    url = reverse("complaints:from_visit_issue", args=[done_visit_issue.pk])

    first = staff_client.post(url)
    second = staff_client.post(url)

    complaint = Complaint.objects.get()
    assert complaint.customer_id == done_visit_issue.visit.customer_id
    assert complaint.source_visit_issue_id == done_visit_issue.pk
    assert complaint.subject == "Wrong labels on pallets"
    assert complaint.severity == "high"  # carried over from the issue
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == complaint.get_absolute_url()
    page = staff_client.get(done_visit_issue.visit.get_absolute_url()).content.decode()
    assert complaint.reference in page and url not in page


def test_issue_of_an_invisible_visit_is_404_and_opens_nothing(other_staff_user, done_visit_issue):
    from django.test import Client

    client = Client()
    client.force_login(other_staff_user)

    response = client.post(reverse("complaints:from_visit_issue", args=[done_visit_issue.pk]))

    assert response.status_code == 404
    assert not Complaint.objects.exists()


def test_auditor_cannot_turn_an_issue_into_a_complaint(auditor_client, done_visit_issue):
    response = auditor_client.post(reverse("complaints:from_visit_issue", args=[done_visit_issue.pk]))

    assert response.status_code == 403
    assert not Complaint.objects.exists()


# -- calendar and iCalendar feed ----------------------------------------------------------------------


def test_month_calendar_places_visits_on_their_day(staff_client, staff_user, other_staff_user):
    mine = VisitFactory(
        assignee=staff_user, due_date=datetime.date(2026, 3, 17), customer=CustomerFactory(name="Mar Co")
    )
    VisitFactory(
        assignee=other_staff_user, due_date=datetime.date(2026, 3, 18), customer=CustomerFactory(name="Not Mine")
    )

    response = staff_client.get(reverse("visits:calendar"), {"month": "2026-03"})

    days = {day: visits for week in response.context["weeks"] for day, visits in week if visits}
    assert days == {datetime.date(2026, 3, 17): [mine]}


def test_month_calendar_survives_a_bad_month_parameter(staff_client):
    assert staff_client.get(reverse("visits:calendar"), {"month": "2026-13"}).status_code == 200


def test_feed_page_makes_a_secret_address_and_the_feed_lists_own_visits(client, staff_client, staff_user, visit):
    VisitFactory(due_date=timezone.localdate(), customer=CustomerFactory(name="Someone Elses Co"))

    page = staff_client.post(reverse("visits:feed"))
    feed_url = page.context["feed_url"]
    response = client.get(feed_url)  # anonymous: a calendar app

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [f"visit-{visit.pk}@csm"]
    event = events[0]
    assert "Harbour Logistics" in str(event["summary"])
    assert event.decoded("dtstart") == visit.due_date
    assert str(event["url"]).endswith(visit.get_absolute_url())


def test_feed_with_an_unknown_or_revoked_token_is_a_bare_404(client, staff_client):
    old = staff_client.post(reverse("visits:feed")).context["feed_url"]
    staff_client.post(reverse("visits:feed"))

    for url in (old, reverse("visits:calendar_feed", args=["made-up"])):
        response = client.get(url)
        assert response.status_code == 404
        assert b"VCALENDAR" not in response.content


def test_auditor_cannot_make_a_feed_address(auditor_client):
    assert auditor_client.post(reverse("visits:feed")).status_code == 403


# -- plans ---------------------------------------------------------------------------------------------


def _plan_data(**extra):
    data = {
        "name": "Key customers monthly",
        "trigger": "schedule",
        "segment": SegmentFactory(criteria={"tier": "key"}).pk,
        "cadence": "monthly",
        "anchor_day": "5",
        "horizon_days": "14",
        "due_in_days": "7",
        "channel": "on_site",
        "purpose": "relationship",
        "assignment": "owner",
        "time_zone": "Asia/Shanghai",
        "is_active": "on",
    }
    data.update(extra)
    return data


def test_manager_creates_a_plan(manager_client):
    response = manager_client.post(reverse("visits:plan_create"), _plan_data())

    plan = VisitPlan.objects.get(name="Key customers monthly")
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert (plan.cadence, plan.anchor_day) == ("monthly", 5)


@pytest.mark.parametrize(
    ("change", "field_error"),
    [
        ({"cadence": ""}, "A scheduled plan needs a cadence."),
        ({"assignment": "person"}, "Name the person who does these visits."),
        ({"assignment": "round_robin"}, "Choose the team whose members share these visits."),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice"),
    ],
)
def test_plan_form_explains_what_is_missing(manager_client, change, field_error):
    response = manager_client.post(reverse("visits:plan_create"), _plan_data(**change))

    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert not VisitPlan.objects.filter(name="Key customers monthly").exists()


def test_manager_edits_a_plan_and_the_trail_records_it(manager_client):
    plan = VisitPlanFactory(name="Old name")

    response = manager_client.post(
        reverse("visits:plan_update", args=[plan.pk]),
        _plan_data(name="New name", segment=plan.segment_id, cadence="monthly"),
    )

    assert response.status_code == 302
    page = manager_client.get(plan.get_absolute_url()).content.decode()
    assert "New name" in page and "Old name" in page  # the change history shows before and after


def test_staff_and_auditors_cannot_create_plans(staff_client, auditor_client):
    for client in (staff_client, auditor_client):
        assert client.post(reverse("visits:plan_create"), _plan_data()).status_code == 403
    assert not VisitPlan.objects.filter(name="Key customers monthly").exists()


def test_a_new_plan_creates_its_visits_right_away(manager_client, django_capture_on_commit_callbacks):
    CustomerFactory(tier="key")
    CustomerFactory(tier="key")

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("visits:plan_create"), _plan_data())

    from visits.cadence import cycles_to_schedule

    plan = VisitPlan.objects.get(name="Key customers monthly")
    cycles = cycles_to_schedule("monthly", services._plan_today(plan), 14)  # this month, and the next if near
    assert Visit.objects.filter(plan=plan).count() == 2 * len(cycles)


# -- planning a visit by hand ----------------------------------------------------------------------------


def test_staff_plans_a_visit_by_hand_for_themselves(staff_client, staff_user):
    customer = CustomerFactory(name="Walk-in Co")
    due = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()

    form = staff_client.get(reverse("visits:create"), {"customer": customer.pk})
    response = staff_client.post(
        reverse("visits:create"),
        {"customer": customer.pk, "due_date": due, "channel": "phone", "purpose": "satisfaction"},
    )

    assert "assignee" not in form.context["form"].fields  # staff plan for themselves only
    visit = Visit.objects.get(customer=customer)
    assert response.status_code == 302 and response["Location"] == visit.get_absolute_url()
    assert (visit.assignee, visit.channel, visit.plan) == (staff_user, "phone", None)


def test_manager_plans_a_visit_for_someone_else(manager_client, other_staff_user):
    customer = CustomerFactory()
    due = timezone.localdate().isoformat()

    manager_client.post(
        reverse("visits:create"),
        {
            "customer": customer.pk,
            "due_date": due,
            "channel": "on_site",
            "purpose": "relationship",
            "assignee": other_staff_user.pk,
        },
    )

    assert Visit.objects.get(customer=customer).assignee == other_staff_user


def test_a_visit_cannot_be_planned_in_the_past(staff_client):
    customer = CustomerFactory()
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()

    response = staff_client.post(
        reverse("visits:create"),
        {"customer": customer.pk, "due_date": past, "channel": "phone", "purpose": "relationship"},
    )

    assert "cannot be in the past" in response.content.decode()
    assert not Visit.objects.exists()
