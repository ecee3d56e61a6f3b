"""Visit pages: who sees which visit (404 for others), who may act, and the customer page links."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ContactFactory, CustomerFactory
from tests.visits.factories import VisitFactory, VisitIssueFactory, VisitPlanFactory
from visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_visit(staff_user):
    return VisitFactory(assignee=staff_user, customer=CustomerFactory(name="Own Co"), due_date=timezone.localdate())


@pytest.fixture
def foreign_visit(other_staff_user):
    return VisitFactory(assignee=other_staff_user, customer=CustomerFactory(name="Foreign Co", owner=other_staff_user))


def test_the_customer_page_lists_only_the_visits_its_reader_may_open(
    staff_client, manager_client, staff_user, other_staff_user
):
    """A customer visited by two people: staff see their own visit on its page (linked, and it opens),
    not a colleague's (whose page answers 404); a manager sees both."""
    customer = CustomerFactory(name="Shared Co")
    own = VisitFactory(customer=customer, assignee=staff_user, summary="Our own talk")
    other = VisitFactory(customer=customer, assignee=other_staff_user, summary="Colleague's talk")

    page = staff_client.get(customer.get_absolute_url()).content.decode()
    assert reverse("visits:detail", args=[own.pk]) in page and "Our own talk" in page
    assert reverse("visits:detail", args=[other.pk]) not in page and "Colleague" not in page
    assert staff_client.get(reverse("visits:detail", args=[own.pk])).status_code == 200
    assert staff_client.get(reverse("visits:detail", args=[other.pk])).status_code == 404
    managed = manager_client.get(customer.get_absolute_url()).content.decode()
    assert all(reverse("visits:detail", args=[v.pk]) in managed for v in (own, other))


def test_customer_page_links_to_its_visits(staff_client, own_visit):
    response = staff_client.get(own_visit.customer.get_absolute_url())

    assert response.status_code == 200
    assert reverse("visits:detail", args=[own_visit.pk]) in response.content.decode()


def test_staff_sees_own_visit_and_gets_404_for_another_staff_members_visit(staff_client, own_visit, foreign_visit):
    assert staff_client.get(reverse("visits:detail", args=[own_visit.pk])).status_code == 200
    assert staff_client.get(reverse("visits:detail", args=[foreign_visit.pk])).status_code == 404
    for name in ("record", "reschedule", "cancel"):
        assert staff_client.get(reverse(f"visits:{name}", args=[foreign_visit.pk])).status_code == 404


def test_staff_sees_visits_of_customers_they_own_even_when_assigned_to_someone_else(
    staff_client, staff_user, other_staff_user
):
    visit = VisitFactory(assignee=other_staff_user, customer=CustomerFactory(owner=staff_user))

    response = staff_client.get(reverse("visits:detail", args=[visit.pk]))

    assert response.status_code == 200
    assert reverse("visits:record", args=[visit.pk]) in response.content.decode()


def test_manager_and_auditor_see_every_visit_but_only_the_manager_gets_actions(
    manager_client, auditor_client, foreign_visit
):
    url = reverse("visits:detail", args=[foreign_visit.pk])
    record_url = reverse("visits:record", args=[foreign_visit.pk])

    manager_page = manager_client.get(url)
    auditor_page = auditor_client.get(url)

    assert manager_page.status_code == 200 and record_url in manager_page.content.decode()
    assert auditor_page.status_code == 200 and record_url not in auditor_page.content.decode()


def test_auditor_cannot_record_reschedule_or_cancel(auditor_client, foreign_visit):
    for name, data in (
        ("record", {"visited_on": "2020-01-01", "summary": "x"}),
        ("reschedule", {"due_date": "2099-01-01", "reason": "x"}),
        ("cancel", {"reason": "x"}),
    ):
        response = auditor_client.post(reverse(f"visits:{name}", args=[foreign_visit.pk]), data)
        assert response.status_code == 403
    foreign_visit.refresh_from_db()
    assert foreign_visit.status == Visit.Status.PLANNED


def test_my_visits_splits_today_overdue_and_this_week(staff_client, staff_user):
    today = timezone.localdate()
    VisitFactory(assignee=staff_user, customer=CustomerFactory(name="Today Co"), due_date=today)
    VisitFactory(
        assignee=staff_user, customer=CustomerFactory(name="Late Co"), due_date=today - datetime.timedelta(days=3)
    )
    VisitFactory(
        assignee=staff_user,
        customer=CustomerFactory(name="Cancelled Co"),
        due_date=today - datetime.timedelta(days=3),
        status="cancelled",
    )

    response = staff_client.get(reverse("visits:my_visits"))

    sections = {name: [v.customer.name for v in response.context[name]] for name in ("due_today", "overdue")}
    assert sections == {"due_today": ["Today Co"], "overdue": ["Late Co"]}


def test_my_visits_shows_staff_only_their_own_even_if_they_ask_for_all(staff_client, own_visit, foreign_visit):
    response = staff_client.get(reverse("visits:my_visits"), {"who": "all"})

    shown = [v.pk for v in response.context["due_today"]] + [v.pk for v in response.context["overdue"]]
    assert foreign_visit.pk not in shown
    assert own_visit.pk in shown


def test_manager_can_switch_my_visits_to_one_person(manager_client, own_visit, foreign_visit, other_staff_user):
    response = manager_client.get(reverse("visits:my_visits"), {"who": "person", "person": other_staff_user.pk})

    assert [v.pk for v in response.context["due_today"]] == [foreign_visit.pk]


def test_plan_detail_and_list_render_for_every_role(staff_client, manager_client, auditor_client):
    plan = VisitPlanFactory(name="Key customers monthly")
    for client in (staff_client, manager_client, auditor_client):
        assert client.get(plan.get_absolute_url()).status_code == 200
        assert "Key customers monthly" in client.get(reverse("visits:plan_list")).content.decode()


def test_only_managers_see_plan_edit_links(staff_client, manager_client):
    plan = VisitPlanFactory()
    edit = reverse("visits:plan_update", args=[plan.pk])

    assert edit not in staff_client.get(plan.get_absolute_url()).content.decode()
    assert edit in manager_client.get(plan.get_absolute_url()).content.decode()
    assert staff_client.post(edit, {"name": "Renamed"}).status_code == 403


def test_visit_detail_shows_issue_with_its_contacts(manager_client):
    customer = CustomerFactory()
    contact = ContactFactory(customer=customer, name="Ms Wang")
    visit = VisitFactory(customer=customer, status="done", visited_on=timezone.localdate(), completed_at=timezone.now())
    visit.contacts_met.add(contact)
    VisitIssueFactory(visit=visit, description="Late delivery in October")

    page = manager_client.get(visit.get_absolute_url()).content.decode()

    assert "Ms Wang" in page and "Late delivery in October" in page


def test_main_navigation_links_to_visits_for_roles_that_see_them(staff_client, auditor_client):
    link = f'href="{reverse("visits:my_visits")}"'

    assert link in staff_client.get(reverse("customers:list")).content.decode()
    assert link in auditor_client.get(reverse("customers:list")).content.decode()


@pytest.mark.parametrize("name", ["visits:my_visits", "visits:calendar", "visits:plan_list"])
def test_list_pages_do_not_query_per_row(manager_client, manager_user, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plan = VisitPlanFactory()

    def queries_with(visits: int) -> int:
        for offset in range(visits):
            VisitFactory(
                assignee=manager_user,
                plan=plan,
                due_date=timezone.localdate() + datetime.timedelta(days=offset % 5 - 2),
            )
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(reverse(name)).status_code == 200
        return len(captured)

    assert queries_with(2) == queries_with(8)
