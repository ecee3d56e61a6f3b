"""Celery tasks of the shared kernel: thin wrappers that take ids and call one service."""

from celery import shared_task
from django.conf import settings

from .mail import delivery_time_limits

# The services are imported inside the tasks: core.mail imports this module to enqueue.
_SOFT, _HARD = delivery_time_limits()


# Not Celery's autoretry: a retry with a countdown lives in the broker, and Redis redelivers a task
# delayed past its visibility timeout. The outbox row keeps the due time; the sweeper enqueues it.
@shared_task(soft_time_limit=_SOFT, time_limit=_HARD, rate_limit=settings.MAIL_DELIVERY_RATE_LIMIT)
def mail_deliver_task(message_id: int) -> bool:
    """Deliver one outbox message; idempotent by state (a second run sends nothing)."""
    from .mail import mail_deliver

    return mail_deliver(message_id=message_id)


@shared_task
def mail_outbox_sweep_task() -> int:
    """Periodic: enqueue pending mail that is due again (csm/celery.py beat schedule)."""
    from .mail import mail_outbox_sweep

    return mail_outbox_sweep()


@shared_task
def audit_chain_seal_task() -> int:
    """Seal the audit events that have settled. One sealer at a time (the service's lock), so an
    overlapping or repeated run seals nothing twice."""
    from .audit_chain import audit_chain_seal

    return audit_chain_seal()
