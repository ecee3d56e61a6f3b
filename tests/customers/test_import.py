"""Customer import: reading, validation, preview, the all-or-nothing commit, and the pages' access."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from core.models import AuditEvent
from customers import importing
from customers.models import Contact, Customer, ImportBatch, Lifecycle, LifecycleChange
from customers.tasks import customer_import_commit_task
from tests.factories import ContactFactory, CustomerFactory, UserFactory

HEADER = ["code", "name", "scope", "tier", "region", "annual_volume", "tags", "contact_name", "contact_consent"]
ROWS = [
    ["A001", "华东精密机械有限公司", "external", "key", "east", "1200000.50", "汽配;vip", "王芳", "yes"],
    ["A002", "Northern Energy Co.", "internal", "general", "north", "", "", "", ""],
]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def csv_bytes(rows, header=HEADER, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def preview(user, content: bytes, *, name="customers.csv", encoding="auto") -> ImportBatch:
    return importing.import_batch_preview(actor=user, upload=SimpleUploadedFile(name, content), encoding=encoding)


def import_now(user, content: bytes, capture, **kwargs) -> ImportBatch:
    """Preview, confirm and run the (eager) commit task, as the pages do."""
    batch = preview(user, content, **kwargs)
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.errors
    with capture(execute=True):
        assert importing.import_batch_confirm(actor=user, batch=batch)
    batch.refresh_from_db()
    return batch


def stored_files(root) -> list:
    folder = root / importing.FILE_FOLDER
    return list(folder.iterdir()) if folder.exists() else []


def upload(client, content: bytes, *, name="customers.csv", encoding="auto"):
    return client.post(
        reverse("customers:import_upload"), {"file": SimpleUploadedFile(name, content), "encoding": encoding}
    )


# -- the happy path ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_preview_counts_rows_and_writes_no_customers(manager_user, _private_media):
    CustomerFactory(code="A002", name="Old name", scope="internal", tier="general", region="north")

    batch = preview(manager_user, csv_bytes(ROWS))

    assert batch.status == ImportBatch.Status.PREVIEWED
    assert (batch.row_count, batch.created_count, batch.updated_count, batch.unchanged_count) == (2, 1, 1, 0)
    assert batch.contact_count == 1
    assert batch.errors == []
    assert not Customer.objects.filter(code="A001").exists()
    assert Customer.objects.get(code="A002").name == "Old name"
    # The file is kept for the commit under a random name, never the user's.
    [stored] = stored_files(_private_media)
    assert stored.name != "customers.csv" and batch.stored_path.endswith(stored.name)


@pytest.mark.django_db
def test_confirmed_import_writes_customers_contacts_tags_lifecycle_and_audit(
    manager_user, django_capture_on_commit_callbacks, _private_media
):
    batch = import_now(manager_user, csv_bytes(ROWS), django_capture_on_commit_callbacks)

    assert batch.status == ImportBatch.Status.DONE
    assert (batch.created_count, batch.updated_count, batch.contact_count) == (2, 0, 1)
    customer = Customer.objects.get(code="A001")
    assert customer.name == "华东精密机械有限公司"
    assert (customer.scope, customer.tier, customer.region) == ("external", "key", "east")
    assert customer.annual_volume == Decimal("1200000.50")
    assert sorted(customer.tags.values_list("name", flat=True)) == ["vip", "汽配"]
    contact = customer.contacts.get()
    assert contact.name == "王芳" and contact.is_primary
    assert contact.survey_consent and contact.consent_at is not None and contact.may_be_surveyed
    change = LifecycleChange.objects.get(customer=customer)
    assert (change.from_state, change.to_state, change.changed_by) == ("", Lifecycle.CURRENT, manager_user)
    event = AuditEvent.objects.for_object(customer).get()
    assert event.action == AuditEvent.Action.IMPORT and event.actor == manager_user
    assert event.changes["name"] == [None, "华东精密机械有限公司"]
    assert event.changes["tags"] == [None, ["vip", "汽配"]]
    assert AuditEvent.objects.for_object(contact).get().action == AuditEvent.Action.IMPORT
    # Once imported, the uploaded copy of the customer data is deleted.
    assert stored_files(_private_media) == []


@pytest.mark.django_db
def test_update_records_before_and_after_in_the_audit_trail(manager_user, django_capture_on_commit_callbacks):
    customer = CustomerFactory(code="A001", name="旧名称", tier="general")

    import_now(
        manager_user, csv_bytes([["A001", "新名称"]], header=["code", "name"]), django_capture_on_commit_callbacks
    )

    customer.refresh_from_db()
    assert customer.name == "新名称" and customer.tier == "general"  # columns left out stay as they were
    event = AuditEvent.objects.for_object(customer).get()
    assert event.changes == {"name": ["旧名称", "新名称"]}


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing_and_adds_no_audit_rows(
    manager_user, django_capture_on_commit_callbacks
):
    content = csv_bytes(ROWS)
    import_now(manager_user, content, django_capture_on_commit_callbacks)
    audit_rows, lifecycle_rows = AuditEvent.objects.count(), LifecycleChange.objects.count()

    again = import_now(manager_user, content, django_capture_on_commit_callbacks)

    assert again.status == ImportBatch.Status.DONE
    assert (again.created_count, again.updated_count, again.unchanged_count, again.contact_count) == (0, 0, 2, 0)
    assert AuditEvent.objects.count() == audit_rows
    assert LifecycleChange.objects.count() == lifecycle_rows
    assert Customer.objects.count() == 2 and Contact.objects.count() == 1


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


# -- encodings --------------------------------------------------------------------------------------


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
def test_gbk_file_read_as_utf8_is_refused_with_the_encoding_named(manager_client, _private_media):
    content = csv_bytes(ROWS, encoding="gb18030")

    response = upload(manager_client, content, encoding="utf-8")

    assert response.status_code == 200
    message = " ".join(response.context["form"].errors["file"])
    assert "UTF-8" in message and "encoding" in message
    assert not ImportBatch.objects.exists() and stored_files(_private_media) == []


@pytest.mark.django_db
def test_utf8_file_read_as_gb18030_is_refused_rather_than_garbled(manager_user):
    with pytest.raises(importing.ApplicationError, match="GB18030"):
        preview(manager_user, csv_bytes(ROWS), encoding="gb18030")
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_gbk_file_with_gb18030_chosen_is_read(manager_user):
    batch = preview(manager_user, csv_bytes(ROWS, encoding="gbk"), encoding="gb18030")
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.encoding == "gb18030"


# -- files refused as a whole -----------------------------------------------------------------------


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
def test_too_many_rows_are_refused_and_nothing_is_stored(manager_client, settings, _private_media):
    settings.CUSTOMER_IMPORT_MAX_ROWS = 1

    response = upload(manager_client, csv_bytes(ROWS))

    assert "more than 1 rows" in " ".join(response.context["form"].errors["file"])
    assert not ImportBatch.objects.exists() and stored_files(_private_media) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"  \r\n", "empty"),
        (b"PK\x03\x04 this is not a workbook", "XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", ".xls"),
        ("name,scope\n华东,external\n".encode(), "code"),
        (b"code,name\n", "no customer rows"),
        (b"\n\nA1,x\n", "column headers"),
    ],
    ids=["empty", "blank", "malformed-xlsx", "old-xls", "missing-required-column", "header-only", "no-header"],
)
def test_unusable_files_are_refused_with_a_clear_message_and_nothing_written(
    manager_client, _private_media, content, expected
):
    response = upload(manager_client, content)

    assert response.status_code == 200
    assert expected in " ".join(response.context["form"].errors["file"])
    assert not ImportBatch.objects.exists() and not Customer.objects.exists()
    assert stored_files(_private_media) == []


@pytest.mark.django_db
def test_xlsx_without_required_column_is_refused(manager_user):
    with pytest.raises(importing.ApplicationError, match="name"):
        preview(manager_user, xlsx_bytes([["A1"]], header=["code"]), name="c.xlsx")


# -- row errors -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bad_rows_are_reported_by_row_column_and_message_and_nothing_is_written(manager_client, _private_media):
    header = ["客户编码", "客户名称", "内部/外部", "年采购额", "邮箱", "同意调查", "客户经理"]
    rows = [
        ["B1", "正常客户", "外部", "100", "ok@example.com", "", ""],
        ["B2", "", "sideways", "-5", "not-an-email", "maybe", "nobody"],
        ["B3", "另一个", "内部", "abc", "", "", ""],
    ]

    response = upload(manager_client, csv_bytes(rows, header=header))

    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("customers:import_detail", args=[batch.pk])
    assert batch.status == ImportBatch.Status.INVALID
    located = {(e["row"], e["column"]) for e in batch.errors}
    assert located == {
        (3, "客户名称"),
        (3, "内部/外部"),
        (3, "年采购额"),
        (3, "邮箱"),
        (3, "同意调查"),
        (4, "年采购额"),
    }
    assert all(e["message"] for e in batch.errors)
    assert any("sideways" in e["message"] for e in batch.errors)
    assert not Customer.objects.exists() and not AuditEvent.objects.filter(action="import").exists()
    assert stored_files(_private_media) == []  # an invalid file cannot be imported, so it is not kept

    page = manager_client.get(reverse("customers:import_detail", args=[batch.pk]))
    assert "Confirm import" not in page.content.decode()
    assert "sideways" in page.content.decode()
    assert reverse("customers:import_errors", args=[batch.pk]) in page.content.decode()


@pytest.mark.django_db
def test_unknown_owner_is_a_row_error_checked_against_the_database(manager_user):
    batch = preview(manager_user, csv_bytes([["O1", "x", "nobody"]], header=["code", "name", "owner"]))
    assert batch.errors == [{"row": 2, "column": "owner", "message": "There is no user nobody."}]


@pytest.mark.django_db
def test_duplicate_codes_in_one_file_are_errors(manager_user):
    rows = [["D1", "first"], ["D2", "other"], ["D1", "second"]]

    batch = preview(manager_user, csv_bytes(rows, header=["code", "name"]))

    assert batch.status == ImportBatch.Status.INVALID
    [error] = batch.errors
    assert (error["row"], error["column"]) == (4, "code")
    assert "row 2" in error["message"]


@pytest.mark.django_db
def test_errors_download_lists_every_error_with_formulas_neutralised(manager_client, manager_user):
    rows = [[f"E{i}", "", ""] for i in range(250)] + [["E999", "=cmd|' /C calc'!A0", "=1+1"]]
    batch = preview(manager_user, csv_bytes(rows, header=["code", "name", "scope"]))

    response = manager_client.get(reverse("customers:import_errors", args=[batch.pk]))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert lines[0] == ["Row", "Column", "Message"]
    assert len(lines) == 1 + 251
    assert lines[-1][0] == "252" and "=1+1" in lines[-1][2]
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)
    page = manager_client.get(reverse("customers:import_detail", args=[batch.pk]))
    assert len(page.context["errors"]) == 200 and page.context["errors_more"] == 51


@pytest.mark.django_db
def test_lifecycle_change_must_be_an_allowed_step(manager_user):
    CustomerFactory(code="L1", lifecycle=Lifecycle.CURRENT)

    batch = preview(manager_user, csv_bytes([["L1", "x", "potential"]], header=["code", "name", "lifecycle"]))

    [error] = batch.errors
    assert error["column"] == "lifecycle" and "cannot become" in error["message"]


@pytest.mark.django_db
def test_lost_customer_needs_a_reason(manager_user):
    CustomerFactory(code="L1", lifecycle=Lifecycle.CURRENT)

    batch = preview(manager_user, csv_bytes([["L1", "x", "流失"]], header=["code", "name", "生命周期"]))

    [error] = batch.errors
    assert error["column"] == "lifecycle_reason"


@pytest.mark.django_db
def test_lost_with_reason_and_win_back_are_recorded_as_lifecycle_steps(
    manager_user, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(code="L1", lifecycle=Lifecycle.CURRENT)
    header = ["code", "name", "lifecycle", "lifecycle_reason"]

    import_now(
        manager_user,
        csv_bytes([["L1", customer.name, "lost", "价格太高"]], header=header),
        django_capture_on_commit_callbacks,
    )
    customer.refresh_from_db()
    assert (customer.lifecycle, customer.lost_reason) == (Lifecycle.LOST, "价格太高") and customer.lost_at

    import_now(
        manager_user,
        csv_bytes([["L1", customer.name, "现实顾客", "回访后恢复合作"]], header=header),
        django_capture_on_commit_callbacks,
    )
    change = customer.lifecycle_changes.first()
    assert (change.from_state, change.to_state, change.is_win_back, change.reason) == (
        Lifecycle.LOST,
        Lifecycle.CURRENT,
        True,
        "回访后恢复合作",
    )


@pytest.mark.django_db
def test_consent_no_withdraws_the_consent_of_an_existing_contact(manager_user, django_capture_on_commit_callbacks):
    customer = CustomerFactory(code="K1")
    contact = ContactFactory(customer=customer, name="赵敏", survey_consent=True, consent_at=timezone.now())

    import_now(
        manager_user,
        csv_bytes([["K1", customer.name, "赵敏", "否"]], header=["code", "name", "contact_name", "contact_consent"]),
        django_capture_on_commit_callbacks,
    )

    contact.refresh_from_db()
    assert contact.consent_withdrawn_at is not None and not contact.may_be_surveyed
    assert Contact.objects.filter(customer=customer).count() == 1


# -- headers, labels, neutralised cells -------------------------------------------------------------


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


def test_english_labels_and_yes_no_words_map_to_codes():
    fields = importing.row_fields()
    assert fields["scope"].clean("External customer") == "external"
    assert fields["scope"].clean("外部") == "external"
    assert fields["region"].clean("East China") == "east"
    assert fields["contact_language"].clean("zh-hans") == "zh-hans"
    assert [fields["contact_consent"].clean(v) for v in ("yes", "是", "1", "TRUE", "no", "否", "0", "false", "")] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
        None,
    ]


@pytest.mark.django_db
def test_apostrophe_added_by_export_neutralisation_is_stripped(manager_user, django_capture_on_commit_callbacks):
    rows = [["N1", "'=Formula Ltd", "'+86 21 5555 0000", "'@home"], ["N2", "O'Brien Ltd", "'123", "ok"]]

    import_now(
        manager_user, csv_bytes(rows, header=["code", "name", "phone", "address"]), django_capture_on_commit_callbacks
    )

    first, second = Customer.objects.get(code="N1"), Customer.objects.get(code="N2")
    assert (first.name, first.phone, first.address) == ("=Formula Ltd", "+86 21 5555 0000", "@home")
    assert (second.name, second.phone) == ("O'Brien Ltd", "'123")  # not a neutralised formula: kept


# -- export -> import -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(manager_client, manager_user, file_format):
    owner = UserFactory(username="wang.li")
    customer = CustomerFactory(
        code="R1",
        name="=SUM(A1) 华南贸易",
        owner=owner,
        annual_volume=Decimal("99.90"),
        phone="+86 755 1234",
        lifecycle="potential",
        potential_source="competitor",
    )
    customer.tags.create(name="-折扣")
    ContactFactory(
        customer=customer,
        name="周杰",
        email="zhou@example.cn",
        is_primary=True,
        survey_consent=True,
        consent_at=timezone.now(),
    )
    CustomerFactory(code="R2", name="No contact Ltd", region="", industry="")
    exported = (
        b"".join(manager_client.get(reverse("customers:export", args=[file_format])).streaming_content)
        if file_format == "csv"
        else b"".join(manager_client.get(reverse("customers:export", args=[file_format])))
    )

    batch = preview(manager_user, exported, name=f"export.{file_format}")

    assert batch.errors == []
    assert (batch.created_count, batch.updated_count, batch.unchanged_count, batch.contact_count) == (0, 0, 2, 0)


# -- confirm and commit -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_confirm_page_imports_and_double_confirm_imports_once(
    manager_client, manager_user, django_capture_on_commit_callbacks
):
    batch = preview(manager_user, csv_bytes(ROWS))
    url = reverse("customers:import_detail", args=[batch.pk])
    assert "Confirm import" in manager_client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = manager_client.post(url)
        second = manager_client.post(url)

    assert first.status_code == second.status_code == 302
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert Customer.objects.count() == 2
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT, object_repr__contains="A001").count() == 1
    page = manager_client.get(url).content.decode()
    assert "Confirm import" not in page and "hx-trigger" not in page


@pytest.mark.django_db
def test_a_task_delivered_twice_imports_once(manager_user, django_capture_on_commit_callbacks):
    batch = import_now(manager_user, csv_bytes(ROWS), django_capture_on_commit_callbacks)
    audit_rows = AuditEvent.objects.count()

    customer_import_commit_task.delay(batch.pk)

    assert Customer.objects.count() == 2 and AuditEvent.objects.count() == audit_rows
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE


@pytest.mark.django_db
def test_queued_import_page_polls_with_htmx(manager_client, manager_user):
    batch = preview(manager_user, csv_bytes(ROWS))
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED)

    page = manager_client.get(reverse("customers:import_detail", args=[batch.pk])).content.decode()

    assert 'hx-trigger="every 2s"' in page and 'hx-select="#import-status"' in page


@pytest.mark.django_db
def test_failure_midway_through_the_commit_writes_nothing_and_marks_the_batch_failed(
    manager_user, django_capture_on_commit_callbacks, monkeypatch
):
    existing = CustomerFactory(code="A002", name="Before")

    def broken(events):
        raise RuntimeError("disk full")

    # Customers, contacts, tags and lifecycle rows are written by then; the audit rows fail.
    monkeypatch.setattr(importing, "audit_record_many", broken)
    batch = preview(manager_user, csv_bytes(ROWS))
    with django_capture_on_commit_callbacks(execute=True):
        importing.import_batch_confirm(actor=manager_user, batch=batch)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and "disk full" in batch.failure
    assert list(Customer.objects.values_list("code", flat=True)) == ["A002"]
    existing.refresh_from_db()
    assert existing.name == "Before"
    assert not Contact.objects.exists() and not LifecycleChange.objects.exists()
    assert not existing.tags.exists()


@pytest.mark.django_db
def test_commit_refuses_rows_that_became_invalid_after_the_preview(manager_user, django_capture_on_commit_callbacks):
    customer = CustomerFactory(code="A1", lifecycle=Lifecycle.POTENTIAL)
    batch = preview(manager_user, csv_bytes([["A1", customer.name, "current"]], header=["code", "name", "lifecycle"]))
    Customer.objects.filter(pk=customer.pk).update(lifecycle=Lifecycle.LOST)  # someone else, meanwhile

    with django_capture_on_commit_callbacks(execute=True):
        importing.import_batch_confirm(actor=manager_user, batch=batch)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.errors[0]["column"] == "lifecycle_reason"
    assert not LifecycleChange.objects.exists()


@pytest.mark.django_db
def test_invalid_batch_cannot_be_confirmed(manager_client, manager_user):
    batch = preview(manager_user, csv_bytes([["A1", ""]], header=["code", "name"]))

    response = manager_client.post(reverse("customers:import_detail", args=[batch.pk]), follow=True)

    assert "has errors" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.INVALID


# -- access -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("client_fixture", ["staff_client", "auditor_client"])
def test_staff_and_auditors_cannot_import(request, client_fixture, manager_user):
    client = request.getfixturevalue(client_fixture)
    batch = preview(manager_user, csv_bytes(ROWS))

    assert client.get(reverse("customers:import_upload")).status_code == 403
    assert upload(client, csv_bytes(ROWS)).status_code == 403
    assert client.get(reverse("customers:import_detail", args=[batch.pk])).status_code == 403
    assert client.post(reverse("customers:import_detail", args=[batch.pk])).status_code == 403
    assert client.get(reverse("customers:import_errors", args=[batch.pk])).status_code == 403
    assert ImportBatch.objects.count() == 1 and not Customer.objects.exists()


@pytest.mark.django_db
def test_admins_may_import_but_not_see_another_persons_upload(admin_client_role, manager_user):
    batch = preview(manager_user, csv_bytes(ROWS))

    assert admin_client_role.get(reverse("customers:import_upload")).status_code == 200
    assert admin_client_role.get(reverse("customers:import_detail", args=[batch.pk])).status_code == 404


@pytest.mark.django_db
def test_upload_page_renders_the_form_and_recent_imports(manager_client, manager_user):
    preview(manager_user, csv_bytes(ROWS), name="客户清单.csv")

    page = manager_client.get(reverse("customers:import_upload")).content.decode()

    assert 'enctype="multipart/form-data"' in page and "客户清单.csv" in page


# -- housekeeping -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_purge_deletes_stale_unimported_batches_and_their_files(manager_user, _private_media):
    stale = preview(manager_user, csv_bytes(ROWS))
    fresh = preview(manager_user, csv_bytes(ROWS))
    done = preview(manager_user, csv_bytes(ROWS))
    day_ago = timezone.now() - datetime.timedelta(hours=25)
    ImportBatch.objects.filter(pk__in=[stale.pk, done.pk]).update(created_at=day_ago)
    ImportBatch.objects.filter(pk=done.pk).update(status=ImportBatch.Status.DONE)

    assert importing.import_batches_purge_stale() == 1

    assert set(ImportBatch.objects.values_list("pk", flat=True)) == {fresh.pk, done.pk}
    assert not (_private_media / stale.stored_path).exists()
    assert (_private_media / fresh.stored_path).exists()
