"""Drill: the worker killed with SIGKILL while the scheduled monthly analysis report is generated.

A monthly report schedule with three recipients is made and its daily job
(reports.analysis_reports_schedule_run_task, beat at 06:10) enqueued: it creates last month's report
and queues its build. While the build is running, the worker and its pool processes are killed at
once and started again (twice in the long mode, the second time in the rebuilt run). The build's
task is not given back by Redis for an hour, so what finishes the report is the every-minute
recovery job (reports.analysis_reports_recover_task): a report running with no progress for
ANALYSIS_REPORT_STALE_AFTER_SECONDS (drills/settings.py: 15 s) is queued again. Afterwards exactly
one report of the period exists, done, with its files; each recipient got its e-mail once; and no
report is left queued or running.
"""

from __future__ import annotations

import time
from collections import Counter

from . import mail_check
from .figures import Figures
from .stack import Stack, wait_until


def run(stack: Stack, *, short: bool) -> Figures:
    from django.utils import timezone

    from core.models import OutboxMessage
    from reports.analysis.periods import last_full_period
    from reports.analysis.services import report_file_path
    from reports.analysis.tasks import analysis_reports_schedule_run_task
    from reports.models import AnalysisReport, PeriodKind, ReportSchedule, ScheduledReport

    from . import seed

    figures = Figures("report-kill")
    recipients = [f"{name}@report.{seed.DOMAIN}" for name in ("quality", "gm", "sales")]
    schedule = ReportSchedule.objects.create(
        name="Drill monthly", period_kind=PeriodKind.MONTH, language="en", recipients=", ".join(recipients)
    )
    period = last_full_period(PeriodKind.MONTH, timezone.localdate())
    reports = AnalysisReport.objects.filter(schedule=schedule)

    def status() -> tuple[str, int, object]:
        row = reports.values_list("status", "progress", "started_at").first()
        return row if row else ("", 0, None)

    def part_way(killed_runs: list) -> bool:
        """Done, or a build (one not killed yet: its own start) with a few sections made."""
        state, progress, run_started = status()
        return state == "done" or (state == "running" and progress >= 20 and run_started not in killed_runs)

    started = time.monotonic()
    analysis_reports_schedule_run_task.delay()  # beat's 06:10 run
    killed_at: list[str] = []
    killed_runs: list = []
    missed = 0
    for _kill in range(1 if short else 2):
        # Mid-build: a few sections done (a build takes about three seconds on the drill's data). The
        # second kill is in the run the recovery job queued again (a new claim, a new started_at).
        wait_until(lambda: part_way(killed_runs), timeout=240, interval=0.02, what="a build part-way")
        if status()[0] != "running":
            missed += 1
            killed_at.append(f"missed: the build was {status()[0]} already")
            break
        stack.worker_kill()
        state, progress, run_started = status()
        killed_runs.append(run_started)
        killed_at.append(f"{state} at {progress} %")
        time.sleep(3)
        stack.worker_start()
    wait_until(lambda: status()[0] == "done", timeout=240, interval=0.5, what="the report done")
    built = time.monotonic() - started

    report = reports.get() if reports.count() == 1 else reports.first()
    reference = f"analysis-report-{report.pk}"
    rows = OutboxMessage.objects.filter(
        template="reports/analysis_report_ready", reference__startswith="analysis-report-"
    )
    rows = rows.filter(reference__in=[f"analysis-report-{pk}" for pk in reports.values_list("pk", flat=True)])
    expected = Counter({(reference, address): 1 for address in recipients})
    waited = mail_check.wait_causes_delivered(stack, rows=rows, expected=len(recipients), timeout=240)
    mail = mail_check.account_causes(stack, rows=rows, expected=expected)

    of_period = AnalysisReport.objects.filter(period_start=period.since, period_end=period.until, scope_key="")
    stuck = AnalysisReport.objects.filter(status__in=(AnalysisReport.Status.QUEUED, AnalysisReport.Status.RUNNING))
    report.refresh_from_db()
    files = report_file_path(report, "pdf") is not None and report_file_path(report, "xlsx") is not None

    figures.tried = 1 + mail["expected"]
    figures.lost = (0 if report.status == AnalysisReport.Status.DONE and files else 1) + mail["lost"]
    figures.duplicated = max(0, of_period.count() - 1) + mail["duplicated"]
    figures.details.update(
        {
            "period": f"{report.period_label} ({report.language})",
            "SIGKILLs (at)": killed_at,
            "reports of the period (schedule runs)": f"{of_period.count()} ({ScheduledReport.objects.filter(schedule=schedule).count()})",
            "report status, version, files": f"{report.status}, v{report.version}, {'both' if files else 'missing'}",
            "done after": f"{built:.0f} s",
            "e-mails expected, lost, duplicated": f"{mail['expected']}, {mail['lost']}, {mail['duplicated']}",
            "messages received by the SMTP sink": mail["received"],
            "re-sent after a kill (the same Message-ID again)": mail["resent"],
            "outbox rows (beyond those expected, not sent)": (
                f"{mail['rows']} ({mail['rows beyond those expected']}, {mail['rows not sent']})"
            ),
            "waited for delivery": f"{waited:.0f} s",
            "reports left queued or running": stuck.count(),
        }
    )
    if missed:
        figures.problems.append("the build finished before the worker could be killed: nothing was tested")
    if stuck.exists():
        figures.problems.append(f"{stuck.count()} report(s) left queued or running")
    if mail["rows beyond those expected"] or mail["rows not sent"]:
        figures.problems.append("outbox rows beyond one per recipient, or not sent")
    return figures
