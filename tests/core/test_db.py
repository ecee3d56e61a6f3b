"""core.db.statistics_refresh: planner statistics refreshed after a bulk load, on PostgreSQL only."""

import pytest
from django.db import connection

from core.db import statistics_refresh
from customers.models import Contact, Customer


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_statistics_refresh_analyzes_the_tables_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE is PostgreSQL's; elsewhere statistics_refresh does nothing")

    statistics_refresh(Customer, Contact)

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname IN (%s, %s)",
            ["customers_customer", "customers_contact"],
        )
        assert sorted(cursor.fetchall()) == [("customers_contact", True), ("customers_customer", True)]


@pytest.mark.django_db
def test_statistics_refresh_inside_a_transaction_does_nothing_and_never_fails():
    # ANALYZE cannot run usefully inside the caller's transaction; the helper must not break it.
    statistics_refresh(Customer)
    assert Customer.objects.count() == 0
