"""Celery tasks of the customer master: thin wrappers that take ids and call one service."""

from celery import shared_task

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
