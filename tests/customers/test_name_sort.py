"""Customers and segments sort by name the way a reader of Chinese expects (pinyin), in the database:
the list page, the segment page, the pickers' search, the API and the export."""

import csv
import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import translation

from customers import selectors, services
from customers.models import Customer, Segment
from tests.customers.importing.uploads import csv_bytes, import_now
from tests.factories import CustomerFactory, SegmentFactory

pytestmark = pytest.mark.django_db

# By hand: ā < alpha < běi < Beta < guǎng < shàng < xī ān < xiān < Zeta.
EXPECTED = ["阿里巴巴", "alpha", "北京机械厂", "Beta Ltd", "广州电子", "上海电气", "西安仪表", "先锋科技", "Zeta GmbH"]
CREATION_ORDER = [
    "上海电气",
    "Zeta GmbH",
    "先锋科技",
    "北京机械厂",
    "alpha",
    "西安仪表",
    "Beta Ltd",
    "广州电子",
    "阿里巴巴",
]


@pytest.fixture
def customers():
    return [CustomerFactory(name=name, code=f"S{n:03d}") for n, name in enumerate(CREATION_ORDER)]


def _names(response) -> list[str]:
    """The customers' names in the order the page lists them."""
    text = response.content.decode()
    return sorted(EXPECTED, key=text.index)


