"""The audit trail's hash chain: sealing, verification of tampering, the command and the page."""

import contextlib
import datetime
import json
import random
import threading

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from core import append_only, audit_chain
from core.audit import audit_event_build, audit_record
from core.audit_chain import BreakKind, audit_chain_head, audit_chain_seal, audit_chain_verify, canonical_entry
from core.models import AuditChainLink, AuditEvent
from tests.factories import CustomerFactory

TABLES = ("core_auditevent", "core_auditchainlink")


def _seal(**kwargs) -> int:
    return audit_chain_seal(settle_seconds=0, **kwargs)


@pytest.fixture
def trail(db, staff_user):
    """Five events, sealed; their ids in order."""
    for number in range(5):
        customer = CustomerFactory(name=f"Chained {number}")
        audit_record(
            actor=staff_user,
            action=AuditEvent.Action.UPDATE,
            instance=customer,
            changes={"name": [f"Before {number}", customer.name], "score": [1.5, 2.0], "z": {"b": 1, "a": [1, 2]}},
        )
    assert _seal() == AuditEvent.objects.count()
    return list(AuditEvent.objects.order_by("id").values_list("id", flat=True))


@contextlib.contextmanager
def attacker():
    """Someone with the database's owner rights: the append-only triggers out of the way (inside the
    test's transaction, put back afterwards)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE waits for no deferred foreign-key checks: run the pending ones now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in TABLES:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        yield cursor
        for table in TABLES:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            else:
                append_only.install(connection, table)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# --- Sealing ---------------------------------------------------------------------------------------


def test_an_untouched_trail_verifies(trail):
    result = audit_chain_verify()

    assert result.ok, result.as_text()
    assert result.sealed == len(trail)
    assert result.unsealed == 0
    assert result.head.position == len(trail) and result.head.event_id == trail[-1]


def test_sealing_twice_seals_nothing_twice(trail, staff_user):
    assert _seal() == 0

    audit_record(actor=staff_user, action=AuditEvent.Action.CREATE, instance=CustomerFactory())
    assert _seal() == AuditEvent.objects.count() - len(trail)
    assert _seal() == 0

    total = AuditEvent.objects.count()
    assert list(AuditChainLink.objects.values_list("position", flat=True)) == list(range(1, total + 1))
    assert audit_chain_verify().ok


def test_sealing_in_small_batches_gives_the_same_chain_as_one_batch(trail):
    one_batch = list(AuditChainLink.objects.values_list("link_hash", flat=True))
    with attacker() as cursor:
        cursor.execute("DELETE FROM core_auditchainlink")

    assert _seal(batch_size=2) == len(trail)
    assert list(AuditChainLink.objects.values_list("link_hash", flat=True)) == one_batch


def test_events_younger_than_the_settle_delay_wait_for_the_next_seal(db, staff_user):
    audit_record(actor=staff_user, action=AuditEvent.Action.CREATE, instance=CustomerFactory())
    total = AuditEvent.objects.count()

    assert audit_chain_seal() == 0  # just written: not settled yet
    assert audit_chain.audit_chain_status().awaiting == total

    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=audit_chain.SETTLE_SECONDS + 1)
    assert audit_chain_seal(now=later) == total
    assert audit_chain.audit_chain_status().awaiting == 0


def test_a_sealer_that_read_a_stale_head_seals_nothing_and_does_not_fork_the_chain(trail, monkeypatch, staff_user):
    """Two sealers at once without PostgreSQL's lock (SQLite in deferred mode): the second read the
    head before the first extended it. The unique position refuses its links; nothing forks."""
    audit_record(actor=staff_user, action=AuditEvent.Action.CREATE, instance=CustomerFactory())
    before = list(AuditChainLink.objects.values_list("position", "link_hash"))
    stale = AuditChainLink.objects.get(position=2)
    monkeypatch.setattr(audit_chain, "_head_link", lambda: stale)

    assert _seal() == 0

    assert list(AuditChainLink.objects.values_list("position", "link_hash")) == before
    monkeypatch.undo()
    assert _seal() == AuditEvent.objects.count() - len(trail)
    assert audit_chain_verify().ok


def trail_time():
    return datetime.datetime.now(datetime.UTC)


def _events_with_ids(ids, actor):
    """Events with chosen ids (gaps between them), as a database with interleaved transactions has."""
    events = []
    for event_id in ids:
        event = audit_event_build(actor=actor, action=AuditEvent.Action.CREATE, instance=CustomerFactory())
        event.id = event_id
        events.append(event)
    AuditEvent.objects.bulk_create(events)


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="the in-memory test database is one connection; see the stale-head test",
)
# serialized_rollback: the data migrations made stays for the browser tests that run after this one.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sealers_do_not_fork_the_chain(staff_user):
    """Two sealers on two connections at the same moment: one seals, the other seals nothing."""
    for number in range(30):
        audit_record(actor=staff_user, action=AuditEvent.Action.CREATE, instance=CustomerFactory(name=f"C{number}"))
    total = AuditEvent.objects.count()
    start = threading.Barrier(2)
    results = []

    def sealer():
        try:
            start.wait(timeout=10)
            results.append(_seal(batch_size=7))
        except Exception as error:  # noqa: BLE001 - reported below
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sealer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(result, int) for result in results), results
    assert sum(results) <= total
    _seal()  # whatever the loser left, the next run takes
    positions = list(AuditChainLink.objects.values_list("position", flat=True))
    assert positions == list(range(1, total + 1))
    assert audit_chain_verify().ok


# --- Verification finds tampering -------------------------------------------------------------------


def test_verification_finds_an_edited_entry(trail):
    with attacker() as cursor:
        cursor.execute("UPDATE core_auditevent SET actor_name = 'someone else' WHERE id = %s", [trail[2]])

    result = audit_chain_verify()

    assert not result.ok
    assert (result.broken_entry_id, result.kind) == (trail[2], BreakKind.EDITED)


def test_verification_finds_an_edited_change_value(trail):
    with attacker() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET changes = %s WHERE id = %s", [json.dumps({"name": ["x", "y"]}), trail[1]]
        )

    assert (audit_chain_verify().broken_entry_id, audit_chain_verify().kind) == (trail[1], BreakKind.EDITED)


def test_verification_finds_a_deleted_entry(trail):
    with attacker() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [trail[3]])

    result = audit_chain_verify()

    assert (result.ok, result.broken_entry_id, result.kind) == (False, trail[3], BreakKind.DELETED)


def test_verification_finds_an_entry_deleted_with_its_link(trail):
    with attacker() as cursor:
        cursor.execute("DELETE FROM core_auditchainlink WHERE event_id = %s", [trail[2]])
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [trail[2]])

    result = audit_chain_verify()

    assert (result.ok, result.broken_position, result.kind) == (False, 3, BreakKind.DELETED)


def test_verification_finds_an_inserted_entry_and_names_it_first(db, staff_user):
    base = (AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 100
    _events_with_ids([base + 10, base + 20, base + 30], staff_user)
    _seal()
    event = AuditEvent.objects.get(pk=base + 20)
    with attacker() as cursor:
        cursor.execute(
            "INSERT INTO core_auditevent (id, at, actor_name, action, content_type_id, object_id, object_repr,"
            " changes, comment, user_agent, source) VALUES (%s, %s, 'forger', 'update', %s, '1', 'forged', '{}',"
            " '', '', '')",
            [base + 15, event.at, event.content_type_id],
        )
        cursor.execute("UPDATE core_auditevent SET comment = 'edited later in the chain' WHERE id = %s", [base + 30])

    result = audit_chain_verify()

    assert (result.ok, result.broken_entry_id, result.kind) == (False, base + 15, BreakKind.INSERTED)


def test_a_lower_id_committed_after_the_seal_is_reported_as_inserted_not_skipped(db, staff_user):
    """An older transaction commits a lower id after a higher one was sealed (PostgreSQL)."""
    base = (AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 100
    _events_with_ids([base + 20], staff_user)
    assert _seal() >= 1
    _events_with_ids([base + 10], staff_user)  # committed late, below the sealed head

    assert _seal() == 0  # the sealer goes on from its head
    result = audit_chain_verify()

    assert (result.ok, result.broken_entry_id, result.kind) == (False, base + 10, BreakKind.INSERTED)


def test_verification_finds_reordered_entries(trail):
    first, second = trail[1], trail[3]
    with attacker() as cursor:
        cursor.execute("UPDATE core_auditevent SET id = %s WHERE id = %s", [-1, first])
        cursor.execute("UPDATE core_auditevent SET id = %s WHERE id = %s", [first, second])
        cursor.execute("UPDATE core_auditevent SET id = %s WHERE id = %s", [second, -1])

    result = audit_chain_verify()

    assert (result.ok, result.broken_entry_id, result.kind) == (False, first, BreakKind.REORDERED)


def test_verification_finds_reordered_links(trail):
    with attacker() as cursor:
        cursor.execute("UPDATE core_auditchainlink SET position = 1000 WHERE position = 2")
        cursor.execute("UPDATE core_auditchainlink SET position = 2 WHERE position = 3")
        cursor.execute("UPDATE core_auditchainlink SET position = 3 WHERE position = 1000")

    result = audit_chain_verify()

    assert (result.ok, result.broken_position, result.kind) == (False, 2, BreakKind.REORDERED)


def test_a_rewritten_chain_differs_from_the_published_head(trail):
    published = audit_chain_head()
    with attacker() as cursor:
        cursor.execute("UPDATE core_auditevent SET comment = 'rewritten' WHERE id = %s", [trail[2]])
        cursor.execute("DELETE FROM core_auditchainlink WHERE position >= 3")
    assert _seal() == len(trail) - 2  # the attacker reseals from the edit on: the chain verifies
    assert audit_chain_verify().ok

    result = audit_chain_verify(published=(published.position, published.hash))

    assert (result.ok, result.kind) == (False, BreakKind.REWRITTEN)


def test_verification_writes_nothing(trail, django_assert_max_num_queries):
    events, links = AuditEvent.objects.count(), AuditChainLink.objects.count()

    with django_assert_max_num_queries(10):
        audit_chain_verify()

    assert (AuditEvent.objects.count(), AuditChainLink.objects.count()) == (events, links)


def test_the_chain_links_are_append_only_in_the_application(trail):
    link = AuditChainLink.objects.first()
    with pytest.raises(PermissionError):
        link.save()
    with pytest.raises(PermissionError):
        AuditChainLink.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditChainLink.objects.update(link_hash="0")


# --- The canonical serialisation -------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)


def _values(changes):
    return {
        "id": 7,
        "at": datetime.datetime(2026, 3, 1, 6, 5, 4, 321, tzinfo=datetime.UTC),
        "actor_id": 3,
        "actor_name": "张三",
        "action": "update",
        "content_type_id": 12,
        "object_id": "42",
        "object_repr": "Customer",
        "changes": changes,
        "comment": "",
        "ip_address": "2001:db8::1",
        "user_agent": "",
        "source": "request",
    }


def _shuffled(value, rng):
    if isinstance(value, dict):
        items = [(k, _shuffled(v, rng)) for k, v in value.items()]
        rng.shuffle(items)
        return dict(items)
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


@given(changes=st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=6), seed=st.integers())
@settings(max_examples=200, deadline=None)
def test_the_canonical_entry_does_not_depend_on_key_order_or_a_json_round_trip(changes, seed):
    reordered = _shuffled(changes, random.Random(seed))
    round_tripped = json.loads(json.dumps(reordered))

    assert canonical_entry(_values(changes)) == canonical_entry(_values(reordered))
    assert canonical_entry(_values(changes)) == canonical_entry(_values(round_tripped))


@given(number=st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_are_spelled_alike_whichever_way_the_database_gives_them_back(number):
    """PostgreSQL's jsonb gives 1e16 back as 10000000000000000 and 100.0 as 100.0 or 100."""
    as_numeric = json.loads(format(__import__("decimal").Decimal(repr(number)), "f"))

    assert audit_chain.canonical_number(number) == audit_chain.canonical_number(as_numeric)


