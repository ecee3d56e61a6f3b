"""BoundedCountPaginator: an exact count up to the limit, a lower bound beyond it, every page reachable."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Team
from core.pagination import BoundedCountPaginator

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams():
    Team.objects.bulk_create([Team(name=f"Team {n:02d}") for n in range(23)])
    return Team.objects.order_by("name")


def names(page) -> list[str]:
    return [team.name for team in page]


def test_below_the_limit_the_count_is_exact(teams):
    page = BoundedCountPaginator(teams, 10, count_limit=100).get_page(1)
    assert page.paginator.count == 23 and page.paginator.count_is_exact
    assert page.paginator.num_pages == 3 and page.paginator.num_pages_label == "3"
    assert names(page)[0] == "Team 00" and page.has_next()


def test_beyond_the_limit_the_count_is_a_lower_bound_and_one_query(teams):
    paginator = BoundedCountPaginator(teams, 5, count_limit=10)
    with CaptureQueriesContext(connection) as captured:
        page = paginator.get_page(1)
        assert paginator.count == 11 and not paginator.count_is_exact
        assert paginator.num_pages_label == "2+"
    counts = [q["sql"] for q in captured.captured_queries if "COUNT" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 11" in counts[0]  # counted once, and only as far as needed
    assert names(page) == [f"Team {n:02d}" for n in range(5)] and page.has_next()


def test_every_page_beyond_the_limit_stays_reachable(teams):
    page = BoundedCountPaginator(teams, 5, count_limit=10).get_page(3)
    assert names(page) == [f"Team {n:02d}" for n in range(10, 15)]
    assert page.has_next() and not page.paginator.count_is_exact

    last = BoundedCountPaginator(teams, 5, count_limit=10).get_page(5)
    assert names(last) == ["Team 20", "Team 21", "Team 22"]
    assert not last.has_next() and last.paginator.count == 23 and last.paginator.count_is_exact


@pytest.mark.parametrize("number", ["99", "0", "-3", "nonsense", None, "10" * 30])
def test_out_of_range_and_invalid_page_numbers_behave_like_djangos_get_page(teams, number):
    page = BoundedCountPaginator(teams, 5, count_limit=10).get_page(number)
    reference = Paginator(teams, 5).get_page(number)
    assert page.number == reference.number and names(page) == names(reference)
