"""Who may do what: auditors read, generate and download packs and change nothing else; managers keep
the review records; staff read reviews but take no evidence away."""

import datetime
import zipfile

import pytest
from django.urls import reverse

from core.models import AuditEvent
from evidence.models import EvidencePack, ManagementReview, MeasurementReview

pytestmark = pytest.mark.django_db


def _pack_post(period, **extra):
    fields = {"since": period.since.isoformat(), "until": period.until.isoformat(), "language": "en", **extra}
    return {f"pack-{name}": value for name, value in fields.items()}


def test_an_auditor_generates_follows_and_downloads_a_pack(
    auditor_client, auditor_user, world, period, private_media, quick_pdfs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = auditor_client.post(reverse("evidence:pack_create"), _pack_post(period))

    pack = EvidencePack.objects.get()
    assert response.status_code == 302 and response["Location"] == pack.get_absolute_url()
    assert pack.requested_by == auditor_user and pack.status == "done"
    page = auditor_client.get(pack.get_absolute_url()).content.decode()
    assert reverse("evidence:pack_download", args=[pack.pk]) in page and "100%" in page
    fragment = auditor_client.get(reverse("evidence:pack_progress", args=[pack.pk])).content.decode()
    assert "hx-get" not in fragment  # done: the page stops polling

    download = auditor_client.get(reverse("evidence:pack_download", args=[pack.pk]))

    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert f'filename="{pack.file_name}"' in download["Content-Disposition"]
    body = b"".join(download.streaming_content)
    import io

    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(body)).namelist()
    trail = {(e.action, e.comment, e.actor_id) for e in AuditEvent.objects.for_object(pack)}
    assert trail == {
        ("create", "", auditor_user.pk),
        ("export", "generated", auditor_user.pk),
        ("export", "downloaded", auditor_user.pk),
    }


def test_a_running_pack_page_polls_its_progress(auditor_client, manager_user):
    pack = EvidencePack.objects.create(
        requested_by=manager_user,
        parameters={"since": "2026-07-01", "until": "2026-09-30"},
        status="running",
        progress=40,
        step="Complaint register",
    )

    fragment = auditor_client.get(reverse("evidence:pack_progress", args=[pack.pk])).content.decode()

    assert "hx-get" in fragment and 'aria-valuenow="40"' in fragment and "Complaint register" in fragment
    assert auditor_client.get(reverse("evidence:pack_download", args=[pack.pk])).status_code == 404


def test_an_auditor_reads_reviews_but_cannot_record_or_change_them(auditor_client, world):
    review = world["measurement_review"]
    data = {"reviewed_on": "2026-11-30", "reviewed_by": "Auditor", "scope": "x", "conclusion": "changed"}

    assert auditor_client.get(reverse("evidence:measurement_review_list")).status_code == 200
    page = auditor_client.get(review.get_absolute_url()).content.decode()
    assert "disabled" in page and 'name="save"' not in page
    assert auditor_client.post(reverse("evidence:measurement_review_create"), data).status_code == 403
    assert auditor_client.post(review.get_absolute_url(), data).status_code == 403
    assert auditor_client.post(reverse("evidence:management_review_create"), {}).status_code == 403
    review.refresh_from_db()
    assert review.conclusion == "Methods fit for purpose" and MeasurementReview.objects.count() == 1


def test_staff_read_reviews_but_cannot_see_generate_or_download_evidence(
    staff_client, world, period, manager_user, private_media
):
    pack = EvidencePack.objects.create(
        requested_by=manager_user, parameters={"since": "2026-07-01", "until": "2026-09-30"}
    )

    assert staff_client.get(reverse("evidence:management_review_list")).status_code == 200
    assert staff_client.get(reverse("evidence:home")).status_code == 403
    assert staff_client.post(reverse("evidence:pack_create"), _pack_post(period)).status_code == 403
    assert staff_client.get(pack.get_absolute_url()).status_code == 403
    assert staff_client.get(reverse("evidence:pack_download", args=[pack.pk])).status_code == 403
    assert EvidencePack.objects.count() == 1


def test_a_manager_records_and_corrects_a_management_review_and_both_are_audited(manager_client, manager_user):
    data = {
        "held_on": "2026-10-15",
        "chair": "General manager",
        "participants": "Heads of sales, quality, after-sales",
        "satisfaction_input_taken": "on",
        "satisfaction_input": "Q3 satisfaction report",
        "decisions": "Shorten delivery times",
    }

    response = manager_client.post(reverse("evidence:management_review_create"), data)

    review = ManagementReview.objects.get()
    assert response.status_code == 302 and review.recorded_by == manager_user
    assert review.held_on == datetime.date(2026, 10, 15) and review.satisfaction_input_taken
    manager_client.post(review.get_absolute_url(), {**data, "decisions": "Shorten delivery times to 5 days"})
    actions = list(AuditEvent.objects.for_object(review).order_by("pk").values_list("action", flat=True))
    assert actions == ["create", "update"]


def test_an_invalid_pack_request_writes_nothing(auditor_client):
    response = auditor_client.post(
        reverse("evidence:pack_create"), {"pack-since": "2026-09-30", "pack-until": "2026-07-01", "pack-language": "en"}
    )

    assert response.status_code == 400 and "cannot end before it starts" in response.content.decode()
    assert not EvidencePack.objects.exists()
