"""Pages: feedback records (list with filters, record, edit, delete) and competitor / benchmark scores."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import permission
from core.editing import form_errors_add
from core.exceptions import ApplicationError

from . import selectors, services
from .filters import FeedbackFilter
from .forms import BenchmarkScoreForm, FeedbackImportForm, FeedbackRecordForm
from .importing import FEEDBACK_IMPORT_MAX_BYTES, REQUIRED_COLUMNS, feedback_import
from .models import BenchmarkScore, FeedbackRecord

VIEW = "feedback.view_feedbackrecord"
VIEW_BENCHMARKS = "feedback.view_benchmarkscore"
PAGE_SIZE = 50


@permission(VIEW)
def feedback_list_view(request):
    records = FeedbackFilter(request.GET, queryset=selectors.feedback_records())
    page = Paginator(records.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "feedback/list.html",
        {
            "filter": records,
            "page": page,
            "query": query.urlencode(),
            "can_add": services.feedback_record_can_change(user=request.user),
        },
    )


@permission(VIEW, "feedback.add_feedbackrecord")
def feedback_create_view(request):
    form = FeedbackRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.feedback_record_create(actor=request.user, data=form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Feedback recorded."))
            return redirect("feedback:list") if "save" in request.POST else redirect(record)
    return render(request, "feedback/form.html", {"form": form, "title": _("Record feedback")})


@permission(VIEW, "feedback.add_feedbackrecord")
def feedback_import_view(request):
    """Upload a CSV or XLSX file of feedback records: every row is checked and, only when none has an
    error, all are recorded; otherwise the errors are listed and nothing is written."""
    form = FeedbackImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > FEEDBACK_IMPORT_MAX_BYTES:
                raise ApplicationError(_("The file is larger than 5 MB. Split it into smaller files."))
            result = feedback_import(
                actor=request.user, content=upload.read(), encoding=form.cleaned_data.get("encoding") or "auto"
            )
        except ApplicationError as error:
            form.add_error("file", error.message)
        else:
            if not result.errors:
                messages.success(
                    request,
                    _("%(n)s feedback records imported (read as %(encoding)s).")
                    % {"n": len(result.created), "encoding": result.encoding},
                )
                return redirect("feedback:list")
    return render(
        request,
        "feedback/import.html",
        {
            "form": form,
            "result": result,
            "required": [FeedbackRecord._meta.get_field(n).verbose_name for n in REQUIRED_COLUMNS],
        },
    )


@permission(VIEW, "feedback.change_feedbackrecord")
def feedback_update_view(request, pk: int):
    record = get_object_or_404(FeedbackRecord.objects.select_related("customer"), pk=pk)
    can_change = services.feedback_record_can_change(user=request.user, record=record, customer=record.customer)
    form = FeedbackRecordForm(request.POST or None, instance=FeedbackRecord.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_record_update(actor=request.user, record=record, data=form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Feedback saved."))
            return redirect("feedback:list")
    return render(
        request,
        "feedback/form.html",
        {"form": form, "record": record, "can_change": can_change, "title": _("Edit feedback")},
    )


@require_POST
@permission(VIEW, "feedback.delete_feedbackrecord")
def feedback_delete_view(request, pk: int):
    record = get_object_or_404(FeedbackRecord, pk=pk)
    try:
        services.feedback_record_delete(actor=request.user, record=record)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(record)
    messages.success(request, _("Feedback deleted."))
    return redirect("feedback:list")


@permission(VIEW_BENCHMARKS, "feedback.add_benchmarkscore")
def benchmark_list_view(request):
    """The scores entered so far and, for managers, the form to enter one more."""
    can_add = services.benchmark_can_change(user=request.user)
    form = BenchmarkScoreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.benchmark_score_create(actor=request.user, data=form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Score saved."))
            return redirect("feedback:benchmarks")
    scores = BenchmarkScore.objects.select_related("dimension", "entered_by")
    page = Paginator(scores, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "feedback/benchmarks.html", {"page": page, "form": form, "can_add": can_add})


@require_POST
@permission(VIEW_BENCHMARKS, "feedback.delete_benchmarkscore")
def benchmark_delete_view(request, pk: int):
    score = get_object_or_404(BenchmarkScore, pk=pk)
    try:
        services.benchmark_score_delete(actor=request.user, score=score)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Score deleted."))
    return redirect("feedback:benchmarks")
