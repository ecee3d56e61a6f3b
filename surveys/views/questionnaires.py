"""The questionnaire builder: versions, questions, JSON import and export."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import can, permission
from core.exceptions import ApplicationError

from .. import interchange, services
from ..forms import QuestionForm, QuestionnaireImportForm, VersionForm
from ..models import Question, Questionnaire, QuestionnaireVersion

VIEW = "surveys.view_questionnaire"
CHANGE = "surveys.change_questionnaireversion"


@permission(VIEW)
def questionnaire_list_view(request):
    questionnaires = Questionnaire.objects.prefetch_related("versions").order_by("name")
    return render(
        request,
        "surveys/questionnaire_list.html",
        {"questionnaires": questionnaires, "can_import": can(request.user, CHANGE)},
    )


@permission(VIEW)
def questionnaire_detail_view(request, pk: int):
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    versions = list(questionnaire.versions.order_by("-number"))
    number = request.GET.get("version")
    version = next((v for v in versions if str(v.number) == number), versions[0] if versions else None)
    questions = (
        version.questions.select_related("dimension", "condition_question").order_by("position", "pk")
        if version
        else []
    )
    return render(
        request,
        "surveys/questionnaire_detail.html",
        {
            "questionnaire": questionnaire,
            "versions": versions,
            "version": version,
            "questions": questions,
            "can_change": can(request.user, CHANGE),
        },
    )


@permission(VIEW)
def version_export_view(request, pk: int):
    version = get_object_or_404(QuestionnaireVersion.objects.select_related("questionnaire"), pk=pk)
    body = json.dumps(interchange.version_export(version), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{version.questionnaire.code}-v{version.number}.json"'
    return response


@permission(VIEW, "surveys.add_questionnaireversion")
def questionnaire_import_view(request):
    form = QuestionnaireImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            version = services.questionnaire_import(actor=request.user, raw=form.cleaned_data["raw"])
        except interchange.InvalidQuestionnaire as error:
            errors = error.errors
        except ApplicationError as error:
            errors = [error.message]
        else:
            messages.success(request, _("Imported as version %(n)s.") % {"n": version.number})
            return redirect(f"{version.questionnaire.get_absolute_url()}?version={version.number}")
    return render(request, "surveys/questionnaire_import.html", {"form": form, "errors": errors})


@require_POST
@permission(VIEW, "surveys.add_questionnaireversion")
def version_derive_view(request, pk: int):
    version = get_object_or_404(QuestionnaireVersion, pk=pk)
    try:
        new = services.questionnaire_version_derive(actor=request.user, version=version)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(version.questionnaire)
    messages.success(
        request, _("Version %(n)s created as a draft copy. Edit it, then use it in a campaign.") % {"n": new.number}
    )
    return redirect(f"{new.questionnaire.get_absolute_url()}?version={new.number}")


@permission(VIEW, CHANGE)
def question_add_view(request, pk: int):
    version = get_object_or_404(QuestionnaireVersion.objects.select_related("questionnaire"), pk=pk)
    form = QuestionForm(request.POST or None, version=version)
    back = f"{version.questionnaire.get_absolute_url()}?version={version.number}"
    if version.is_locked:
        messages.error(request, _("This version has been sent and can no longer change. Make a new version to edit."))
        return redirect(back)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_add(actor=request.user, version=version, data=form.question_data())
        except ValidationError as error:
            for field, field_errors in getattr(error, "message_dict", {"__all__": error.messages}).items():
                form.add_error(field if field in form.fields else None, field_errors)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Question added."))
            return redirect(back)
    return render(request, "surveys/question_form.html", {"form": form, "version": version, "back": back})


def _back(version: QuestionnaireVersion) -> str:
    return f"{version.questionnaire.get_absolute_url()}?version={version.number}"


def _form_errors(form, error: ValidationError) -> None:
    for field, field_errors in getattr(error, "message_dict", {"__all__": error.messages}).items():
        form.add_error(field if field in form.fields else None, field_errors)


@permission(VIEW, CHANGE)
def question_update_view(request, pk: int):
    question = get_object_or_404(Question.objects.select_related("version__questionnaire"), pk=pk)
    version = question.version
    if version.is_locked:
        messages.error(request, _("This version has been sent and can no longer change. Make a new version to edit."))
        return redirect(_back(version))
    form = QuestionForm(request.POST or None, instance=question, version=version)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(
                actor=request.user, question=Question.objects.get(pk=question.pk), data=form.question_data()
            )
        except ValidationError as error:
            _form_errors(form, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Question saved."))
            return redirect(_back(version))
    return render(
        request,
        "surveys/question_form.html",
        {"form": form, "version": version, "back": _back(version), "question": question},
    )


@require_POST
@permission(VIEW, CHANGE)
def question_move_view(request, pk: int):
    question = get_object_or_404(Question.objects.select_related("version__questionnaire"), pk=pk)
    try:
        services.question_move(
            actor=request.user, question=question, offset=-1 if request.POST.get("direction") == "up" else 1
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(_back(question.version))


@permission(VIEW, CHANGE)
def version_update_view(request, pk: int):
    version = get_object_or_404(QuestionnaireVersion.objects.select_related("questionnaire"), pk=pk)
    if version.is_locked:
        messages.error(request, _("This version has been sent and can no longer change. Make a new version to edit."))
        return redirect(_back(version))
    form = VersionForm(request.POST or None, instance=version)
    if request.method == "POST" and form.is_valid():
        try:
            services.version_update(
                actor=request.user, version=QuestionnaireVersion.objects.get(pk=version.pk), data=form.cleaned_data
            )
        except ValidationError as error:
            _form_errors(form, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect(_back(version))
    return render(request, "surveys/version_form.html", {"form": form, "version": version, "back": _back(version)})


@require_POST
@permission(VIEW, CHANGE)
def question_delete_view(request, pk: int):
    question = get_object_or_404(Question.objects.select_related("version__questionnaire"), pk=pk)
    version = question.version
    try:
        services.question_delete(actor=request.user, question=question)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Question removed."))
    return redirect(f"{version.questionnaire.get_absolute_url()}?version={version.number}")
