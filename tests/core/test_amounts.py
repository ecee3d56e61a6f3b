"""Amounts and counts on the pages: thousands grouped in both languages, amounts with their unit."""

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from core.templatetags.amounts import money_text
from customers.models import Customer
from feedback import services as feedback_services
from feedback.models import Sentiment, Source
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"<[^>]+>", "", response.content.decode())


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "¥12,345.00"), ("zh-hans", "12,345.00 元")],
)
def test_an_amount_shows_its_unit_and_grouped_thousands(language, expected):
    with translation.override(language):
        assert money_text(Decimal("12345")) == expected
        assert money_text(Decimal("0.005")) == money_text(Decimal("0.01"))  # half up, to the fen
        assert money_text(None) == "—"


def test_the_customer_page_shows_its_annual_volume_in_yuan_in_both_languages(manager_client):
    customer = CustomerFactory(annual_volume=Decimal("1234567.50"))
    url = reverse("customers:detail", args=[customer.pk])
    assert "¥1,234,567.50" in _text(manager_client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    assert "1,234,567.50 元" in _text(manager_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans"))


def test_the_customer_list_groups_its_count_and_volumes_in_chinese_too(manager_client):
    Customer.objects.bulk_create(
        [Customer(code=f"N{n:05d}", name=f"客户{n}", annual_volume=Decimal("2500000")) for n in range(1001)]
    )
    english = _text(manager_client.get(reverse("customers:list"), HTTP_ACCEPT_LANGUAGE="en"))
    chinese = _text(manager_client.get(reverse("customers:list"), HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "1,001 customers" in english
    assert "1,001 位顾客" in chinese  # Django's own zh_Hans format would print 1001
    assert "¥2,500,000" in english
    assert "2,500,000 元" in chinese


def test_the_customer_overview_groups_the_customer_count_in_chinese(manager_client):
    Customer.objects.bulk_create([Customer(code=f"D{n:05d}", name=f"客户{n}") for n in range(1234)])
    url = reverse("reports:home") + "?view=overview"
    chinese = _text(manager_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "1,234" in chinese


def test_the_complaint_queue_groups_its_count():
    page = Paginator(range(12345), 50).get_page(1)
    page.paginator.count_is_exact = True
    for language, expected in (("en", "12,345 complaints"), ("zh-hans", "12,345 条投诉")):
        with translation.override(language):
            html = render_to_string("complaints/_list_results.html", {"page": page, "request": SimpleNamespace()})
        assert expected in html


def test_the_feedback_pages_show_a_claims_amount_in_yuan(auditor_client, manager_user):
    record = feedback_services.feedback_record_create(
        actor=manager_user,
        data={
            "source": Source.WARRANTY_CLAIM,
            "received_on": "2026-11-10",
            "customer": None,
            "sentiment": Sentiment.NEGATIVE,
            "dimension": None,
            "summary": "Pump seal leaked",
            "details": "",
            "reference": "WC-1",
            "amount": Decimal("12800"),
        },
    )
    for url in (reverse("feedback:list"), reverse("feedback:update", args=[record.pk])):
        # The record's page as a reader sees it (an auditor: no form to edit)
        assert "¥12,800.00" in _text(auditor_client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
        assert "12,800.00 元" in _text(auditor_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans"))
