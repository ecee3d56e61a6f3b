"""The audit chain's verification from the page runs in a task: the page shows the last result with
its time and lets an auditor or a manager start one; progress is stored as it runs."""

import pytest
from django.urls import reverse

from core import audit_chain
from core.audit import audit_record
from core.audit_chain import audit_chain_seal
from core.models import AuditChainLink, AuditEvent
from evidence import services, sources
from evidence.models import ChainVerification
from tests.core.test_audit_chain import attacker
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(staff_user):
    for number in range(7):
        audit_record(actor=staff_user, action=AuditEvent.Action.CREATE, instance=CustomerFactory(name=f"C{number}"))
    audit_chain_seal(settle_seconds=0)
    return list(AuditEvent.objects.order_by("id").values_list("id", flat=True))


def test_the_page_runs_no_verification_in_the_request(trail, auditor_client, monkeypatch):
    def refuse(**kwargs):
        raise AssertionError("verified in the request")

    monkeypatch.setattr(audit_chain, "audit_chain_verify", refuse)

    page = auditor_client.get(reverse("evidence:chain_verification")).content.decode()

    assert "has not been verified from this page yet" in page
    assert 'name="start"' in page  # the auditor may start one


def test_an_auditor_starts_a_verification_and_the_page_shows_its_result_and_time(
    trail, auditor_client, auditor_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = auditor_client.post(reverse("evidence:chain_verification_start"), {"start": "1"})

    assert response.status_code == 302
    verification = ChainVerification.objects.get()
    assert verification.status == "done" and verification.ok is True and verification.progress == 100
    assert verification.requested_by == auditor_user and verification.finished_at is not None
    assert verification.sealed == len(trail) and verification.head_hash == audit_chain.audit_chain_head().hash
    page = auditor_client.get(reverse("evidence:chain_verification")).content.decode()
    assert "The hash chain verifies" in page and "Verified at" in page and "auditor1" in page
    # The request is evidence too.
    assert AuditEvent.objects.filter(content_type__model="chainverification", actor=auditor_user).exists()


def test_a_broken_chain_is_stored_with_its_first_broken_entry(trail, manager_user):
    with attacker() as cursor:
        cursor.execute("UPDATE core_auditevent SET comment = 'edited' WHERE id = %s", [trail[2]])
    verification = services.chain_verification_request(actor=manager_user, enqueue=False)

    verification = services.chain_verification_run(verification_id=verification.pk)

    assert verification.ok is False and verification.broken_entry_id == trail[2]
    assert verification.kind == "edited" and verification.kind_label == "edited"


def test_progress_is_stored_batch_by_batch(trail, manager_user, monkeypatch):
    monkeypatch.setattr(audit_chain, "VERIFY_BATCH_SIZE", 2)
    verification = services.chain_verification_request(actor=manager_user, enqueue=False)
    reported = []
    real_verify = audit_chain.audit_chain_verify

    def verify(**kwargs):
        inner = kwargs["progress"]

        def progress(done, total):
            inner(done, total)
            reported.append(ChainVerification.objects.get(pk=verification.pk).progress)

        return real_verify(progress=progress)

    monkeypatch.setattr(audit_chain, "audit_chain_verify", verify)
    services.chain_verification_run(verification_id=verification.pk)

    assert reported == sorted(reported) and len(reported) == 4  # 7 links in batches of 2
    assert reported[0] == 0 and 0 < reported[-1] < 100


def test_a_second_request_while_one_runs_returns_it_and_a_finished_one_is_not_run_again(trail, manager_user):
    first = services.chain_verification_request(actor=manager_user, enqueue=False)

    assert services.chain_verification_request(actor=manager_user, enqueue=False) == first
    services.chain_verification_run(verification_id=first.pk)
    finished_at = ChainVerification.objects.get(pk=first.pk).finished_at
    assert services.chain_verification_run(verification_id=first.pk).finished_at == finished_at
    assert services.chain_verification_request(actor=manager_user, enqueue=False) != first


def test_a_failure_is_recorded_on_the_verification(trail, manager_user, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(audit_chain, "audit_chain_verify", broken)
    verification = services.chain_verification_request(actor=manager_user, enqueue=False)

    verification = services.chain_verification_run(verification_id=verification.pk)

    assert verification.status == "failed" and "database went away" in verification.error


def test_the_progress_fragment_polls_while_running_and_reloads_when_done(trail, manager_user, manager_client):
    verification = services.chain_verification_request(actor=manager_user, enqueue=False)
    url = reverse("evidence:chain_verification_progress", args=[verification.pk])

    running = manager_client.get(url)
    assert "hx-get" in running.content.decode() and "HX-Refresh" not in running
    services.chain_verification_run(verification_id=verification.pk)
    assert manager_client.get(url)["HX-Refresh"] == "true"


def test_a_post_without_the_button_is_refused_and_starts_nothing(trail, auditor_client, staff_user):
    assert auditor_client.post(reverse("evidence:chain_verification_start")).status_code == 400
    assert not ChainVerification.objects.exists()
    with pytest.raises(Exception, match="not allowed"):
        services.chain_verification_request(actor=staff_user, enqueue=False)


def _verified(manager_user) -> ChainVerification:
    verification = services.chain_verification_request(actor=manager_user, enqueue=False)
    return services.chain_verification_run(verification_id=verification.pk)


def test_a_verification_records_how_far_it_verified_the_whole_chain(trail, manager_user):
    done = _verified(manager_user)
    last = AuditChainLink.objects.order_by("-position").first()
    assert done.ok and done.verified_position == last.position and done.verified_hash == last.link_hash
    assert done.verified_event_id == last.event_id


def test_the_pack_walks_on_from_the_recorded_checkpoint_and_states_it(trail, manager_user, staff_user):
    done = _verified(manager_user)
    for number in range(3):
        audit_record(actor=staff_user, action=AuditEvent.Action.CREATE, instance=CustomerFactory(name=f"N{number}"))
    audit_chain_seal(settle_seconds=0)
    head = AuditChainLink.objects.order_by("-position").first()

    status = sources.audit_chain_status()

    assert status["verified"] is True
    assert f"up to entry {done.verified_event_id} " in status["detail"]
    assert f"#{done.pk}" in status["detail"] and done.finished_at.isoformat() in status["detail"]
    assert f"{done.verified_event_id + 1}–{head.event_id} verified during this pack: intact" in status["detail"]


def test_the_pack_finds_an_entry_edited_after_the_checkpoint(trail, manager_user, staff_user):
    _verified(manager_user)
    audit_record(actor=staff_user, action=AuditEvent.Action.CREATE, instance=CustomerFactory(name="After"))
    audit_chain_seal(settle_seconds=0)
    edited = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    with attacker() as cursor:
        cursor.execute("UPDATE core_auditevent SET comment = 'changed' WHERE id = %s", [edited])

    status = sources.audit_chain_status()

    assert status["verified"] is False and f"broken at entry {edited}" in status["detail"]


def test_the_pack_walks_only_the_new_links(trail, manager_user, monkeypatch):
    _verified(manager_user)
    seen = []
    real = audit_chain.audit_chain_verify
    monkeypatch.setattr(audit_chain, "audit_chain_verify", lambda **kw: seen.append(real(**kw)) or seen[-1])
    sources.audit_chain_status()
    assert seen[0].started_after is not None and seen[0].checked == 0


def test_after_a_recorded_break_the_pack_verifies_in_full_and_states_the_break(trail, manager_user):
    with attacker() as cursor:
        cursor.execute("UPDATE core_auditevent SET comment = 'changed' WHERE id = %s", [trail[2]])
    broken = _verified(manager_user)
    assert broken.ok is False

    status = sources.audit_chain_status()

    assert f"#{broken.pk}" in status["detail"] and f"found a break at entry {trail[2]}" in status["detail"]
    assert "verified in full during this pack" in status["detail"] and status["verified"] is False


def test_the_page_verification_is_still_a_full_one(trail, manager_user, monkeypatch):
    _verified(manager_user)
    seen = []
    real = audit_chain.audit_chain_verify
    monkeypatch.setattr(audit_chain, "audit_chain_verify", lambda **kw: seen.append(real(**kw)) or seen[-1])
    _verified(manager_user)
    assert seen[0].started_after is None and seen[0].checked == len(trail)


def test_the_nightly_verification_walks_the_whole_chain_and_the_pack_starts_from_it(trail, manager_client, monkeypatch):
    from evidence.tasks import chain_verification_nightly_task

    seen = []
    real = audit_chain.audit_chain_verify
    monkeypatch.setattr(audit_chain, "audit_chain_verify", lambda **kw: seen.append(real(**kw)) or seen[-1])

    assert chain_verification_nightly_task.apply().get() == "done"

    nightly = ChainVerification.objects.get()
    assert nightly.requested_by is None and nightly.ok is True
    assert seen[0].started_after is None and seen[0].checked == len(trail)  # from the first link
    assert nightly.verified_event_id == trail[-1]
    page = manager_client.get(reverse("evidence:chain_verification")).content.decode()
    assert "by the nightly schedule" in page and "The hash chain verifies" in page
    status = sources.audit_chain_status()
    assert f"by audit chain verification #{nightly.pk}" in status["detail"] and status["verified"] is True
    assert seen[-1].started_after is not None and seen[-1].checked == 0  # the pack walked nothing again


def test_the_nightly_verification_is_skipped_while_one_is_running_and_finds_a_break(trail, manager_user):
    from evidence.tasks import chain_verification_nightly_task

    running = services.chain_verification_request(actor=manager_user, enqueue=False)
    assert chain_verification_nightly_task.apply().get() == "skipped"
    assert ChainVerification.objects.count() == 1
    services.chain_verification_run(verification_id=running.pk)

    with attacker() as cursor:
        cursor.execute("UPDATE core_auditevent SET comment = 'edited' WHERE id = %s", [trail[3]])
    assert chain_verification_nightly_task.apply().get() == "done"
    nightly = ChainVerification.objects.filter(requested_by=None).get()
    assert nightly.ok is False and nightly.broken_entry_id == trail[3]


def test_the_nightly_verification_is_on_the_beat_schedule():
    from csm.celery import app

    entry = app.conf.beat_schedule["audit-chain-verify-nightly"]
    assert entry["task"] == "evidence.tasks.chain_verification_nightly_task"
    assert entry["task"] in app.tasks
