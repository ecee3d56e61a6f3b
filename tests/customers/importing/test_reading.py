"""Reading files: encodings, files refused as a whole, spreadsheet cells, the headers users write."""

from decimal import Decimal

import pytest

from core.exceptions import ApplicationError
from customers.models import Customer, ImportBatch
from tests.customers.importing.uploads import (
    ROWS,
    checked_batch,
    csv_bytes,
    import_now,
    preview,
    refused,
    stored_files,
    upload,
    xlsx_bytes,
)
from tests.factories import CustomerFactory, UserFactory

# -- encodings -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_gb18030_csv_is_detected_and_chinese_is_kept_exactly(manager_user, django_capture_on_commit_callbacks):
    # 㐀 and 𠀀 exist in GB18030 but not GBK: both must survive.
    name = "上海浦东䶮鑫机电设备有限公司㐀𠀀"
    content = csv_bytes([["G1", name, "外部顾客", "一般", "华东", "", "华东;重点", "张伟", "否"]], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")

    batch = import_now(manager_user, content, django_capture_on_commit_callbacks)

    assert batch.encoding == "gb18030"
    customer = Customer.objects.get(code="G1")
    assert customer.name == name
    assert sorted(customer.tags.values_list("name", flat=True)) == sorted(["华东", "重点"])
    assert customer.contacts.get().name == "张伟"


@pytest.mark.django_db
def test_utf8_with_bom_is_read_and_the_bom_is_not_part_of_the_first_header(manager_user):
    content = csv_bytes(ROWS, encoding="utf-8-sig")
    assert content.startswith(b"\xef\xbb\xbf")

    batch = preview(manager_user, content)

    assert batch.status == ImportBatch.Status.PREVIEWED and batch.encoding == "utf-8-sig"
    assert batch.created_count == 2


@pytest.mark.django_db
def test_gbk_file_read_as_utf8_is_refused_with_the_encoding_named_and_gbk_offered(manager_client, _private_media):
    content = csv_bytes(ROWS, encoding="gb18030")

    response = upload(manager_client, content, encoding="utf-8")

    batch = checked_batch()
    assert batch.status == ImportBatch.Status.INVALID
    assert "UTF-8" in batch.failure and "encoding" in batch.failure
    assert not Customer.objects.exists()
    # The bytes are valid GB18030: the page offers that reading, so the file is kept for it.
    assert batch.other_encodings == ["gb18030"] and len(stored_files(_private_media)) == 1
    assert "Read as GB18030 (GBK) instead" in manager_client.get(response.url).content.decode()


@pytest.mark.django_db
def test_utf8_file_read_as_gb18030_is_refused_rather_than_garbled(manager_user):
    with pytest.raises(ApplicationError, match="GB18030"):
        preview(manager_user, csv_bytes(ROWS), encoding="gb18030")
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_gbk_file_with_gb18030_chosen_is_read(manager_user):
    batch = preview(manager_user, csv_bytes(ROWS, encoding="gbk"), encoding="gb18030")
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.encoding == "gb18030"


# -- files refused as a whole ----------------------------------------------------------------------


@pytest.mark.django_db
def test_oversized_file_is_refused_before_reading_and_nothing_is_stored(manager_client, settings, _private_media):
    content = csv_bytes(ROWS)
    settings.CUSTOMER_IMPORT_MAX_BYTES = len(content) - 1

    response = upload(manager_client, content)

    assert response.status_code == 200
    assert "larger than" in " ".join(response.context["form"].errors["file"])
    assert not ImportBatch.objects.exists() and not Customer.objects.exists()
    assert stored_files(_private_media) == []


@pytest.mark.django_db
def test_too_many_rows_are_refused_and_no_file_is_kept(manager_user, settings, _private_media):
    settings.CUSTOMER_IMPORT_MAX_ROWS = 1

    assert "more than 1 rows" in refused(manager_user, csv_bytes(ROWS))
    assert stored_files(_private_media) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"  \r\n", "empty"),
        (b"PK\x03\x04 this is not a workbook", "XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", ".xls"),
    ],
    ids=["empty", "blank", "malformed-xlsx", "old-xls"],
)
def test_unusable_files_are_refused_on_upload_with_a_clear_message_and_nothing_stored(
    manager_client, _private_media, content, expected
):
    response = upload(manager_client, content)

    assert response.status_code == 200
    assert expected in " ".join(response.context["form"].errors["file"])
    assert not ImportBatch.objects.exists() and not Customer.objects.exists()
    assert stored_files(_private_media) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"name,scope\nEast,external\n", "code"),  # ASCII: no other reading to offer, so no file kept
        (b"code,name\n", "no customer rows"),
        (b"\n\nA1,x\n", "column headers"),
    ],
    ids=["missing-required-column", "header-only", "no-header"],
)
def test_files_refused_by_the_check_show_the_message_and_keep_no_file(
    manager_client, _private_media, content, expected
):
    response = upload(manager_client, content)

    batch = checked_batch()
    assert response.status_code == 302 and batch.status == ImportBatch.Status.INVALID
    assert expected in batch.failure and expected in manager_client.get(response.url).content.decode()
    assert not Customer.objects.exists() and stored_files(_private_media) == []


