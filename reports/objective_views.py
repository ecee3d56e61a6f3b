"""Quality objectives (质量目标) pages: list, detail with the results history, create, edit, retire,
and a value entered by hand. Every write goes through reports.services.objectives."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import can, permission
from core.exceptions import ApplicationError

from .models import ObjectiveResult, QualityObjective
from .services.objectives import (
    OBJECTIVE_FIELDS,
    objective_create,
    objective_result_record_manual,
    objective_retire,
    objective_update,
)

READ = "reports.view_qualityobjective"
CHANGE = "reports.change_qualityobjective"
ADD = "reports.add_qualityobjective"
RECORD = "reports.add_objectiveresult"
STATUS_BADGE = {"met": "badge-ok", "not_met": "badge-bad", "at_risk": "badge-warn", "no_data": ""}


class ObjectiveForm(forms.ModelForm):
    class Meta:
        model = QualityObjective
        fields = [f for f in OBJECTIVE_FIELDS if f != "owner"]


class ManualResultForm(forms.Form):
    period_start = forms.DateField(
        label=gettext_lazy("A day in the period"), widget=forms.DateInput(attrs={"type": "date"})
    )
    actual = forms.DecimalField(label=gettext_lazy("Actual"), max_digits=9, decimal_places=2)
    source = forms.CharField(label=gettext_lazy("Source"), widget=forms.Textarea(attrs={"rows": 2}))


def _apply_errors(form: forms.BaseForm, error: Exception) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(error, ApplicationError):
        form.add_error(None, error.message if hasattr(error, "message") else str(error))
    else:
        form.add_error(None, error)


@permission(READ)
def objective_list_view(request):
    latest = ObjectiveResult.objects.filter(objective=OuterRef("pk")).order_by("-period_start")
    objectives = (
        QualityObjective.objects.select_related("segment", "owner")
        .annotate(
            latest_actual=Subquery(latest.values("actual")[:1]),
            latest_status=Subquery(latest.values("status")[:1]),
            latest_start=Subquery(latest.values("period_start")[:1]),
        )
        .order_by("-is_active", "name_en", "pk")
    )
    statuses = dict(ObjectiveResult._meta.get_field("status").choices)
    rows = [
        {
            "objective": o,
            "status": o.latest_status or "no_data",
            "status_label": statuses.get(o.latest_status or "no_data"),
            "badge": STATUS_BADGE.get(o.latest_status or "no_data", ""),
        }
        for o in objectives
    ]
    return render(request, "reports/objective_list.html", {"rows": rows, "can_add": can(request.user, ADD)})


@permission(READ, RECORD)
def objective_detail_view(request, pk: int):
    objective = get_object_or_404(QualityObjective.objects.select_related("segment", "owner"), pk=pk)
    form = ManualResultForm(request.POST or None) if objective.is_manual else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            objective_result_record_manual(actor=request.user, objective=objective, **form.cleaned_data)
        except ApplicationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The value was recorded."))
            return redirect("reports:objective_detail", pk=objective.pk)
    results = objective.results.select_related("recorded_by").order_by("-period_start")
    return render(
        request,
        "reports/objective_detail.html",
        {
            "objective": objective,
            "results": [(r, STATUS_BADGE.get(r.status, "")) for r in results],
            "form": form if can(request.user, RECORD) else None,
            "can_change": can(request.user, CHANGE) and objective.is_active,
        },
    )


@permission(ADD, ADD)
def objective_create_view(request):
    form = ObjectiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data.get(name) for name in form.fields}
        try:
            objective = objective_create(actor=request.user, data=data)
        except (ValidationError, ApplicationError) as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The quality objective was created."))
            return redirect("reports:objective_detail", pk=objective.pk)
    return render(request, "reports/objective_form.html", {"form": form, "title": _("New quality objective")})


@permission(CHANGE, CHANGE)
def objective_update_view(request, pk: int):
    objective = get_object_or_404(QualityObjective, pk=pk)
    form = ObjectiveForm(request.POST or None, instance=objective)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data.get(name) for name in form.fields}
        objective.refresh_from_db()
        try:
            objective_update(actor=request.user, objective=objective, data=data)
        except (ValidationError, ApplicationError) as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The quality objective was saved."))
            return redirect("reports:objective_detail", pk=objective.pk)
    return render(
        request,
        "reports/objective_form.html",
        {"form": form, "objective": objective, "title": _("Edit quality objective")},
    )


@permission(None, CHANGE)
def objective_retire_view(request, pk: int):
    objective = get_object_or_404(QualityObjective, pk=pk)
    try:
        objective_retire(actor=request.user, objective=objective)
    except ApplicationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The quality objective was retired; its results stay as history."))
    return redirect("reports:objective_detail", pk=objective.pk)
