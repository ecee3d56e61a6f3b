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


@shared_task
def visits_schedule_plan_task(plan_id: int) -> int:
    """Right after a plan is saved. Idempotent like the hourly run; a deleted plan is a no-op."""
    from .models import VisitPlan
    from .services import visits_schedule_plan

    plan = VisitPlan.objects.select_related("segment", "team").filter(pk=plan_id).first()
    return visits_schedule_plan(plan=plan) if plan else 0