def test_the_customer_list_sorts_chinese_names_by_pinyin(manager_client, customers):
    with translation.override("zh-hans"):
        response = manager_client.get(reverse("customers:list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert _names(response) == EXPECTED

    ascending = manager_client.get(reverse("customers:list") + "?ordering=name")
    descending = manager_client.get(reverse("customers:list") + "?ordering=-name")
    assert _names(ascending) == EXPECTED
    assert _names(descending) == EXPECTED[::-1]


def test_the_sort_is_done_by_the_database(customers):
    sql = str(selectors.customer_list(filters={"ordering": "name"}).query)
    assert "name_sort" in sql.split("ORDER BY")[1]
    assert [c.name for c in Customer.objects.all()] == EXPECTED  # the model's own ordering too


def test_a_segments_customers_sort_by_pinyin(manager_client, customers):
    segment = SegmentFactory(criteria={"region": ["east"]})
    response = manager_client.get(reverse("customers:segment_detail", args=[segment.pk]))
    assert _names(response) == EXPECTED


def test_the_pickers_search_lists_matches_by_pinyin(customers):
    CustomerFactory(name="上海华东物流", code="SH2")
    CustomerFactory(name="ABC上海分公司", code="SH3")
    found = [c.name for c in selectors.customer_search(query="上海")]
    # ABC (a) < 上海电气 (shang4 hai3 dian4) < 上海华东 (shang4 hai3 hua2)
    assert found == ["ABC上海分公司", "上海电气", "上海华东物流"]


def test_the_api_sorts_by_pinyin_both_ways(manager_client, customers):
    url = "/api/v1/customers/"
    ascending = [row["name"] for row in manager_client.get(url).json()["results"]]
    descending = [row["name"] for row in manager_client.get(url + "?ordering=-name").json()["results"]]
    assert ascending == EXPECTED
    assert descending == EXPECTED[::-1]


def test_the_export_lists_customers_by_pinyin(manager_client, customers):
    response = manager_client.get(reverse("customers:export", args=["csv"]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    names = [row[rows[0].index("name")] for row in rows[1:]]
    assert names == EXPECTED


def test_the_export_reads_every_customer_across_batches_with_equal_keys(monkeypatch, manager_user):
    from customers import exporting

    monkeypatch.setattr(exporting, "BATCH_SIZE", 2)
    for n in range(5):
        CustomerFactory(name="同名客户", code=f"T{n}")  # one key: the pk decides within it
    CustomerFactory(name="阿里", code="T9")
    rows = list(exporting.export_rows(Customer.objects.all()))[1:]
    assert [row[0] for row in rows] == ["T9", "T0", "T1", "T2", "T3", "T4"]


def test_a_renamed_customer_gets_its_new_key_and_the_audit_trail_no_key(manager_user, customers):
    customer = Customer.objects.get(name="上海电气")
    services.customer_update(actor=manager_user, customer=customer, data={"name": "安徽电气"})
    customer.refresh_from_db()
    assert customer.name_sort == "an1hui1dian4qi4"
    from core.models import AuditEvent

    event = AuditEvent.objects.filter(object_id=str(customer.pk)).latest("pk")
    assert set(event.changes) == {"name"}
    assert "name_sort" not in AuditEvent.objects.filter(object_id=str(customer.pk)).earliest("pk").changes


def test_a_save_with_update_fields_writes_the_key_with_the_name(customers):
    customer = Customer.objects.get(name="Zeta GmbH")
    customer.name = "八达"
    customer.save(update_fields=["name"])
    assert Customer.objects.get(pk=customer.pk).name_sort == "ba1da2"


def test_imported_customers_get_their_keys_new_and_renamed(manager_user, django_capture_on_commit_callbacks):
    header = ["code", "name"]
    import_now(
        manager_user,
        csv_bytes([["I1", "重庆银行"], ["I2", "Omega"]], header=header),
        django_capture_on_commit_callbacks,
    )
    assert dict(Customer.objects.values_list("code", "name_sort")) == {"I1": "chong2qing4yin2hang2", "I2": "omega0"}

    import_now(manager_user, csv_bytes([["I2", "北京"]], header=header), django_capture_on_commit_callbacks)
    assert Customer.objects.get(code="I2").name_sort == "bei3jing1"
    assert Customer.objects.get(code="I1").name_sort == "chong2qing4yin2hang2"


def test_segments_sort_by_pinyin_where_they_are_picked(manager_user):
    for name in ["上海重点顾客", "北京经销商", "Key accounts"]:
        services.segment_create(actor=manager_user, name=name, description="", criteria={"tier": "key"})
    assert list(Segment.objects.values_list("name", flat=True)) == ["北京经销商", "Key accounts", "上海重点顾客"]
    from surveys.forms import PlanForm

    assert [s.name for s in PlanForm().fields["segments"].queryset] == ["北京经销商", "Key accounts", "上海重点顾客"]


def test_the_data_migration_fills_the_keys_of_existing_rows(customers):
    segment = SegmentFactory(name="华南")
    Customer.objects.update(name_sort="")  # rows as they were before the column
    Segment.objects.update(name_sort="")
    migration = importlib.import_module("customers.migrations.0007_name_sort_keys")
    migration.BATCH_SIZE = 4  # several batches
    migration.fill_name_sort(django_apps, None)
    assert [c.name for c in Customer.objects.all()] == EXPECTED
    assert Customer.objects.get(name="北京机械厂").name_sort == "bei3jing1ji1xie4chang3"
    assert Segment.objects.get(pk=segment.pk).name_sort == "hua2nan2"


def test_the_keys_sort_alike_in_every_postgresql_collation():
    """The keys hold only [0-9a-z]: a database created with a locale's or ICU's collation orders them
    as SQLite's binary one does."""
    from django.db import connection

    from core.text import name_sort_key

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's collations")
    keys = [name_sort_key(name) for name in [*EXPECTED, "Ab C", "Abc", "3M中国", "A1", "a10", "绿地", "吕梁", "卢湾"]]
    with connection.cursor() as cursor:
        cursor.execute("SELECT collname FROM pg_collation WHERE collname IN ('C', 'en-US-x-icu', 'zh-Hans-x-icu')")
        collations = [row[0] for row in cursor.fetchall()]
        for collation in collations:
            cursor.execute(f'SELECT k FROM unnest(%s::text[]) k ORDER BY k COLLATE "{collation}"', [keys])  # noqa: S608
            assert [row[0] for row in cursor.fetchall()] == sorted(keys), collation
    assert collations
