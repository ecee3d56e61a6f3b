"""The Celery app and the one visible schedule of periodic jobs."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csm.settings.local")

app = Celery("csm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


app.conf.beat_schedule = {
    # Every minute: e-mail that is still pending is enqueued again (core.mail.mail_outbox_sweep):
    # messages whose delivery task was lost because the broker was down at commit, messages due
    # for a retry after the relay failed (backoff kept in the row, never a long countdown), and
    # deliveries a killed worker never finished. A lost message waits a minute or two.
    "mail-outbox-sweep": {
        "task": "core.tasks.mail_outbox_sweep_task",
        "schedule": crontab(),
    },
    # Hourly: uploaded import files that were never committed are deleted after a day, so
    # customer data does not linger on disk (privacy) and the folder does not grow forever.
    "customer-import-purge-stale": {
        "task": "customers.tasks.customer_import_purge_stale_task",
        "schedule": crontab(minute=17),
    },
    # Daily at 10:00 (local): remind survey non-responders. Each campaign sets how many reminders
    # and how many days apart; the service sends only to open, unanswered, consenting invitations.
    "survey-reminders-send": {
        "task": "surveys.tasks.invitation_reminders_send_task",
        "schedule": crontab(minute=0, hour=10),
    },
    # Hourly: create the visits that plans ask for (the current cycle and those starting within
    # each plan's horizon). Hourly, not daily, because cycles start at midnight in each plan's own
    # time zone; a run with nothing to create costs a few queries per plan.
    "visits-schedule-due": {
        "task": "visits.tasks.visits_schedule_due_task",
        "schedule": crontab(minute=7),
    },
    # Daily at 16:00 (local): remind assignees of tomorrow's visits, once per visit.
    "visits-send-reminders": {
        "task": "visits.tasks.visits_send_reminders_task",
        "schedule": crontab(minute=0, hour=16),
    },
    # Daily at 08:30 (local): tell managers about visits more than two days overdue, once per visit.
    "visits-escalate-overdue": {
        "task": "visits.tasks.visits_escalate_overdue_task",
        "schedule": crontab(minute=30, hour=8),
    },
    # Every 5 minutes: warn assignees before a complaint's deadline and escalate overdue ones to the
    # department manager and (critical) senior management. Exactly once per rule and cycle (unique
    # Escalation row), so overlapping runs or a catch-up after downtime do no harm.
    "complaint-escalations-run": {
        "task": "complaints.tasks.complaint_escalations_run_task",
        "schedule": crontab(minute="*/5"),
    },
    # Daily at 02:40: resolved complaints whose customer never answered are closed (ISO 10002 8.x).
    "complaint-close-unanswered": {
        "task": "complaints.tasks.complaint_close_unanswered_task",
        "schedule": crontab(hour=2, minute=40),
    },
    # Daily at 09:10 (local): remind the owner of each corrective action whose effectiveness check
    # is due (30/60/90 days after it was done, chosen per action) and not recorded; once per action.
    "corrective-action-checks-remind": {
        "task": "complaints.tasks.corrective_action_checks_remind_task",
        "schedule": crontab(minute=10, hour=9),
    },
    # Every 5 minutes: close the survey campaigns whose end date has passed (their personal and
    # open links already refuse answers from that second; closing makes the state say so). A run
    # with nothing due is one query; a closed campaign is never closed twice.
    "survey-campaigns-close-due": {
        "task": "surveys.tasks.campaigns_close_due_task",
        "schedule": crontab(minute="*/5"),
    },
    # Every minute: a campaign left SENDING without progress (its sending task was lost with a
    # killed worker; Redis gives an unacknowledged task back only after an hour) is enqueued again
    # after SURVEY_SEND_RESUME_AFTER_SECONDS. Each invitation is handed over once, so a resumed
    # sending that overlaps a slow one sends nothing twice. Nothing stalled: one query.
    "survey-campaigns-sending-resume": {
        "task": "surveys.tasks.campaigns_sending_resume_task",
        "schedule": crontab(),
    },
    # Every 15 minutes: event campaigns invite customers after each follow-up visit or closed
    # complaint (once per event, respecting opt-outs and a one-week quiet period).
    "survey-event-invitations-send": {
        "task": "surveys.tasks.event_invitations_send_task",
        "schedule": crontab(minute="*/15"),
    },
    # Every minute: seal the audit events older than two minutes into the hash chain (tamper
    # evidence, core.audit_chain). Batched here, not in the request, so the survey answer path stays
    # a plain INSERT; the audit page shows how far the chain is sealed. A run with nothing to seal
    # is two queries; overlapping runs are harmless (one sealer at a time).
    "audit-chain-seal": {
        "task": "core.tasks.audit_chain_seal_task",
        "schedule": crontab(),
    },
    # Daily at 03:20 (local): verify the whole audit chain from its first link (evidence app), as an
    # auditor can from the page. Each evidence pack then walks only the links sealed after this
    # checkpoint instead of the whole trail. Skipped while another verification is running.
    "audit-chain-verify-nightly": {
        "task": "evidence.tasks.chain_verification_nightly_task",
        "schedule": crontab(minute=20, hour=3),
    },
    # Every 5 minutes: move the daily survey facts (reports) up to five minutes ago, so the
    # dashboard and objectives read a few hundred fact rows instead of every answer, at most ~7
    # minutes stale. A run recomputes only the days that changed since its watermark; overlapping
    # runs or a catch-up after downtime write the same rows.
    "reports-facts-fill": {
        "task": "reports.tasks.facts_fill_task",
        "schedule": crontab(minute="*/5"),
    },
    # Daily at 00:45 (local), after the fill has taken in the last answers of the day before: the
    # quality objectives' results, final for a period that just ended, provisional (met / at risk)
    # for the open one. One row per objective and period, so a rerun changes nothing.
    "reports-objective-results-compute": {
        "task": "reports.tasks.objective_results_compute_recent_task",
        "schedule": crontab(minute=45, hour=0),
    },
    # Daily at 06:10 (local), after the objectives' results of the night: each active report
    # schedule's analysis report of the last full month, quarter or year, created once per schedule
    # and period (unique row), then e-mailed to its recipients when built. Daily rather than on the
    # 1st so a day the workers were down is caught up the next morning; a run with nothing due is
    # one query per schedule.
    "reports-analysis-reports-schedule-run": {
        "task": "reports.analysis_reports_schedule_run_task",
        "schedule": crontab(minute=10, hour=6),
    },
    # Every minute: an analysis report whose build a killed worker left "running" (or whose task was
    # lost, left "queued") with no progress for ANALYSIS_REPORT_STALE_AFTER_SECONDS is queued again,
    # and a done scheduled report whose e-mails were never recorded is mailed (once: mailed_at).
    # Without it such a report waited for the next morning's run above. Nothing stalled: two queries.
    "reports-analysis-reports-recover": {
        "task": "reports.analysis_reports_recover_task",
        "schedule": crontab(),
    },
}
