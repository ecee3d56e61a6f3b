"""The raw-response export reads plain rows in batches: the same cells, no model instance per row."""

import pytest
from django.db.models.signals import post_init

from surveys import exporting
from surveys.models import Answer, Response
from tests.factories import SegmentFactory
from tests.surveys.factories import customers_with_contacts, full_answers, running_campaign, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(manager_user):
    segment = SegmentFactory(name="Key customers", criteria={"tier": "key"}, created_by=manager_user)
    customers_with_contacts(3, tier="key")
    campaign = running_campaign(manager_user, segment)
    for number, invitation in enumerate(campaign.invitations.order_by("pk")[:3]):
        answers = full_answers(score=number + 3)
        answers["q-comment"] = f"comment {number}"
        submit(invitation, answers)
    return campaign


def test_the_export_gives_every_response_in_batches_without_building_model_instances(campaign, monkeypatch):
    monkeypatch.setattr(exporting, "BATCH_SIZE", 2)  # three responses: two batches
    built = []

    def count(sender, **kwargs):
        built.append(sender)

    post_init.connect(count, sender=Response)
    post_init.connect(count, sender=Answer)
    try:
        header, *rows = list(exporting.export_rows(campaign, codes=True))
    finally:
        post_init.disconnect(count, sender=Response)
        post_init.disconnect(count, sender=Answer)

    assert built == []
    assert len(rows) == 3
    responses = list(campaign.responses.select_related("customer", "contact", "invitation__segment").order_by("pk"))
    for row, response in zip(rows, responses, strict=True):
        cells = dict(zip(header, row, strict=True))
        assert cells["customer_code"] == response.customer.code and cells["contact"] == response.contact.name
        assert cells["segment"] == "Key customers" and cells["csi"] == response.csi
        answers = {a.question.code: a for a in response.answers.select_related("question")}
        assert cells["quality"] == answers["quality"].score
        assert cells["quality:importance"] == answers["quality"].importance
        assert cells["comment"] == answers["comment"].text


# -- for people, and for machines (?codes=1) --------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _xlsx_rows(response) -> list[list]:
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    return [row + [None] * (len(rows[0]) - len(row)) for row in rows]  # read-only mode drops empty tails


@pytest.fixture
def answered(manager_user):
    """Two personal responses: one given in Chinese with a choice and a comment, one in English
    without the optional questions."""
    segment = SegmentFactory(name="重点顾客", criteria={"tier": "key"}, created_by=manager_user)
    customers_with_contacts(2, tier="key")
    campaign = running_campaign(manager_user, segment)
    first, second = campaign.invitations.order_by("pk")[:2]
    answers = full_answers(score=4, recommend=9)
    answers["q-channel"] = "wechat"
    answers["q-comment"] = "交货很快"
    submit(first, answers, language="zh-hans")
    submit(second, full_answers(score=2, recommend=3))
    return campaign


