"""Celery tasks of the kernel: thin wrappers that call one service."""

from celery import shared_task


@shared_task
def audit_chain_seal_task() -> int:
    """Seal the audit events that have settled. One sealer at a time (the service's lock), so an
    overlapping or repeated run seals nothing twice."""
    from .audit_chain import audit_chain_seal

    return audit_chain_seal()
