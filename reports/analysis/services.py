"""Requesting, building, concluding and scheduling analysis reports. Every write goes through here."""

from __future__ import annotations

import datetime
import hashlib
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.access import require
from core.audit import audit_record, diff, snapshot
from core.exceptions import ApplicationError
from core.links import site_url
from core.mail import mail_send
from customers.models import Segment
from reports.figures import FigureScope, Period
from reports.models import AnalysisReport, ReportLanguage, ReportSchedule, ScheduledReport

from .content import ReportContext, report_sections, scope_label
from .pdf import report_pdf
from .periods import last_full_period, period_label
from .xlsx import report_xlsx

logger = logging.getLogger(__name__)

ADD = "reports.add_analysisreport"
CHANGE = "reports.change_analysisreport"
SCHEDULE_ADD = "reports.add_reportschedule"
SCHEDULE_CHANGE = "reports.change_reportschedule"
SCHEDULE_FIELDS = ("name", "period_kind", "segment", "language", "recipients", "is_active")
REPORTS_DIR = "analysis-reports"


def _require(actor, perm: str, message: str) -> None:
    require(actor, perm, message)


def _scope_key(segment: Segment | None) -> str:
    return str(segment.pk) if segment is not None else ""


# -- requesting ---------------------------------------------------------------------------------------


def analysis_report_request(
    *,
    actor,
    period: Period,
    kind: str,
    scope: Segment | None,
    language: str,
    schedule: ReportSchedule | None = None,
) -> AnalysisReport:
    """A new version of the report for the period, scope and language, queued for the build task after
    commit. The latest version's conclusions are carried into it. `actor` None: the schedule."""
    if actor is not None:
        _require(actor, ADD, _("You are not allowed to generate analysis reports."))
    if language not in ReportLanguage.values:
        raise ApplicationError(_("Unknown report language."))
    key = {"period_start": period.since, "period_end": period.until, "scope_key": _scope_key(scope)}
    for _attempt in range(3):
        try:
            with transaction.atomic():
                latest = AnalysisReport.objects.filter(**key, language=language).order_by("-version").first()
                report = AnalysisReport.objects.create(
                    **key,
                    period_label=period_label(kind, period),
                    segment=scope,
                    language=language,
                    version=(latest.version + 1) if latest else 1,
                    conclusions=latest.conclusions if latest else "",
                    schedule=schedule,
                    generated_by=actor if actor is not None and actor.is_authenticated else None,
                    step=gettext_noop("Waiting for a worker"),
                )
            break
        except IntegrityError:  # another request took this version number: take the next
            continue
    else:
        raise ApplicationError(_("The report could not be queued; try again."))
    audit_record(actor=actor, action="create", instance=report, changes={"version": [None, report.version]})
    transaction.on_commit(lambda: _enqueue(report.pk))
    return report


def _enqueue(report_id: int) -> None:
    from .tasks import analysis_report_build_task

    analysis_report_build_task.delay(report_id)


# -- building -----------------------------------------------------------------------------------------


def _progress(report: AnalysisReport, percent: int, step: str) -> None:
    AnalysisReport.objects.filter(pk=report.pk).update(progress=percent, step=step[:200], updated_at=timezone.now())


def report_scope(report: AnalysisReport) -> FigureScope:
    return FigureScope.of_segment(report.segment) if report.segment_id else FigureScope.everyone()


def analysis_report_files(*, report: AnalysisReport, progress=None) -> tuple[bytes, bytes]:
    """(PDF, XLSX) of the report, in its language. Synchronous; the command uses it directly."""
    with translation.override(report.language):
        context = ReportContext(
            report=report,
            period=Period(report.period_start, report.period_end),
            scope=report_scope(report),
            today=timezone.localdate(),
        )
        sections = report_sections(context, progress)
        title = f"{sections[0].title} {report.period_label}"
        footer = f"{sections[0].title} · {report.period_label} · {scope_label(report)} · v{report.version}"
        pdf = report_pdf(sections=sections, title=title, footer_text=footer, language=report.language)
        xlsx = report_xlsx(sections=sections)
    return pdf, xlsx


def _file_stem(report: AnalysisReport) -> str:
    scope = f"segment-{report.segment_id}" if report.segment_id else "all"
    return f"{report.period_label}-{scope}-{report.language}-v{report.version}-{report.pk}"


