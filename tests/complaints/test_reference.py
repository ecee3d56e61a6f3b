"""References: CMP-<year>-<six digits>, unique under concurrent creation."""

import re
import threading
import time

import pytest
from django.db import OperationalError, connection

from complaints import services
from complaints.models import Complaint
from tests.factories import CustomerFactory, UserFactory


@pytest.mark.django_db
def test_reference_format_and_sequence(complaint, open_complaint):
    second = open_complaint()
    assert re.fullmatch(r"CMP-\d{4}-\d{6}", complaint.reference)
    assert int(second.reference[-6:]) == int(complaint.reference[-6:]) + 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creation_gives_unique_references():
    user = UserFactory(role="staff")
    customer = CustomerFactory()
    errors = []

    def create(count):
        # The in-memory test database (shared cache) answers a writer collision with "table is
        # locked" instead of waiting: the client retries, as a web request would be retried. What
        # is tested is that a collision never yields a duplicate or a lost number.
        made = attempts = 0
        try:
            while made < count and attempts < 500:
                attempts += 1
                try:
                    services.complaint_open(
                        actor=user, customer=customer, channel="hotline", subject="s", description="d"
                    )
                    made += 1
                except OperationalError:
                    time.sleep(0.005)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(5,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    references = list(Complaint.objects.values_list("reference", flat=True))
    assert errors == []
    assert len(references) == 20 and len(set(references)) == 20
    # Rolled-back attempts gave their numbers back: 1..20, no gaps.
    assert sorted(int(r[-6:]) for r in references) == list(range(1, 21))