def test_the_canonical_entry_spells_timestamps_in_utc_and_addresses_alike():
    from zoneinfo import ZoneInfo

    shanghai = datetime.datetime(2026, 3, 1, 14, 5, 4, 321, tzinfo=ZoneInfo("Asia/Shanghai"))
    values = _values({})
    local = {**values, "at": shanghai, "ip_address": "2001:0db8:0000:0000:0000:0000:0000:0001"}
    utc = {**values, "at": shanghai.astimezone(datetime.UTC)}

    assert canonical_entry(local) == canonical_entry(utc)
    assert '"at":"2026-03-01T06:05:04.000321+00:00"' in canonical_entry(utc)


def test_the_canonical_form_covers_every_stored_field_of_the_event():
    """A field added to AuditEvent must be added to the canonical form consciously (see its note)."""
    stored = {field.attname for field in AuditEvent._meta.concrete_fields}

    assert stored == set(audit_chain.CANONICAL_FIELDS)


# --- Command, page, schedule ------------------------------------------------------------------------


def test_the_command_prints_the_result_and_succeeds_on_an_intact_chain(trail, capsys):
    call_command("audit_verify")

    assert "ok;" in capsys.readouterr().out


def test_the_command_exits_non_zero_on_a_break(trail):
    with attacker() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [trail[0]])

    with pytest.raises(CommandError, match=f"entry {trail[0]}.*deleted") as raised:
        call_command("audit_verify")
    assert raised.value.returncode == 1


