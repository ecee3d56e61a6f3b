"""Celery tasks for visits: thin wrappers over one service each. Every service is idempotent by
state (unique constraints, conditional updates), so a task delivered twice, or two beats, do no harm."""

from celery import shared_task


@shared_task
def visits_schedule_due_task() -> int:
    from .services import visits_schedule_due

    return visits_schedule_due()


@shared_task
def visits_send_reminders_task() -> int:
    from .services import visits_send_reminders

    return visits_send_reminders()


@shared_task
def visits_escalate_overdue_task() -> int:
    from .services import visits_escalate_overdue

    return visits_escalate_overdue()
