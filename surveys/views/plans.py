"""Measurement plans: what is measured, of whom, how often, and the sample it draws."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.access import can, permission
from core.exceptions import ApplicationError

from .. import selectors, services
from ..forms import PlanForm
from ..models import MeasurementPlan

VIEW = "surveys.view_measurementplan"


@permission(VIEW)
def plan_list_view(request):
    plans = (
        MeasurementPlan.objects.select_related("owner").prefetch_related("segments").order_by("-period_start", "name")
    )
    can_add = can(request.user, "surveys.add_measurementplan")
    return render(request, "surveys/plan_list.html", {"plans": plans, "can_add": can_add})


def _save(request, form, plan=None):
    data = {k: v for k, v in form.cleaned_data.items() if k != "segments"}
    segments = list(form.cleaned_data["segments"])
    try:
        if plan is None:
            plan = services.plan_create(actor=request.user, data=data, segments=segments)
        else:
            plan = services.plan_update(actor=request.user, plan=plan, data=data, segments=segments)
    except ValidationError as error:
        for field, errors in getattr(error, "message_dict", {"__all__": error.messages}).items():
            form.add_error(field if field in form.fields else None, errors)
    except ApplicationError as error:
        form.add_error(None, error.message)
    else:
        messages.success(request, _("Plan %(name)s saved.") % {"name": plan.name})
        return redirect(plan)
    return None


@permission(VIEW, "surveys.add_measurementplan")
def plan_create_view(request):
    form = PlanForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        done = _save(request, form)
        if done:
            return done
    return render(request, "surveys/plan_form.html", {"form": form, "title": _("New measurement plan")})


@permission(VIEW, "surveys.change_measurementplan")
def plan_update_view(request, pk: int):
    plan = get_object_or_404(MeasurementPlan, pk=pk)
    if plan.is_frozen:
        messages.error(request, _("This plan is frozen: a campaign has run from it. Make a new plan."))
        return redirect(plan)
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        done = _save(request, form, MeasurementPlan.objects.get(pk=plan.pk))
        if done:
            return done
    return render(request, "surveys/plan_form.html", {"form": form, "plan": plan, "title": _("Edit measurement plan")})


@permission(VIEW)
def plan_detail_view(request, pk: int):
    plan = get_object_or_404(MeasurementPlan.objects.select_related("owner"), pk=pk)
    segments = list(plan.segments.order_by("name_sort", "name"))
    sample = None if plan.is_frozen else selectors.plan_sample(plan=plan)
    per_segment = [(s, sample.per_segment.get(s.pk, 0)) for s in segments] if sample else []
    return render(
        request,
        "surveys/plan_detail.html",
        {
            "plan": plan,
            "segments": segments,
            "sample": sample,
            "per_segment": per_segment,
            "campaigns": plan.campaigns.order_by("-created_at"),
            "can_change": can(request.user, "surveys.change_measurementplan"),
            "can_campaign": can(request.user, "surveys.add_campaign"),
        },
    )