@pytest.mark.django_db
def test_xlsx_without_required_column_is_refused(manager_user):
    assert "name" in refused(manager_user, xlsx_bytes([["A1"]], header=["code"]), name="c.xlsx")


# -- cells and headers -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_xlsx_import_works_with_numbers_typed_as_numbers(manager_user, django_capture_on_commit_callbacks):
    rows = [["X1", "深圳电子", "外部", "关键", "华南", 5000, "", "李雷", "是"]]
    content = xlsx_bytes(rows)

    batch = import_now(manager_user, content, django_capture_on_commit_callbacks, name="customers.csv")

    assert batch.file_format == "xlsx"  # recognised by content, not by the misleading name
    customer = Customer.objects.get(code="X1")
    assert (customer.name, customer.scope, customer.tier, customer.region) == ("深圳电子", "external", "key", "south")
    assert customer.annual_volume == Decimal("5000.00")
    assert customer.contacts.get().may_be_surveyed


@pytest.mark.django_db
def test_apostrophe_added_by_export_neutralisation_is_stripped(manager_user, django_capture_on_commit_callbacks):
    rows = [["N1", "'=Formula Ltd", "'+86 21 5555 0000", "'@home"], ["N2", "O'Brien Ltd", "'123", "ok"]]

    import_now(
        manager_user, csv_bytes(rows, header=["code", "name", "phone", "address"]), django_capture_on_commit_callbacks
    )

    first, second = Customer.objects.get(code="N1"), Customer.objects.get(code="N2")
    assert (first.name, first.phone, first.address) == ("=Formula Ltd", "+86 21 5555 0000", "@home")
    assert (second.name, second.phone) == ("O'Brien Ltd", "'123")  # not a neutralised formula: kept


@pytest.mark.django_db
def test_chinese_headers_and_labels_are_understood(manager_user, django_capture_on_commit_callbacks):
    UserFactory(username="li.ming")
    header = [
        "客户编码",
        "客户名称",
        "内部/外部",
        "中间/最终",
        "生命周期",
        "关键/一般",
        "潜在顾客来源",
        "区域",
        "行业",
        "年采购额",
        "客户经理",
        "电话",
        "邮箱",
        "地址",
        "标签",
        "联系人",
        "联系人职务",
        "联系人电话",
        "联系人邮箱",
        "联系人语言",
        "同意调查",
    ]
    rows = [
        [
            "Z1",
            "成都新能源",
            "外部顾客",
            "中间",
            "潜在顾客",
            "一般",
            "竞争对手",
            "西南",
            "能源",
            "1,234.5",
            "li.ming",
            "028-1234567",
            "info@example.cn",
            "成都市高新区",
            "展会，新市场",
            "陈静",
            "采购经理",
            "13900000000",
            "chen@example.cn",
            "中文",
            "是",
        ],
        [
            "Z2",
            "Internal IT",
            "Internal customer",
            "End customer",
            "current",
            "Key customer",
            "",
            "overseas",
            "Other",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "English",
            "no",
        ],
    ]

    batch = preview(manager_user, csv_bytes(rows[:1], header=header))
    assert batch.errors == [] and batch.created_count == 1
    # Contact details without a contact name cannot be matched to a contact.
    assert preview(manager_user, csv_bytes(rows[1:], header=header)).errors[0]["column"] == "联系人"

    import_now(manager_user, csv_bytes(rows[:1], header=header), django_capture_on_commit_callbacks)
    customer = Customer.objects.get(code="Z1")
    assert (customer.scope, customer.chain_position, customer.lifecycle, customer.tier) == (
        "external",
        "intermediate",
        "potential",
        "general",
    )
    assert (customer.potential_source, customer.region, customer.industry) == ("competitor", "southwest", "energy")
    assert customer.annual_volume == Decimal("1234.50") and customer.owner.username == "li.ming"
    assert sorted(customer.tags.values_list("name", flat=True)) == sorted(["展会", "新市场"])
    contact = customer.contacts.get()
    assert (contact.role, contact.preferred_language, contact.survey_consent) == ("采购经理", "zh-hans", True)


@pytest.mark.django_db
@pytest.mark.parametrize("notes_header", ["notes", "备注"])
def test_a_notes_column_is_imported_under_its_english_or_chinese_header(
    manager_user, django_capture_on_commit_callbacks, notes_header
):
    CustomerFactory(code="M1", notes="")
    rows = [["M1", "旧客户", "每季度回访"], ["M2", "新客户", "Prefers e-mail"]]

    import_now(manager_user, csv_bytes(rows, header=["code", "name", notes_header]), django_capture_on_commit_callbacks)

    assert Customer.objects.get(code="M1").notes == "每季度回访"
    assert Customer.objects.get(code="M2").notes == "Prefers e-mail"
