"""A GBK file whose bytes happen to be valid UTF-8: the preview says how it was read, shows the first
rows as read, and offers the other reading, which checks the stored batch again (audited), until the
import is confirmed."""

import pytest
from django.test import TestCase
from django.urls import reverse

from core.models import AuditEvent
from customers.models import Customer, ImportBatch
from tests.customers.importing.uploads import csv_bytes, gbk_text_valid_as_utf8, preview
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NAME = "业院" + gbk_text_valid_as_utf8(4)  # 业院: D2 B5 D4 BA in GBK, ҵԺ in UTF-8


def _gbk_file() -> bytes:
    content = csv_bytes([["G1", NAME, "east"]], header=["code", "name", "region"], encoding="gbk")
    assert content.decode("utf-8") != content.decode("gbk")  # valid in both, and different
    return content


def _reread(client, batch, encoding: str):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("customers:import_encoding", args=[batch.pk]), {"encoding": encoding})


def test_detection_reads_utf8_and_the_page_offers_gbk(manager_client, manager_user):
    batch = preview(manager_user, _gbk_file())

    assert batch.status == ImportBatch.Status.PREVIEWED and batch.encoding == "utf-8-sig"
    assert batch.other_encodings == ["gb18030"]
    garbled = _gbk_file().decode("utf-8").splitlines()[1].split(",")[1]
    assert batch.sample == [["code", "name", "region"], ["G1", garbled, "east"]]
    page = manager_client.get(reverse("customers:import_detail", args=[batch.pk])).content.decode()
    assert "The text was read as <strong>UTF-8</strong>" in page
    assert "Read as GB18030 (GBK) instead" in page and garbled in page


def test_reading_as_gbk_checks_the_batch_again_audited_and_imports_the_right_name(
    manager_client, manager_user, django_capture_on_commit_callbacks
):
    batch = preview(manager_user, _gbk_file())

    response = _reread(manager_client, batch, "gb18030")

    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.encoding == "gb18030"
    assert batch.sample[1] == ["G1", NAME, "east"] and batch.other_encodings == ["utf-8-sig"]
    event = AuditEvent.objects.for_object(batch).get()
    assert event.actor == manager_user and event.action == AuditEvent.Action.UPDATE
    assert event.changes == {"encoding": ["utf-8-sig", "gb18030"], "status": ["previewed", "checking"]}
    page = manager_client.get(reverse("customers:import_detail", args=[batch.pk])).content.decode()
    assert "Read as UTF-8 instead" in page and NAME in page

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("customers:import_detail", args=[batch.pk]))

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert Customer.objects.get(code="G1").name == NAME


def test_an_invalid_batch_keeps_its_file_and_can_be_read_again_too(manager_client, manager_user, _private_media):
    content = csv_bytes([["G1", NAME, "nowhere"]], header=["code", "name", "region"], encoding="gbk")
    batch = preview(manager_user, content)
    assert batch.status == ImportBatch.Status.INVALID and batch.errors[0]["row"] == 2
    assert batch.other_encodings == ["gb18030"] and batch.stored_path  # kept for the other reading

    _reread(manager_client, batch, "gb18030")

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.INVALID and batch.encoding == "gb18030"
    assert batch.sample[1] == ["G1", NAME, "nowhere"]


def test_the_other_reading_is_refused_once_the_import_is_confirmed(manager_client, manager_user):
    batch = preview(manager_user, _gbk_file())
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED)

    response = _reread(manager_client, batch, "gb18030")

    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.QUEUED and batch.encoding == "utf-8-sig"
    assert not AuditEvent.objects.for_object(batch).exists()
    assert "already confirmed" in manager_client.get(response.url).content.decode()


def test_only_an_offered_encoding_and_only_the_uploader_may_read_it_again(client, manager_client, manager_user):
    batch = preview(manager_user, _gbk_file())

    _reread(manager_client, batch, "utf-16")
    other = UserFactory(role="manager")
    client.force_login(other)
    _reread(client, batch, "gb18030")

    batch.refresh_from_db()
    assert batch.encoding == "utf-8-sig" and batch.status == ImportBatch.Status.PREVIEWED
    assert not AuditEvent.objects.for_object(batch).exists()
    page = client.get(reverse("customers:import_detail", args=[batch.pk])).content.decode()
    assert "instead" not in page  # no offer to someone who may not choose


def test_an_auditor_cannot_choose_the_reading(client, manager_user, auditor_user):
    batch = preview(manager_user, _gbk_file())
    client.force_login(auditor_user)

    response = _reread(client, batch, "gb18030")

    assert response.status_code == 403
    batch.refresh_from_db()
    assert batch.encoding == "utf-8-sig"


def test_an_ascii_file_is_offered_no_other_reading(manager_user):
    batch = preview(manager_user, csv_bytes([["A1", "Acme"]], header=["code", "name"]))
    assert batch.other_encodings == [] and batch.encoding == "utf-8-sig"


def test_a_second_click_while_the_file_is_checked_again_changes_nothing(manager_client, manager_user):
    batch = preview(manager_user, _gbk_file())
    url = reverse("customers:import_encoding", args=[batch.pk])

    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:  # the worker has not run yet
        manager_client.post(url, {"encoding": "gb18030"})
        response = manager_client.post(url, {"encoding": "gb18030"})

    assert len(callbacks) == 1 and AuditEvent.objects.for_object(batch).count() == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKING and batch.encoding == "gb18030"
    page = manager_client.get(response.url).content.decode()
    assert "being checked again" in page and "Checking the file" in page and "instead" not in page


def test_a_reading_that_refuses_the_file_clears_the_previous_counts(manager_client, manager_user, settings):
    batch = preview(manager_user, _gbk_file())
    assert batch.created_count == 1
    settings.CUSTOMER_IMPORT_MAX_ROWS = 0  # the second check refuses the whole file

    _reread(manager_client, batch, "gb18030")

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.INVALID and "more than 0 rows" in batch.failure
    assert (batch.row_count, batch.created_count) == (0, 0)