def analysis_report_build(*, report_id: int) -> AnalysisReport:
    """Build a queued report: sections with progress, then the files under PRIVATE_MEDIA_ROOT. A
    report already done (a redelivered task) is left alone; a failure is recorded on the report."""
    claimed = AnalysisReport.objects.filter(
        pk=report_id, status__in=(AnalysisReport.Status.QUEUED, AnalysisReport.Status.FAILED)
    ).update(
        status=AnalysisReport.Status.RUNNING,
        started_at=timezone.now(),
        updated_at=timezone.now(),
        progress=1,
        error="",
    )
    report = AnalysisReport.objects.select_related("segment", "schedule").get(pk=report_id)
    if not claimed:
        return report
    try:
        pdf, xlsx = analysis_report_files(report=report, progress=lambda p, s: _progress(report, p, s))
        folder = Path(settings.PRIVATE_MEDIA_ROOT) / REPORTS_DIR
        folder.mkdir(parents=True, exist_ok=True)
        stem = _file_stem(report)
        (folder / f"{stem}.pdf").write_bytes(pdf)
        (folder / f"{stem}.xlsx").write_bytes(xlsx)
    except Exception as error:  # recorded for the page, then logged
        logger.exception("analysis report %s failed", report_id)
        AnalysisReport.objects.filter(pk=report_id).update(
            status=AnalysisReport.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
            step=gettext_noop("Generation failed"),
        )
        report.refresh_from_db()
        return report
    AnalysisReport.objects.filter(pk=report_id).update(
        status=AnalysisReport.Status.DONE,
        progress=100,
        step=gettext_noop("Done"),
        pdf_path=f"{REPORTS_DIR}/{stem}.pdf",
        xlsx_path=f"{REPORTS_DIR}/{stem}.xlsx",
        sha256=hashlib.sha256(pdf).hexdigest(),
        finished_at=timezone.now(),
    )
    report.refresh_from_db()
    analysis_report_mail(report=report)
    return report


def report_file_path(report: AnalysisReport, file_format: str) -> Path | None:
    relative = report.pdf_path if file_format == "pdf" else report.xlsx_path
    if not relative or report.status != AnalysisReport.Status.DONE:
        return None
    root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


# -- conclusions --------------------------------------------------------------------------------------


def analysis_report_conclusions_update(*, actor, report: AnalysisReport, conclusions: str) -> AnalysisReport:
    """The manager's conclusions and actions, kept with this version and carried into the next one.
    The PDF prints them when the report is generated again."""
    _require(actor, CHANGE, _("You are not allowed to edit the conclusions of analysis reports."))
    before = snapshot(report, ["conclusions"])
    report.conclusions = conclusions.strip()
    report.save(update_fields=["conclusions", "updated_at"])
    audit_record(actor=actor, action="update", instance=report, changes=diff(before, snapshot(report, ["conclusions"])))
    return report


# -- e-mail -------------------------------------------------------------------------------------------


def analysis_report_mail(*, report: AnalysisReport) -> int:
    """E-mail a scheduled report's recipients once, when it is done. Returns the messages recorded."""
    schedule = report.schedule
    if schedule is None or report.status != AnalysisReport.Status.DONE:
        return 0
    with transaction.atomic():
        claimed = AnalysisReport.objects.filter(pk=report.pk, mailed_at__isnull=True).update(mailed_at=timezone.now())
        if not claimed:
            return 0
        link = site_url(reverse("reports:analysis_detail", args=[report.pk]))
        context = {"report": report, "link": link, "schedule": schedule, "scope": _scope_text(report)}
        recipients = schedule.recipient_list
        for address in recipients:
            mail_send(
                to=address,
                template="reports/analysis_report_ready",
                context=context,
                language=report.language,
                reference=f"analysis-report-{report.pk}",
            )
    return len(recipients)


def _scope_text(report: AnalysisReport) -> str:
    with translation.override(report.language):
        return str(scope_label(report))


# -- schedules ----------------------------------------------------------------------------------------


def _schedule_clean(schedule: ReportSchedule) -> None:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    for address in schedule.recipient_list:
        try:
            validate_email(address)
        except ValidationError as error:
            raise ApplicationError(_("Not an e-mail address: %(address)s") % {"address": address}) from error
    schedule.full_clean()


