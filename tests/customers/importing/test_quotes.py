"""An unbalanced quotation mark in a CSV would merge the next rows into one customer's cell: the
file is refused with the row named, and nothing is written."""

import pytest
from django.urls import reverse

from customers.models import Customer, ImportBatch
from tests.customers.importing.uploads import checked_batch, csv_bytes, import_now, refused, stored_files, upload

pytestmark = pytest.mark.django_db

HEADER = "code,name,region,notes\n"


def _refused_naming_row(user, text: str, row: int) -> None:
    message = refused(user, text.encode())
    assert f"Row {row}:" in message and "quotation mark" in message


def test_a_quote_that_swallows_the_next_rows_into_a_name_is_refused_with_its_row(manager_user):
    text = HEADER + 'A1,Acme,east,\nA2,"Beta Co,east,\nA3,Gamma",east,\nA4,Delta,east,\n'

    _refused_naming_row(manager_user, text, 3)


def test_an_unterminated_quote_at_the_end_of_the_file_is_refused_with_its_row(manager_user):
    text = HEADER + 'A1,Acme,east,\nA2,"Beta Co,east,\nA3,Gamma,east,\n'

    _refused_naming_row(manager_user, text, 3)


def test_text_after_a_closing_quote_is_refused_with_its_row(manager_user):
    _refused_naming_row(manager_user, HEADER + 'A1,"Acme" Ltd,east,\n', 2)


def test_the_preview_page_shows_the_refusal_and_no_file_is_kept(manager_client, _private_media):
    response = upload(manager_client, (HEADER + 'A1,"Acme,east,\nA2,Beta,east,\n').encode())

    batch = checked_batch()
    assert response.status_code == 302 and response.url == reverse("customers:import_detail", args=[batch.pk])
    assert batch.status == ImportBatch.Status.INVALID and "Row 2:" in batch.failure
    assert "Row 2:" in manager_client.get(response.url).content.decode()
    assert stored_files(_private_media) == [] and not Customer.objects.exists()


def test_line_breaks_in_the_notes_column_are_kept(manager_user, django_capture_on_commit_callbacks):
    content = csv_bytes([["A1", "Acme", "east", "first line\nsecond line"]], header=["code", "name", "region", "备注"])

    import_now(manager_user, content, django_capture_on_commit_callbacks)

    assert Customer.objects.get(code="A1").notes == "first line\nsecond line"
