import pytest

from customers import services
from customers.models import Lifecycle


@pytest.mark.django_db
def test_customer_created_by_staff_starts_its_lifecycle_history(staff_user):
    customer = services.customer_create(
        actor=staff_user, data={"code": "A1", "name": "华东机械", "lifecycle": Lifecycle.POTENTIAL}, tags=["vip"]
    )
    assert customer.lifecycle_changes.get().to_state == Lifecycle.POTENTIAL
    assert list(customer.tags.values_list("name", flat=True)) == ["vip"]
