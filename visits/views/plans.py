"""Visit plan pages: everybody with visit access reads them, managers create and edit them."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.access import can, permission
from core.exceptions import ApplicationError

from .. import selectors, services
from ..forms import VisitPlanForm
from ..models import Visit, VisitPlan

VIEW = "visits.view_visitplan"


def _form_errors_from(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@permission(VIEW)
def plan_list_view(request):
    plans = VisitPlan.objects.select_related("segment", "assignee", "team").annotate(
        planned=Count("visits", filter=Q(visits__status=Visit.Status.PLANNED)),
        done=Count("visits", filter=Q(visits__status=Visit.Status.DONE)),
    )
    return render(
        request, "visits/plan_list.html", {"plans": plans, "can_manage": can(request.user, "visits.change_visitplan")}
    )


@permission(VIEW)
def plan_detail_view(request, pk: int):
    plan = get_object_or_404(VisitPlan.objects.select_related("segment", "assignee", "team", "created_by"), pk=pk)
    visible = selectors.visits_visible_to(user=request.user).filter(plan=plan)
    return render(
        request,
        "visits/plan_detail.html",
        {
            "plan": plan,
            "recent_visits": selectors.visit_list(visible=visible).order_by("-due_date", "-id")[:20],
            "can_manage": can(request.user, "visits.change_visitplan"),
            "audit_events": selectors.plan_audit_trail(plan=plan),
        },
    )


@permission(VIEW, "visits.add_visitplan")
def plan_create_view(request):
    form = VisitPlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.visit_plan_create(actor=request.user, data=dict(form.cleaned_data))
        except ValidationError as error:
            _form_errors_from(form, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Visit plan %(name)s created.") % {"name": plan.name})
            return redirect(plan)
    return render(request, "visits/plan_form.html", {"form": form, "title": _("New visit plan")})


@permission(VIEW, "visits.change_visitplan")
def plan_update_view(request, pk: int):
    plan = get_object_or_404(VisitPlan, pk=pk)
    form = VisitPlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        fresh = VisitPlan.objects.get(pk=pk)  # the form mutated its instance; the service diffs a fresh one
        try:
            services.visit_plan_update(actor=request.user, plan=fresh, data=dict(form.cleaned_data))
        except ValidationError as error:
            _form_errors_from(form, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Changes saved. They apply from the next cycle."))
            return redirect(fresh)
    return render(request, "visits/plan_form.html", {"form": form, "plan": plan, "title": _("Edit visit plan")})
