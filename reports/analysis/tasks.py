"""Celery tasks of the analysis report: thin, each calls one idempotent service."""

from celery import shared_task


@shared_task(acks_late=True, name="reports.analysis_report_build_task")
def analysis_report_build_task(report_id: int) -> str:
    """Build one queued report (a redelivered task finds it done and does nothing)."""
    from .services import analysis_report_build

    return analysis_report_build(report_id=report_id).status


@shared_task(name="reports.analysis_reports_schedule_run_task")
def analysis_reports_schedule_run_task() -> int:
    """Periodic (csm/celery.py): each active schedule's report of the last full period, once; and the
    e-mails of done reports a stopped worker did not send, and builds a stopped worker left
    unfinished. Returns the reports created."""
    from .services import analysis_reports_due, analysis_reports_mail_pending, analysis_reports_requeue_stale

    created = analysis_reports_due()
    analysis_reports_requeue_stale()
    analysis_reports_mail_pending()
    return len(created)


@shared_task(name="reports.analysis_reports_recover_task")
def analysis_reports_recover_task() -> int:
    """Periodic, every minute (csm/celery.py): builds a killed worker left running or a lost task left
    queued are queued again, and done scheduled reports whose e-mails were never recorded are mailed.
    Nothing to recover: two queries. Returns the reports queued again."""
    from .services import analysis_reports_mail_pending, analysis_reports_requeue_stale

    requeued = analysis_reports_requeue_stale()
    analysis_reports_mail_pending()
    return requeued
