"""Validating rows: errors by row and column, duplicate codes, labels and yes/no words."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from customers.importing.validating import row_fields
from customers.models import Customer, ImportBatch
from tests.customers.importing.uploads import csv_bytes, preview, stored_files, upload

# -- row errors ------------------------------------------------------------------------------------


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
def test_duplicate_codes_in_one_file_are_errors(manager_user):
    rows = [["D1", "first"], ["D2", "other"], ["D1", "second"]]

    batch = preview(manager_user, csv_bytes(rows, header=["code", "name"]))

    assert batch.status == ImportBatch.Status.INVALID
    [error] = batch.errors
    assert (error["row"], error["column"]) == (4, "code")
    assert "row 2" in error["message"]


# -- labels ----------------------------------------------------------------------------------------


def test_english_labels_and_yes_no_words_map_to_codes():
    fields = row_fields()
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