def test_the_command_checks_a_published_head(trail):
    head = audit_chain_head()
    call_command("audit_verify", head=f"{head.position}:{head.hash}")

    with pytest.raises(CommandError, match="rewritten"):
        call_command("audit_verify", head=f"{head.position}:{'0' * 64}")


def test_the_audit_page_shows_the_auditor_how_far_the_chain_is_sealed(trail, auditor_client, staff_user):
    audit_record(actor=staff_user, action=AuditEvent.Action.CREATE, instance=CustomerFactory())
    waiting = AuditEvent.objects.filter(id__gt=trail[-1]).count()
    head = audit_chain_head()

    page = auditor_client.get(reverse("audit:audit_list")).content.decode()

    assert f"Sealed up to entry {head.event_id} at" in page
    assert f"{waiting} entries awaiting the next seal" in page or f"{waiting} entry awaiting the next seal" in page
    assert head.hash in page
    assert reverse("audit:audit_verify") in page


def test_the_verify_page_tells_the_auditor_the_chain_is_intact_or_where_it_breaks(
    trail, auditor_client, django_capture_on_commit_callbacks
):
    # The verification runs in a task (tests/evidence/test_chain_verification.py); the old address
    # leads to its page.
    assert auditor_client.get(reverse("audit:audit_verify")).url == reverse("evidence:chain_verification")
    start = reverse("evidence:chain_verification_start")
    with django_capture_on_commit_callbacks(execute=True):
        auditor_client.post(start, {"start": "1"})
    assert "The hash chain verifies" in auditor_client.get(reverse("audit:audit_verify"), follow=True).content.decode()

    with attacker() as cursor:
        cursor.execute("UPDATE core_auditevent SET comment = 'edited' WHERE id = %s", [trail[1]])
    with django_capture_on_commit_callbacks(execute=True):
        auditor_client.post(start, {"start": "1"})
    page = auditor_client.get(reverse("evidence:chain_verification")).content.decode()

    assert f"broken at entry {trail[1]}" in page and "edited" in page


