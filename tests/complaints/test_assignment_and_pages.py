"""A complaint logged by staff lands in someone's "My queue"; queue tabs say which view is shown;
selects offer a worded empty choice, never Django's "---------"."""

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, ComplaintCategory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_complaint_logged_from_the_phone_screen_is_in_the_loggers_queue(staff_client, staff_user, customer):
    staff_client.post(
        reverse("complaints:create"),
        {
            "customer": customer.pk,
            "kind": "complaint",
            "channel": "hotline",
            "severity": "medium",
            "subject": "Pump leaks",
            "description": "Leaks at the seal.",
        },
    )
    complaint = Complaint.objects.get()
    assert complaint.assignee == staff_user
    mine = staff_client.get(reverse("complaints:list"), {"queue": "mine", "open": "true"})
    assert complaint.reference in mine.content.decode()


def test_the_categorys_default_handler_gets_the_complaint(staff_user, customer):
    handler = UserFactory(username="quality1", role="staff")
    category = ComplaintCategory.objects.get(code="product-defect")
    category.default_handler = handler
    category.save()

    complaint = services.complaint_open(
        actor=staff_user, customer=customer, channel="hotline", subject="Leak", description="x", category=category
    )
    assert complaint.assignee == handler


def test_a_handler_who_may_no_longer_work_on_complaints_is_passed_over(staff_user, auditor_user, customer):
    category = ComplaintCategory.objects.get(code="product-defect")
    category.default_handler = auditor_user
    category.save()
    complaint = services.complaint_open(
        actor=staff_user, customer=customer, channel="hotline", subject="Leak", description="x", category=category
    )
    assert complaint.assignee == staff_user


def test_public_form_complaints_wait_unassigned_for_triage(customer):
    complaint = services.complaint_open(
        actor=None, public_submission=True, customer=customer, channel="web_form", subject="Leak", description="x"
    )
    assert complaint.assignee is None


@pytest.mark.parametrize(
    "query, current",
    [
        ("", "All open"),
        ("?open=true", "All open"),
        ("?queue=mine&open=true", "My queue"),
        ("?queue=team&open=true", "My team's queue"),
        ("?queue=escalated&open=true", "Escalated"),
        ("?overdue=true", "Overdue"),
    ],
)
def test_the_queue_tab_shown_is_marked_current(staff_client, query, current):
    page = staff_client.get(reverse("complaints:list") + query).content.decode()
    nav = page[page.index('class="queue-tabs"') : page.index("</nav>", page.index('class="queue-tabs"'))]
    marked = [chunk for chunk in nav.split("<a ")[1:] if 'aria-current="page"' in chunk]
    assert len(marked) == 1 and current in marked[0]


def test_no_dashes_placeholder_in_the_complaint_pages(staff_client, manager_client, open_complaint):
    complaint = open_complaint()
    for client, url in [
        (staff_client, reverse("complaints:create")),
        (staff_client, complaint.get_absolute_url()),
        (manager_client, reverse("complaints:list")),
        (manager_client, complaint.get_absolute_url()),
    ]:
        page = client.get(url).content.decode()
        assert "---------" not in page, url


def test_no_dashes_placeholder_in_the_customer_and_visit_plan_forms(manager_client):
    from tests.factories import CustomerFactory

    customer = CustomerFactory()
    for url in [
        reverse("customers:create"),
        reverse("customers:update", args=[customer.pk]),
        reverse("visits:plan_create"),
        reverse("visits:create"),
    ]:
        page = manager_client.get(url).content.decode()
        assert "---------" not in page, url
        assert "— not set —" in page or "— choose —" in page or "— myself —" in page, url
