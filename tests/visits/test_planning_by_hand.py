"""Planning a visit by hand: the customer is found with a search (not a select of every customer),
and the visit says it was planned by hand, not by a schedule."""

import datetime
import importlib

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ContactFactory, CustomerFactory
from tests.visits.factories import VisitFactory, VisitPlanFactory
from visits import services
from visits.models import Trigger, Visit

pytestmark = pytest.mark.django_db


def test_the_planning_page_has_a_customer_search_not_a_select_of_every_customer(staff_client):
    CustomerFactory.create_batch(30)
    page = staff_client.get(reverse("visits:create")).content.decode()
    assert 'data-testid="customer-search"' in page
    assert '<select name="customer"' not in page and page.count('name="customer"') == 0


def test_the_search_finds_customers_by_name_code_or_contact_phone(staff_client):
    wanted = CustomerFactory(name="Nordic Pumps AB", code="K-900")
    ContactFactory(customer=wanted, phone="13800138000")
    CustomerFactory(name="Other Co", code="K-901")

    for query in ("nordic", "K-900", "138001"):
        response = staff_client.get(reverse("visits:customer_search"), {"q": query})
        page = response.content.decode()
        assert f'value="{wanted.pk}"' in page and "Other Co" not in page, query
    assert (
        'data-testid="no-customer"'
        in staff_client.get(reverse("visits:customer_search"), {"q": "zzz"}).content.decode()
    )


def test_a_new_search_keeps_the_customer_already_chosen(staff_client):
    chosen = CustomerFactory(name="Chosen Co")
    CustomerFactory(name="Nordic Pumps AB")
    page = staff_client.get(reverse("visits:customer_search"), {"q": "nordic", "customer": chosen.pk}).content.decode()
    assert f'value="{chosen.pk}" checked' in page and "Nordic Pumps AB" in page


def test_opening_from_the_customer_page_preselects_the_customer(staff_client):
    customer = CustomerFactory(name="Walk-in Co")
    page = staff_client.get(reverse("visits:create"), {"customer": customer.pk}).content.decode()
    assert f'value="{customer.pk}" checked' in page and "Walk-in Co" in page


def test_planning_without_choosing_a_customer_explains(staff_client):
    due = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = staff_client.post(
        reverse("visits:create"), {"due_date": due, "channel": "phone", "purpose": "satisfaction"}
    )
    assert "Find and choose the customer first." in response.content.decode()
    assert not Visit.objects.exists()


def test_a_visit_planned_by_hand_says_so(staff_client, staff_user):
    customer = CustomerFactory()
    visit = services.visit_create(
        actor=staff_user,
        customer=customer,
        due_date=timezone.localdate(),
        channel="phone",
        purpose="satisfaction",
    )
    assert visit.trigger == Trigger.MANUAL
    page = staff_client.get(visit.get_absolute_url()).content.decode()
    assert "Planned by hand" in page and "On a schedule" not in page


def test_plans_cannot_have_the_manual_trigger():
    from visits.forms import VisitPlanForm

    assert "manual" not in dict(VisitPlanForm.base_fields["trigger"].choices)


def test_the_migration_marks_existing_visits_without_a_plan_as_manual():
    from django.apps import apps

    by_hand = VisitFactory(plan=None, trigger="schedule", cycle="")
    scheduled = VisitFactory(plan=VisitPlanFactory(), trigger="schedule")
    migration = importlib.import_module("visits.migrations.0004_manual_trigger")
    migration.mark_manual(apps, None)

    by_hand.refresh_from_db()
    scheduled.refresh_from_db()
    assert (by_hand.trigger, scheduled.trigger) == ("manual", "schedule")
