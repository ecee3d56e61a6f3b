"""Staff start from their own work after login; managers and auditors from the figures."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.my_work import my_work
from tests.complaints.factories import ComplaintFactory, CorrectiveActionFactory
from tests.visits.factories import VisitFactory

pytestmark = pytest.mark.django_db


def test_nothing_to_do_is_all_zero(staff_user):
    work = my_work(user=staff_user)
    assert (work.complaints_open, work.complaints_overdue, work.actions_open, work.visits_overdue) == (0, 0, 0, 0)


def test_counts_only_what_is_the_users_and_open(staff_user, other_staff_user):
    now = timezone.now()
    ComplaintFactory(assignee=staff_user, resolve_due_at=now - datetime.timedelta(hours=1))  # overdue
    ComplaintFactory(assignee=staff_user, resolve_due_at=now + datetime.timedelta(days=5))  # open, not due
    ComplaintFactory(assignee=other_staff_user, resolve_due_at=now - datetime.timedelta(hours=1))  # not mine
    CorrectiveActionFactory(owner=staff_user, due_date=timezone.localdate() - datetime.timedelta(days=1))
    CorrectiveActionFactory(owner=staff_user)
    CorrectiveActionFactory(owner=other_staff_user)
    VisitFactory(assignee=staff_user, due_date=timezone.localdate() - datetime.timedelta(days=2))
    VisitFactory(assignee=other_staff_user, due_date=timezone.localdate() - datetime.timedelta(days=2))

    work = my_work(user=staff_user, now=now)

    assert (work.complaints_open, work.complaints_overdue) == (2, 1)
    assert (work.actions_open, work.actions_overdue) == (2, 1)
    assert work.visits_overdue == 1


def test_staff_land_on_my_work_and_managers_on_the_overview(staff_client, manager_client, staff_user):
    ComplaintFactory(assignee=staff_user, subject="Seal leaks on batch 7")

    staff_page = staff_client.get(reverse("reports:home")).content.decode()
    manager_page = manager_client.get(reverse("reports:home")).content.decode()

    assert "My work" in staff_page and "Seal leaks on batch 7" in staff_page
    assert "My work" not in manager_page


def test_my_work_costs_a_bounded_number_of_queries(staff_client, staff_user, django_assert_max_num_queries):
    for _ in range(5):
        ComplaintFactory(assignee=staff_user)
        CorrectiveActionFactory(owner=staff_user)
        VisitFactory(assignee=staff_user)
    with django_assert_max_num_queries(20):
        assert staff_client.get(reverse("reports:home")).status_code == 200
