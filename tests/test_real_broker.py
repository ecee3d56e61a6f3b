"""A real Celery worker consumes a real task through Redis and changes the real database.

Runs only with CSM_REAL_BROKER=1 (as in CI's second pass), and then requires PostgreSQL and a Redis
broker: the worker is a separate process, so it must reach the test database over the network (an
in-memory SQLite test database is invisible to it) and the broker must be a server.
"""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from csm.celery import app as celery_app
from customers.models import ImportBatch
from customers.tasks import customer_import_purge_stale_task
from tests.factories import UserFactory

REAL_BROKER = os.environ.get("CSM_REAL_BROKER") == "1"
BASE_DIR = Path(__file__).resolve().parent.parent
WORKER_LOG_DIR = BASE_DIR / "test-artifacts"
# Worker start-up (~3 s here) plus the task itself; generous for a loaded 2-core CI machine.
TASK_DEADLINE_SECONDS = 30

pytestmark = [
    pytest.mark.real_broker,
    # serialized_rollback: the roles come from a data migration that the flush after this test would remove.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not REAL_BROKER,
        reason="needs CSM_REAL_BROKER=1 with PostgreSQL (DATABASE_URL) and Redis (CELERY_BROKER_URL), as .ci/run sets",
    ),
]


def _database_url_of_test_database() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def celery_worker_process():
    """A `celery -A csm worker` subprocess on the suite's own test database, stopped afterwards."""
    if connection.vendor != "postgresql":
        pytest.fail("CSM_REAL_BROKER=1 needs DATABASE_URL pointing at PostgreSQL.", pytrace=False)
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.fail("CSM_REAL_BROKER=1 needs CELERY_BROKER_URL pointing at Redis.", pytrace=False)

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "csm.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": _database_url_of_test_database(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    WORKER_LOG_DIR.mkdir(exist_ok=True)
    log_path = WORKER_LOG_DIR / f"celery-worker-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "csm", "worker",
                "--pool", "solo", "--loglevel", "INFO",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--hostname", f"real-broker-test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield process, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_worker_purges_a_stale_import_through_redis(celery_worker_process, monkeypatch):
    process, log_path = celery_worker_process
    imports_dir = Path(settings.PRIVATE_MEDIA_ROOT) / "imports"
    imports_dir.mkdir(parents=True, exist_ok=True)
    stale_file = imports_dir / f"stale-{uuid.uuid4().hex}.csv"
    stale_file.write_text("code,name\nC1,华东机械\n", encoding="utf-8")
    batch = ImportBatch.objects.create(
        uploaded_by=UserFactory(),
        original_name="customers.csv",
        stored_path=str(stale_file.relative_to(settings.PRIVATE_MEDIA_ROOT)),
        file_format="csv",
        encoding="utf-8",
        status=ImportBatch.Status.PREVIEWED,
    )
    # created_at is set on insert; only an UPDATE can age the row.
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - timedelta(hours=25))

    # The test settings run tasks eagerly; this one must travel through the broker.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    customer_import_purge_stale_task.delay()

    deadline = time.monotonic() + TASK_DEADLINE_SECONDS
    while ImportBatch.objects.filter(pk=batch.pk).exists():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(
                f"The worker did not purge the stale import within {TASK_DEADLINE_SECONDS} s "
                f"(worker exit code {process.poll()}). Worker log:\n{log_path.read_text()[-4000:]}"
            )
        time.sleep(0.3)
    assert not stale_file.exists()


def test_worker_checks_an_uploaded_workbook_under_its_memory_bound(celery_worker_process, monkeypatch):
    """The upload's check runs in the worker (not eager, so with the address-space limit), and a sheet
    whose formatted empty rows claim a million rows is previewed."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from customers.importing import batches
    from tests.customers.importing.uploads import ROWS, xlsx_with_formatted_rows

    process, log_path = celery_worker_process
    manager = UserFactory(role="manager")
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    # Autocommit (a transactional test): the check task is sent as soon as the batch is stored.
    batch = batches.import_batch_preview(
        actor=manager, upload=SimpleUploadedFile("formatted.xlsx", xlsx_with_formatted_rows(ROWS))
    )

    deadline = time.monotonic() + TASK_DEADLINE_SECONDS
    while ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.CHECKING:
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(
                f"The worker did not check the upload within {TASK_DEADLINE_SECONDS} s "
                f"(worker exit code {process.poll()}). Worker log:\n{log_path.read_text()[-4000:]}"
            )
        time.sleep(0.3)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.failure
    assert (batch.row_count, batch.created_count) == (2, 2)
