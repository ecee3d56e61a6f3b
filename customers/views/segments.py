"""Saved segments: named customer filters with a live count preview."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import can, permission
from core.exceptions import ApplicationError

from .. import selectors, services
from ..filters import CustomerFilter, segment_criteria_clean
from ..forms import SegmentForm
from ..models import Segment

VIEW = "customers.view_segment"


@permission(VIEW)
def segment_list_view(request):
    segments = list(Segment.objects.select_related("created_by"))
    counts = selectors.segment_counts(segments)
    for segment in segments:
        segment.count = counts[segment.pk]
    return render(
        request,
        "customers/segment_list.html",
        {
            "segments": segments,
            "can_add": can(request.user, "customers.add_segment"),
        },
    )


def _segment_form_page(request, form, filterset, segment=None):
    criteria = segment_criteria_clean(filterset.data) if filterset.is_bound else (segment.criteria if segment else {})
    try:
        count = selectors.segment_count(criteria=criteria)
    except selectors.InvalidCriteria:
        count = None
    return render(
        request,
        "customers/segment_form.html",
        {
            "form": form,
            "filter": filterset,
            "segment": segment,
            "count": count,
            "title": _("Edit segment") if segment else _("New segment"),
        },
    )


def _save_segment(request, form, segment=None):
    filterset = CustomerFilter(request.POST)
    if form.is_valid() and filterset.is_valid():
        criteria = segment_criteria_clean(request.POST)
        try:
            if segment is None:
                segment = services.segment_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    criteria=criteria,
                )
            else:
                segment = services.segment_update(
                    actor=request.user,
                    segment=Segment.objects.get(pk=segment.pk),
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    criteria=criteria,
                )
        except ValidationError as error:
            for field, errors in getattr(error, "message_dict", {"__all__": error.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Segment %(name)s saved.") % {"name": segment.name})
            return redirect(segment)
    return _segment_form_page(request, form, filterset, segment)


@permission(VIEW, "customers.add_segment")
def segment_create_view(request):
    if request.method == "POST":
        return _save_segment(request, SegmentForm(request.POST))
    initial = request.GET if request.GET else None  # "Save as segment" from the customer list
    return _segment_form_page(request, SegmentForm(), CustomerFilter(initial))


@permission(VIEW, "customers.change_segment")
def segment_update_view(request, pk: int):
    segment = get_object_or_404(Segment, pk=pk)
    if not services.segment_can_change(user=request.user, segment=segment):
        messages.error(request, _("Only its author or a manager can change this segment."))
        return redirect(segment)
    if request.method == "POST":
        return _save_segment(request, SegmentForm(request.POST, instance=segment), segment)
    filterset = CustomerFilter(selectors._as_querydict(segment.criteria))
    return _segment_form_page(request, SegmentForm(instance=segment), filterset, segment)


@permission(VIEW)
def segment_preview_view(request):
    """The live count while a segment is being defined (htmx, on every filter change)."""
    try:
        count = selectors.segment_count(criteria=segment_criteria_clean(request.GET))
    except selectors.InvalidCriteria:
        return HttpResponse(_("The filters are not valid."), status=200)
    return render(request, "customers/_segment_count.html", {"count": count})


@permission(VIEW)
def segment_detail_view(request, pk: int):
    segment = get_object_or_404(Segment.objects.select_related("created_by"), pk=pk)
    try:
        customers = (
            selectors.segment_customers(segment=segment).select_related("owner").order_by("name_sort", "name", "id")
        )
        invalid = False
    except selectors.InvalidCriteria:
        customers, invalid = segment.__class__.objects.none(), True
    page = Paginator(customers, 50).get_page(request.GET.get("page"))
    criteria_labels = _criteria_labels(segment.criteria)
    return render(
        request,
        "customers/segment_detail.html",
        {
            "segment": segment,
            "page": page,
            "invalid": invalid,
            "criteria_labels": criteria_labels,
            "counts": {
                "lifecycle": selectors.customer_counts_by(field="lifecycle", queryset=customers) if not invalid else {},
            },
            "can_change": services.segment_can_change(user=request.user, segment=segment),
            "query": selectors._as_querydict(segment.criteria).urlencode(),
        },
    )


def _criteria_labels(criteria: dict) -> list[tuple[str, str]]:
    """Human-readable (label, value) pairs of a segment's filters, in the reader's language."""
    filterset = CustomerFilter(selectors._as_querydict(criteria))
    labels = []
    if not filterset.is_valid():
        return labels
    for name, value in filterset.form.cleaned_data.items():
        if value in (None, "", []) or name == "ordering":
            continue
        field = filterset.form.fields[name]
        choices = dict(getattr(field, "choices", []) or [])
        if isinstance(value, list):
            shown = ", ".join(str(choices.get(v, v)) for v in value)
        else:
            shown = str(choices.get(value, value))
        labels.append((str(field.label), shown))
    return labels


@require_http_methods(["GET", "POST"])
@permission(VIEW, "customers.delete_segment")
def segment_delete_view(request, pk: int):
    segment = get_object_or_404(Segment, pk=pk)
    if request.method == "POST":
        try:
            services.segment_delete(actor=request.user, segment=segment)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect(segment)
        messages.success(request, _("Segment deleted."))
        return redirect("customers:segment_list")
    return render(
        request, "customers/confirm_delete.html", {"object": segment, "cancel_url": segment.get_absolute_url()}
    )
