"""Managers' pages of the survey programme's settings: the satisfaction dimensions (add, rename,
reweight, retire) and the survey pages' organisation name, logo and privacy notice."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import can, permission
from core.editing import form_errors_add
from core.exceptions import ApplicationError
from customers.models import SatisfactionDimension

from .. import services
from ..forms import DimensionForm, PageSettingsForm
from ..models import SurveyPageSettings, logo_version

DIMENSION_VIEW = "customers.view_satisfactiondimension"
DIMENSION_ADD = "customers.add_satisfactiondimension"
DIMENSION_CHANGE = "customers.change_satisfactiondimension"
SETTINGS_VIEW = "surveys.view_surveypagesettings"
SETTINGS_CHANGE = "surveys.change_surveypagesettings"


@permission(DIMENSION_VIEW)
def dimension_list_view(request):
    dimensions = SatisfactionDimension.objects.order_by("-is_active", "position", "code")
    return render(
        request,
        "surveys/dimension_list.html",
        {
            "dimensions": dimensions,
            "can_add": can(request.user, DIMENSION_ADD),
            "can_change": can(request.user, DIMENSION_CHANGE),
        },
    )


def _dimension_form_view(request, dimension: SatisfactionDimension | None):
    form = DimensionForm(request.POST or None, instance=dimension)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if not (dimension and k == "code")}
        try:
            if dimension is None:
                saved = services.dimension_create(actor=request.user, data=data)
            else:
                saved = services.dimension_update(
                    actor=request.user, dimension=SatisfactionDimension.objects.get(pk=dimension.pk), data=data
                )
        except (ApplicationError, ValidationError) as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Dimension %(name)s saved.") % {"name": saved.name})
            return redirect("surveys:dimension_list")
    title = _("New dimension") if dimension is None else _("Edit dimension")
    return render(request, "surveys/dimension_form.html", {"form": form, "title": title, "dimension": dimension})


@permission(DIMENSION_VIEW, DIMENSION_ADD)
def dimension_create_view(request):
    return _dimension_form_view(request, None)


@permission(DIMENSION_VIEW, DIMENSION_CHANGE)
def dimension_update_view(request, pk: int):
    return _dimension_form_view(request, get_object_or_404(SatisfactionDimension, pk=pk))


@require_POST
@permission(DIMENSION_VIEW, DIMENSION_CHANGE)
def dimension_active_view(request, pk: int):
    dimension = get_object_or_404(SatisfactionDimension, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.dimension_active_set(actor=request.user, dimension=dimension, active=active)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        message = _("Dimension %(name)s is in use again.") if active else _("Dimension %(name)s is retired.")
        messages.success(request, message % {"name": dimension.name})
    return redirect("surveys:dimension_list")


@permission(SETTINGS_VIEW, SETTINGS_CHANGE)
def page_settings_view(request):
    # Not current(): opening the page (auditors may) writes nothing; the first save creates the row.
    page = SurveyPageSettings.objects.filter(pk=1).first() or SurveyPageSettings(pk=1)
    form = PageSettingsForm(request.POST or None, request.FILES or None, instance=page)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in PageSettingsForm.Meta.fields}
        try:
            services.survey_page_settings_update(
                actor=request.user,
                data=data,
                logo=form.logo_bytes(),
                remove_logo=form.cleaned_data.get("remove_logo", False),
            )
        except (ApplicationError, ValidationError) as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("The survey pages' settings are saved."))
            return redirect("surveys:page_settings")
    return render(
        request,
        "surveys/page_settings.html",
        {
            "form": form,
            "page": page,
            "logo_version": logo_version(page.updated_at) if page.updated_at else "",
            "can_change": can(request.user, SETTINGS_CHANGE),
        },
    )