def _url(campaign, file_format, codes=False):
    from django.urls import reverse

    return reverse("surveys:campaign_export", args=[campaign.pk, file_format]) + ("?codes=1" if codes else "")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_export_reads_in_chinese_for_a_chinese_reader(manager_client, answered, file_format):
    response = manager_client.get(_url(answered, file_format), HTTP_ACCEPT_LANGUAGE="zh-hans")
    rows = _csv_rows(response) if file_format == "csv" else _xlsx_rows(response)
    header, first, second = rows[0], dict(zip(rows[0], rows[1], strict=True)), dict(zip(rows[0], rows[2], strict=True))

    assert header[:10] == [
        "提交时间",
        "客户编码",
        "顾客",
        "顾客分组",
        "联系人",
        "语言",
        "满意指数（CSI，0–100）",
        "推荐意愿（0–10）",
        "开放链接",
        "疑似重复",
    ]
    assert "您对我们的产品质量是否满意？" in header
    assert "您对我们的产品质量是否满意？ — 重要性" in header
    assert "quality" not in header and "quality:importance" not in header
    assert first["您更喜欢通过哪种方式联系我们？"] == "微信"  # the choice's label, not "wechat"
    assert first["语言"] == "简体中文" and second["语言"] == "英文"
    assert first["开放链接"] == "否" and first["疑似重复"] == "否"
    assert first["顾客分组"] == "重点顾客"
    assert first["您还有其他意见或建议吗？"] == "交货很快"
    if file_format == "xlsx":
        # Numbers stay numbers (and the moment a date), so a pivot table sums them.
        assert first["您对我们的产品质量是否满意？"] == 4 and isinstance(first["您对我们的产品质量是否满意？"], int)
        assert first["您对我们的产品质量是否满意？ — 重要性"] == 5
        assert first["推荐意愿（0–10）"] == 9 and second["推荐意愿（0–10）"] == 3
        assert isinstance(first["满意指数（CSI，0–100）"], (int, float))
        import datetime

        assert isinstance(first["提交时间"], datetime.datetime)
    else:
        assert first["您对我们的产品质量是否满意？"] == "4"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_export_reads_in_english_for_an_english_reader(manager_client, answered, file_format):
    response = manager_client.get(_url(answered, file_format), HTTP_ACCEPT_LANGUAGE="en")
    rows = _csv_rows(response) if file_format == "csv" else _xlsx_rows(response)
    first = dict(zip(rows[0], rows[1], strict=True))

    assert rows[0][:3] == ["Submitted", "Customer code", "Customer"]
    assert first["How do you prefer to contact us?"] == "WeChat"
    assert first["How satisfied are you with the quality of our products? — importance"] in (5, "5")
    assert first["Language"] == "Simplified Chinese" and first["Open link"] == "No"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_codes_1_keeps_the_codes_for_machines(manager_client, answered, file_format):
    response = manager_client.get(_url(answered, file_format, codes=True), HTTP_ACCEPT_LANGUAGE="zh-hans")
    rows = _csv_rows(response) if file_format == "csv" else _xlsx_rows(response)
    first = dict(zip(rows[0], rows[1], strict=True))

    assert list(rows[0][:10]) == list(exporting.FIXED_COLUMNS)
    assert "quality" in rows[0] and "quality:importance" in rows[0]
    assert first["channel"] == "wechat" and first["language"] == "zh-hans"
    assert first["open_link"] in ("0", 0) and first["suspected_duplicate"] in ("0", 0)
    if file_format == "xlsx":
        assert first["quality"] == 4 and first["open_link"] == 0  # numbers, not text
        assert isinstance(first["submitted_at"], str)  # as it always was: "YYYY-MM-DD HH:MM"


def test_choice_and_yes_no_answers_read_as_labels_or_values():
    from django.utils import translation

    from surveys.models import Question

    multiple = Question(
        code="channels",
        kind="multiple",
        choices=[{"value": "phone", "en": "Phone", "zh": "电话"}, {"value": "mail", "en": "Letter", "zh": ""}],
    )
    yes_no = Question(code="again", kind="yes_no")
    with translation.override("zh-hans"):
        labels, flags = exporting._choice_labels(multiple), exporting._choice_labels(yes_no)
    assert exporting._value(multiple, (None, None, "", ["phone", "mail", "gone"]), labels) == "电话; Letter; gone"
    assert exporting._value(multiple, (None, None, "", ["phone", "mail"]), None) == "phone;mail"
    assert exporting._value(yes_no, (None, None, "", ["yes"]), flags) == "是"
    assert exporting._value(yes_no, (None, None, "", ["no"]), None) == "no"


def test_the_evidence_packs_raw_responses_read_in_the_packs_language(answered):
    from django.utils import translation

    with translation.override("zh-hans"):
        rows = exporting.export_rows(answered)  # the pack calls it inside its language
    with translation.override("en"):
        header = next(rows)  # written later, still in the language it was asked in
    assert header[0] == "提交时间"
