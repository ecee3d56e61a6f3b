"""Reads of the customer master: filters on every classification, search, live segments."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers import selectors
from customers.models import Tag
from tests.factories import ContactFactory, CustomerFactory, SegmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


@pytest.fixture
def variety():
    """One customer per distinguishing value, with every other classification at the default."""
    owner = UserFactory(username="owner-a", role="staff")
    tag = Tag.objects.create(name="strategic")
    customers = {
        "BASE": CustomerFactory(code="BASE", annual_volume=500),
        "INTERNAL": CustomerFactory(code="INTERNAL", scope="internal"),
        "DEALER": CustomerFactory(code="DEALER", chain_position="intermediate"),
        "LOST": CustomerFactory(code="LOST", lifecycle="lost"),
        "PROSPECT": CustomerFactory(code="PROSPECT", lifecycle="potential", potential_source="competitor"),
        "KEY": CustomerFactory(code="KEY", tier="key"),
        "NORTH": CustomerFactory(code="NORTH", region="north"),
        "SOUTH": CustomerFactory(code="SOUTH", region="south"),
        "AUTO": CustomerFactory(code="AUTO", industry="automotive"),
        "OWNED": CustomerFactory(code="OWNED", owner=owner),
        "TAGGED": CustomerFactory(code="TAGGED"),
        "BIG": CustomerFactory(code="BIG", annual_volume=5_000_000),
    }
    customers["TAGGED"].tags.add(tag)
    return {"owner": owner, "tag": tag, **customers}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"scope": "internal"}, {"INTERNAL"}),
        ({"chain_position": "intermediate"}, {"DEALER"}),
        ({"lifecycle": "lost"}, {"LOST"}),
        ({"lifecycle": "potential"}, {"PROSPECT"}),
        ({"tier": "key"}, {"KEY"}),
        ({"potential_source": "competitor"}, {"PROSPECT"}),
        ({"region": ["north"]}, {"NORTH"}),
        ({"region": ["north", "south"]}, {"NORTH", "SOUTH"}),
        ({"industry": "automotive"}, {"AUTO"}),
        ({"volume_min": "1000"}, {"BIG"}),
        ({"volume_max": "1000"}, {"BASE"}),
        ({"volume_min": "100", "volume_max": "600"}, {"BASE"}),
        ({"scope": "external", "region": ["north"], "tier": "general"}, {"NORTH"}),
    ],
)
def test_customer_list_filters_on_each_classification(variety, filters, expected):
    assert _codes(selectors.customer_list(filters=filters)) == expected


def test_customer_list_filters_by_account_manager(variety):
    assert _codes(selectors.customer_list(filters={"owner": variety["owner"].pk})) == {"OWNED"}


def test_customer_list_filters_by_tag(variety):
    assert _codes(selectors.customer_list(filters={"tag": variety["tag"].pk})) == {"TAGGED"}


def test_customer_list_without_filters_lists_everyone(variety):
    assert len(_codes(selectors.customer_list(filters={}))) == 12


@pytest.mark.parametrize(
    "filters", [{"tier": "gold"}, {"region": ["atlantis"]}, {"volume_min": "many"}, {"owner": 987654}]
)
def test_customer_list_refuses_invalid_filters(filters):
    with pytest.raises(selectors.InvalidCriteria):
        selectors.customer_list(filters=filters)


@pytest.fixture
def searchable():
    acme = CustomerFactory(code="ACME-01", name="上海精密机械有限公司", phone="021-5555-0001")
    ContactFactory(customer=acme, name="张伟", phone="13900001111")
    CustomerFactory(code="OTHER-02", name="Beijing Foods", phone="010-1234")
    return acme


@pytest.mark.parametrize(
    "term",
    ["精密机械", "acme-01", "ACME", "张伟", "13900001111", "0001111", "5555-0001"],
    ids=[
        "name",
        "code-exact-any-case",
        "code-part",
        "contact-name",
        "contact-phone",
        "contact-phone-part",
        "customer-phone",
    ],
)
def test_search_finds_customer_by_name_code_contact_and_phone(searchable, term):
    assert _codes(selectors.customer_list(filters={"q": term})) == {"ACME-01"}


def test_search_without_match_finds_nobody(searchable):
    assert _codes(selectors.customer_list(filters={"q": "nothing-like-this"})) == set()


def test_search_with_several_matching_contacts_lists_the_customer_once(searchable):
    ContactFactory(customer=searchable, name="张伟明")

    assert list(selectors.customer_list(filters={"q": "张伟"}).values_list("code", flat=True)) == ["ACME-01"]


def test_segment_customers_is_live():
    segment = SegmentFactory(criteria={"tier": "key", "region": ["east", "north"]})
    first = CustomerFactory(code="K1", tier="key", region="east")
    CustomerFactory(code="G1", tier="general", region="east")
    assert _codes(selectors.segment_customers(segment=segment)) == {"K1"}

    CustomerFactory(code="K2", tier="key", region="north")
    first.tier = "general"
    first.save()

    assert _codes(selectors.segment_customers(segment=segment)) == {"K2"}


def test_segment_customers_with_stale_criteria_raises_invalid_criteria():
    segment = SegmentFactory(criteria={"tier": "platinum"})

    with pytest.raises(selectors.InvalidCriteria):
        selectors.segment_customers(segment=segment)


def test_segment_counts_counts_every_segment_in_one_query():
    CustomerFactory.create_batch(3, tier="key", region="east")
    CustomerFactory.create_batch(2, tier="general", region="north")
    CustomerFactory(tier="key", region="north", code="SEARCH-ME")
    segments = [
        SegmentFactory(criteria={"tier": "key"}),
        SegmentFactory(criteria={"region": ["north"]}),
        SegmentFactory(criteria={"tier": "key", "region": ["north", "south"]}),
        SegmentFactory(criteria={"q": "search-me"}),
        SegmentFactory(criteria={}),
        SegmentFactory(criteria={"tier": "general", "region": ["south"]}),
    ]

    with CaptureQueriesContext(connection) as queries:
        counts = selectors.segment_counts(segments)

    assert len(queries) == 1
    assert [counts[s.pk] for s in segments] == [4, 3, 1, 1, 6, 0]
    assert counts == {s.pk: selectors.segment_count(criteria=s.criteria) for s in segments}


def test_segment_counts_gives_none_for_a_segment_with_invalid_criteria():
    CustomerFactory(tier="key")
    good = SegmentFactory(criteria={"tier": "key"})
    broken = SegmentFactory(criteria={"tier": "platinum"})

    assert selectors.segment_counts([good, broken]) == {good.pk: 1, broken.pk: None}


def test_segment_counts_of_no_segments_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert selectors.segment_counts([]) == {}


def test_segment_counts_with_a_tag_criterion_counts_each_customer_once():
    tags = [Tag.objects.create(name="a"), Tag.objects.create(name="b")]
    customer = CustomerFactory()
    customer.tags.set(tags)
    segment = SegmentFactory(criteria={"tag": tags[0].pk})

    assert selectors.segment_counts([segment]) == {segment.pk: 1}


def test_customer_counts_by_aggregates_in_sql(django_assert_num_queries):
    CustomerFactory.create_batch(2, lifecycle="current")
    CustomerFactory(lifecycle="lost")

    with django_assert_num_queries(1):
        assert selectors.customer_counts_by(field="lifecycle") == {"current": 2, "lost": 1}
