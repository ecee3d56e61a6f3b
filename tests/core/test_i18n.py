"""core.i18n: one accessor for bilingual data, whichever style the model stores it in."""

import pytest
from django.utils import translation

from complaints.models import ComplaintCategory
from core.i18n import bilingual, bilingual_expression, bilingual_fields
from customers.models import SatisfactionDimension


def test_fields_follow_the_convention_and_know_the_older_style():
    assert bilingual_fields(SatisfactionDimension, "name") == ("name_en", "name_zh")
    assert bilingual_fields(ComplaintCategory, "name") == ("name", "name_zh")
    assert bilingual_fields({"dimension__name_en": "", "dimension__name_zh": ""}, "dimension__name") == (
        "dimension__name_en",
        "dimension__name_zh",
    )
    assert bilingual_fields({"value": "a", "en": "A", "zh": "甲"}, "") == ("en", "zh")


@pytest.mark.parametrize(
    ("source", "field"),
    [
        (SatisfactionDimension(name_en="Delivery", name_zh="交付"), "name"),
        (ComplaintCategory(name="Delivery", name_zh="交付"), "name"),
        ({"dimension__name_en": "Delivery", "dimension__name_zh": "交付"}, "dimension__name"),
        ({"value": "d", "en": "Delivery", "zh": "交付"}, ""),
    ],
)
def test_bilingual_gives_the_readers_language(source, field):
    with translation.override("zh-hans"):
        assert bilingual(source, field) == "交付"
    with translation.override("en"):
        assert bilingual(source, field) == "Delivery"
    assert bilingual(source, field, "zh-hans") == "交付"


def test_bilingual_falls_back_to_the_other_language_when_one_is_empty():
    assert bilingual(ComplaintCategory(name="Billing", name_zh=""), "name", "zh-hans") == "Billing"
    assert bilingual({"value": "x", "zh": "仅中文"}, "", "en") == "仅中文"
    assert bilingual({"value": "x"}, "", "zh-hans") == ""  # the caller falls back to the value


@pytest.mark.django_db
def test_bilingual_expression_reads_the_same_in_a_query():
    ComplaintCategory.objects.create(code="test-billing", name="Billing", name_zh="")
    ComplaintCategory.objects.create(code="test-delivery", name="Delivery", name_zh="交付")
    for language, expected in (("zh-hans", ["Billing", "交付"]), ("en", ["Billing", "Delivery"])):
        names = ComplaintCategory.objects.filter(code__in=["test-billing", "test-delivery"]).order_by("code")
        labels = names.annotate(label_=bilingual_expression(ComplaintCategory, "name", language=language))
        assert list(labels.values_list("label_", flat=True)) == expected
