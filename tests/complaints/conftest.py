import pytest

from complaints import services
from complaints.models import Complaint
from tests.factories import ContactFactory, CustomerFactory


@pytest.fixture
def customer(db):
    customer = CustomerFactory(name="上海精工机械有限公司", code="K-001", tier="general", phone="021-5555")
    ContactFactory(customer=customer, name="李娜", email="li.na@example.com", preferred_language="zh-hans")
    return customer


@pytest.fixture
def open_complaint(customer, staff_user):
    def make(assigned: bool = True, **kwargs):
        """`assigned=False`: as if nobody could be assigned (staff logging is assigned to the logger)."""
        values = {
            "actor": staff_user,
            "customer": customer,
            "channel": "hotline",
            "subject": "Leaking pump",
            "description": "The pump delivered last week leaks at the seal.",
        }
        values.update(kwargs)
        complaint = services.complaint_open(**values)
        if not assigned:
            Complaint.objects.filter(pk=complaint.pk).update(assignee=None)
            complaint.assignee = None
        return complaint

    return make


@pytest.fixture
def complaint(open_complaint):
    return open_complaint(assigned=False)
