"""Celery tasks of the evidence app: thin wrappers that take ids and call one service."""

from celery import shared_task

# The service is imported inside the task: evidence.services imports this module to enqueue.


@shared_task
def evidence_pack_build_task(pack_id: int) -> str:
    """Build a requested evidence pack. Idempotent by state (only a queued pack is built); a failure is
    recorded on the pack by the service, so there is nothing to retry."""
    from .services import evidence_pack_build

    return evidence_pack_build(pack_id=pack_id).status


@shared_task
def chain_verification_run_task(verification_id: int) -> str:
    """Verify the audit trail's hash chain for a request from the page. Idempotent by state (only a
    queued verification runs); a failure is recorded on it by the service."""
    from .services import chain_verification_run

    return chain_verification_run(verification_id=verification_id).status


@shared_task
def chain_verification_nightly_task() -> str:
    """Verify the whole audit chain once a night (beat), so evidence packs start from a recent
    checkpoint. Skipped while another verification runs."""
    from .services import chain_verification_scheduled

    verification = chain_verification_scheduled()
    return verification.status if verification is not None else "skipped"
