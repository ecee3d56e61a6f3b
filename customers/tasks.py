"""Celery tasks of the customer master: thin wrappers that take ids and call one service."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from .importing.limits import address_space_limited

logger = logging.getLogger(__name__)

# The services are imported inside the tasks: customers.importing.batches imports this module to
# enqueue.


@shared_task
def customer_import_purge_stale_task() -> int:
    from .importing.batches import import_batches_purge_stale

    return import_batches_purge_stale()


@shared_task
def customer_import_commit_task(batch_id: int) -> None:
    """Import a confirmed batch. Idempotent by state: the service does nothing unless the batch is
    still QUEUED, so a task delivered twice imports once. Not retried: a failure is recorded on the
    batch (FAILED, with its message), and the same file would fail the same way again."""
    from .importing.batches import import_batch_commit

    import_batch_commit(batch_id=batch_id)


@shared_task(
    bind=True,
    soft_time_limit=settings.CUSTOMER_IMPORT_CHECK_SOFT_SECONDS,
    time_limit=settings.CUSTOMER_IMPORT_CHECK_HARD_SECONDS,
)
def customer_import_check_task(self, batch_id: int) -> None:
    """Read, validate and compare an uploaded file (PREVIEWED or INVALID), within a time limit and,
    in a worker, a memory limit; a check that exceeds one is recorded as INVALID with a message.
    Idempotent by state (only a CHECKING batch is checked). Not retried: the same file would fail
    the same way. Past the hard limit the worker is killed; the hourly purge then fails the batch."""
    from .importing import batches

    try:
        # Not in an eager task: the limit would bind the whole test process, not one worker child.
        with address_space_limited(settings.CUSTOMER_IMPORT_CHECK_MEMORY_BYTES, enabled=not self.request.is_eager):
            batches.import_batch_check(batch_id=batch_id)
    except SoftTimeLimitExceeded:
        batches.import_batch_check_fail(batch_id=batch_id, message=batches.check_overdue_message)
    except MemoryError:
        batches.import_batch_check_fail(batch_id=batch_id, message=batches.check_out_of_memory_message)
    except Exception:
        # A fault of ours, not of the file: logged with its traceback, and the uploader is told.
        logger.exception("customer import check %s failed", batch_id)
        batches.import_batch_check_fail(batch_id=batch_id, message=batches.check_failed_message)
        if self.request.is_eager:
            raise
