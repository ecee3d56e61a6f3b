"""Periodic complaint jobs. Thin: each calls one service, which is idempotent by state and constraints."""

from celery import shared_task

from . import services


@shared_task
def complaint_escalations_run_task() -> int:
    return services.complaint_escalations_run()


@shared_task
def complaint_close_unanswered_task() -> int:
    return services.complaint_close_unanswered()


@shared_task
def corrective_action_checks_remind_task() -> int:
    return services.corrective_action_checks_remind()