def report_schedule_create(*, actor, data: dict[str, Any]) -> ReportSchedule:
    _require(actor, SCHEDULE_ADD, _("You are not allowed to change report schedules."))
    schedule = ReportSchedule(**{name: data[name] for name in SCHEDULE_FIELDS if name in data})
    _schedule_clean(schedule)
    schedule.save()
    audit_record(actor=actor, action="create", instance=schedule, changes=diff({}, snapshot(schedule, SCHEDULE_FIELDS)))
    return schedule


def report_schedule_update(*, actor, schedule: ReportSchedule, data: dict[str, Any]) -> ReportSchedule:
    _require(actor, SCHEDULE_CHANGE, _("You are not allowed to change report schedules."))
    before = snapshot(schedule, SCHEDULE_FIELDS)
    for name in SCHEDULE_FIELDS:
        if name in data:
            setattr(schedule, name, data[name])
    _schedule_clean(schedule)
    schedule.save()
    audit_record(
        actor=actor, action="update", instance=schedule, changes=diff(before, snapshot(schedule, SCHEDULE_FIELDS))
    )
    return schedule


def analysis_reports_due(*, today: datetime.date | None = None) -> list[AnalysisReport]:
    """For each active schedule, the report of the last full period, created once: the unique
    (schedule, period) row makes a second run, a second beat or a restarted worker create nothing."""
    today = today or timezone.localdate()
    created = []
    for schedule in ReportSchedule.objects.filter(is_active=True).select_related("segment"):
        period = last_full_period(schedule.period_kind, today)
        if ScheduledReport.objects.filter(schedule=schedule, period_start=period.since).exists():
            continue
        try:
            with transaction.atomic():
                report = analysis_report_request(
                    actor=None,
                    period=period,
                    kind=schedule.period_kind,
                    scope=schedule.segment,
                    language=schedule.language,
                    schedule=schedule,
                )
                ScheduledReport.objects.create(schedule=schedule, period_start=period.since, report=report)
        except IntegrityError:  # a concurrent run made it first
            continue
        created.append(report)
    return created


def analysis_reports_requeue_stale(*, now: datetime.datetime | None = None) -> int:
    """Queue again the reports whose worker stopped mid-build (killed, lost with its machine) or whose
    task was lost (broker down at commit): running or queued with no sign of life (progress, the claim,
    the request or the last requeue) for ANALYSIS_REPORT_STALE_AFTER_SECONDS. A build reports progress
    after every section, so a slow build is not taken for a dead one. The build claims a queued report
    with a conditional UPDATE, so a late original task and the new one build it once. Runs every
    minute (csm/celery.py): a killed build is finished minutes later, not the next morning."""
    now = now or timezone.now()
    silent_since = now - datetime.timedelta(seconds=settings.ANALYSIS_REPORT_STALE_AFTER_SECONDS)
    stale = AnalysisReport.objects.filter(
        status__in=(AnalysisReport.Status.RUNNING, AnalysisReport.Status.QUEUED), updated_at__lt=silent_since
    )
    ids = list(stale.values_list("pk", flat=True))
    # updated_at: not queued again by the next sweep unless still silent a full interval later.
    AnalysisReport.objects.filter(pk__in=ids).update(
        status=AnalysisReport.Status.QUEUED, step=gettext_noop("Waiting for a worker"), updated_at=now
    )
    for report_id in ids:
        transaction.on_commit(lambda report_id=report_id: _enqueue(report_id))
    return len(ids)


def analysis_reports_mail_pending() -> int:
    """Scheduled reports that are done but not mailed yet (a worker stopped between the two)."""
    pending = AnalysisReport.objects.filter(
        ~Q(schedule=None), status=AnalysisReport.Status.DONE, mailed_at__isnull=True
    ).select_related("schedule")
    return sum(analysis_report_mail(report=report) for report in pending)


__all__ = [
    "analysis_report_build",
    "analysis_report_conclusions_update",
    "analysis_report_files",
    "analysis_report_mail",
    "analysis_report_request",
    "analysis_reports_due",
    "analysis_reports_mail_pending",
    "analysis_reports_requeue_stale",
    "report_file_path",
    "report_schedule_create",
    "report_schedule_update",
]