def test_the_verify_page_is_for_auditors_and_managers_only(trail, manager_client, staff_client, auditor_client):
    url = reverse("evidence:chain_verification")

    assert manager_client.get(url).status_code == 200
    assert auditor_client.get(url).status_code == 200
    assert staff_client.get(url).status_code == 403
    assert staff_client.get(reverse("audit:audit_verify")).status_code == 403
    assert staff_client.post(reverse("evidence:chain_verification_start"), {"start": "1"}).status_code == 403


def test_the_sealer_is_in_the_beat_schedule():
    from csm.celery import app

    entries = [entry["task"] for entry in app.conf.beat_schedule.values()]

    assert "core.tasks.audit_chain_seal_task" in entries


def test_the_seal_task_seals_the_settled_events(db, staff_user):
    from core.tasks import audit_chain_seal_task

    audit_record(actor=staff_user, action=AuditEvent.Action.CREATE, instance=CustomerFactory())
    assert audit_chain_seal_task.delay().get() == 0  # not settled yet
    with attacker() as cursor:  # as if written three minutes ago
        cursor.execute("UPDATE core_auditevent SET at = %s", [trail_time() - datetime.timedelta(minutes=3)])

    assert audit_chain_seal_task.delay().get() == AuditEvent.objects.count()


def test_the_seal_status_reads_in_chinese(trail, auditor_client):
    page = auditor_client.get(reverse("audit:audit_list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert f"已封存至第 {trail[-1]} 条" in page
    assert "校验哈希链" in page


def test_the_fast_row_serialisation_is_the_canonical_entry(trail):
    """The verifier reads rows as tuples; their text must be exactly the sealed canonical form."""
    for event in AuditEvent.objects.all():
        row = AuditEvent.objects.filter(pk=event.pk).values_list(*audit_chain.CANONICAL_FIELDS).get()
        assert audit_chain.canonical_row(row) == canonical_entry(audit_chain.entry_values(event))


def test_a_walk_from_a_checkpoint_finds_an_edit_after_it_and_records_how_far_it_got(trail):
    full = audit_chain_verify()
    assert full.ok and full.verified.event_id == trail[-1] and full.checked == len(trail)
    checkpoint = audit_chain.Checkpoint(
        position=3, hash=AuditChainLink.objects.get(position=3).link_hash, event_id=trail[2]
    )
    assert audit_chain_verify(after=checkpoint).checked == 2
    with attacker() as cursor:
        cursor.execute("UPDATE core_auditevent SET comment = 'changed' WHERE id = %s", [trail[3]])
    result = audit_chain_verify(after=checkpoint)
    assert not result.ok and result.broken_entry_id == trail[3] and result.kind == BreakKind.EDITED
    assert result.verified == checkpoint and result.started_after == checkpoint
