"""Periodic jobs of reports: thin, each calls one idempotent service."""

from celery import shared_task


@shared_task(acks_late=True)
def facts_fill_task() -> int:
    """Periodic: bring the daily survey facts up to date (csm/celery.py beat schedule). Returns the
    number of fact rows written."""
    from .services import facts_fill

    return facts_fill().rows


@shared_task
def objective_results_compute_recent_task() -> int:
    """Periodic: results of quality objectives for yesterday's and today's periods (beat schedule)."""
    from .services import objective_results_compute_recent

    return objective_results_compute_recent()


from .analysis import tasks as analysis_tasks  # noqa: E402, F401  (registers the analysis report tasks)
