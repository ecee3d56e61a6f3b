"""Pages of the analysis report: history with a generate form and progress, a report with its
conclusions and downloads (from private storage, permission checked), and the report schedules."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.access import can, permission
from core.exceptions import ApplicationError
from reports.models import AnalysisReport, ReportSchedule

from . import services
from .forms import ConclusionsForm, GenerateForm, ScheduleForm

VIEW = "reports.view_analysisreport"
ADD = "reports.add_analysisreport"
CHANGE = "reports.change_analysisreport"
SCHEDULE_VIEW = "reports.view_reportschedule"
SCHEDULE_CHANGE = "reports.change_reportschedule"
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@permission(VIEW, ADD)
def analysis_report_list_view(request):
    form = GenerateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.analysis_report_request(
                actor=request.user,
                period=form.period_value,
                kind=form.kind,
                scope=form.cleaned_data["segment"],
                language=form.cleaned_data["language"],
            )
        except ApplicationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The report is being generated."))
            return redirect("reports:analysis_detail", report.pk)
    reports = AnalysisReport.objects.select_related("segment", "generated_by", "schedule")[:200]
    return render(
        request,
        "reports/analysis/list.html",
        {"reports": reports, "form": form, "can_generate": can(request.user, ADD)},
    )


@permission(VIEW, CHANGE)
def analysis_report_detail_view(request, pk: int):
    report = get_object_or_404(AnalysisReport.objects.select_related("segment", "generated_by", "schedule"), pk=pk)
    form = ConclusionsForm(request.POST or None, initial={"conclusions": report.conclusions})
    if request.method == "POST" and form.is_valid():
        try:
            services.analysis_report_conclusions_update(
                actor=request.user, report=report, conclusions=form.cleaned_data["conclusions"]
            )
        except ApplicationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Conclusions saved. Generate the report again to print them in a new version."))
            return redirect("reports:analysis_detail", report.pk)
    versions = AnalysisReport.objects.filter(
        period_start=report.period_start,
        period_end=report.period_end,
        scope_key=report.scope_key,
        language=report.language,
    ).order_by("-version")
    return render(
        request,
        "reports/analysis/detail.html",
        {
            "report": report,
            "form": form,
            "versions": versions,
            "can_change": can(request.user, CHANGE),
            "can_generate": can(request.user, ADD),
        },
    )


@permission(VIEW)
def analysis_report_progress_view(request, pk: int):
    """The progress fragment a queued or running report polls (htmx, every 2 s); stops when done."""
    report = get_object_or_404(AnalysisReport, pk=pk)
    return render(request, "reports/analysis/_progress.html", {"report": report})


@permission(VIEW)
def analysis_report_download_view(request, pk: int, file_format: str):
    if file_format not in CONTENT_TYPES:
        raise Http404
    report = get_object_or_404(AnalysisReport, pk=pk)
    path = services.report_file_path(report, file_format)
    if path is None:
        raise Http404
    filename = f"analysis-report-{report.period_label}-v{report.version}-{report.language}.{file_format}"
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename, content_type=CONTENT_TYPES[file_format])


@permission(SCHEDULE_VIEW)
def report_schedule_list_view(request):
    schedules = ReportSchedule.objects.select_related("segment")
    return render(
        request,
        "reports/analysis/schedules.html",
        {"schedules": schedules, "can_change": can(request.user, SCHEDULE_CHANGE)},
    )


def _schedule_form(request, schedule: ReportSchedule | None):
    form = ScheduleForm(request.POST or None, instance=schedule)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if schedule is None:
                services.report_schedule_create(actor=request.user, data=data)
            else:
                services.report_schedule_update(actor=request.user, schedule=schedule, data=data)
        except ApplicationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Report schedule saved."))
            return redirect("reports:analysis_schedule_list")
    title = _("New report schedule") if schedule is None else str(schedule)
    return render(
        request,
        "reports/analysis/schedule_form.html",
        {"form": form, "schedule": schedule, "title": title, "can_change": can(request.user, SCHEDULE_CHANGE)},
    )


@permission(SCHEDULE_CHANGE, "reports.add_reportschedule")
def report_schedule_create_view(request):
    return _schedule_form(request, None)


@permission(SCHEDULE_VIEW, SCHEDULE_CHANGE)
def report_schedule_update_view(request, pk: int):
    return _schedule_form(request, get_object_or_404(ReportSchedule, pk=pk))
