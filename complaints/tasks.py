"""Periodic complaint jobs. Thin: each calls one service, which is idempotent by state and constraints."""

from celery import shared_task

from . import services


@shared_task
def complaint_escalations_run_task() -> int:
    return services.complaint_escalations_run()


@shared_task
def complaint_close_unanswered_task() -> int:
    return services.complaint_close_unanswered()
