"""Questionnaires and their versions: import, derive a new version, edit questions of a draft."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record, diff, snapshot
from core.exceptions import ApplicationError
from core.models import AuditEvent
from customers.models import SatisfactionDimension

from .. import interchange
from ..models import (
    QUESTION_EDITABLE_FIELDS,
    VERSION_EDITABLE_FIELDS,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireKind,
    QuestionnaireVersion,
)
from .common import audit_created, require_manager


def _interchange_models() -> dict:
    return {
        "QuestionnaireVersion": QuestionnaireVersion,
        "Question": Question,
        "SatisfactionDimension": SatisfactionDimension,
    }


@transaction.atomic
def questionnaire_import(*, actor, raw: bytes | str) -> QuestionnaireVersion:
    """Import a questionnaire file: a new questionnaire, or a new version of the one with that code.
    Bad input raises InvalidQuestionnaire with every problem listed, and changes nothing."""
    require_manager(actor, "surveys.add_questionnaireversion")
    data = interchange.parse(raw)
    interchange.validate(data, dimension_codes=set(SatisfactionDimension.objects.values_list("code", flat=True)))
    questionnaire, created = Questionnaire.objects.get_or_create(
        code=data["code"].strip(),
        defaults={
            "name": data["name"].strip(),
            "name_zh": (data.get("name_zh") or "").strip()[:150],
            "kind": data["kind"] if data.get("kind") in QuestionnaireKind.values else QuestionnaireKind.CUSTOM,
            "description": data.get("description", ""),
            "description_zh": data.get("description_zh") or "",
            "created_by": actor,
        },
    )
    if created:
        audit_created(actor, questionnaire)
    number = (questionnaire.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = interchange.version_build(
        data, questionnaire=questionnaire, number=number, created_by=actor, models=_interchange_models()
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        instance=version,
        changes={"questions": [None, len(data["questions"])]},
    )
    return version


@transaction.atomic
def questionnaire_version_derive(*, actor, version: QuestionnaireVersion) -> QuestionnaireVersion:
    """A new draft version, a copy of `version`, to edit while the sent one stays as it was."""
    require_manager(actor, "surveys.add_questionnaireversion")
    questionnaire = Questionnaire.objects.select_for_update().get(pk=version.questionnaire_id)
    number = (questionnaire.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    new = interchange.version_build(
        interchange.version_export(version),
        questionnaire=questionnaire,
        number=number,
        created_by=actor,
        models=_interchange_models(),
    )
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, instance=new, comment=f"copy of version {version.number}"
    )
    return new


def _require_draft(version: QuestionnaireVersion) -> None:
    if QuestionnaireVersion.objects.filter(pk=version.pk, sent_at__isnull=False).exists():
        raise ApplicationError(_("This version has been sent and can no longer change. Make a new version to edit."))


@transaction.atomic
def question_add(*, actor, version: QuestionnaireVersion, data: dict[str, Any]) -> Question:
    require_manager(actor, "surveys.change_questionnaireversion")
    _require_draft(version)
    position = (version.questions.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    question = Question(version=version, position=position, **data)
    if question.kind == QuestionKind.NPS:
        question.scale_max = 10
    question.full_clean()
    question.save()
    audit_created(actor, question)
    return question


@transaction.atomic
def question_update(*, actor, question: Question, data: dict[str, Any]) -> Question:
    """Change a question of a draft version (a sent version is locked: derive a new one)."""
    require_manager(actor, "surveys.change_questionnaireversion")
    _require_draft(question.version)
    before = snapshot(question)
    for field, value in data.items():
        if field in QUESTION_EDITABLE_FIELDS:
            setattr(question, field, value)
    if question.kind == QuestionKind.NPS:
        question.scale_max = 10
    if question.condition_question_id == question.pk:
        raise ApplicationError(_("A question cannot depend on itself."))
    question.full_clean()
    question.save()
    changes = diff(before, snapshot(question))
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=question, changes=changes)
    return question


@transaction.atomic
def question_move(*, actor, question: Question, offset: int) -> None:
    """Move a question of a draft version up (offset -1) or down (+1)."""
    require_manager(actor, "surveys.change_questionnaireversion")
    _require_draft(question.version)
    ordered = list(question.version.questions.order_by("position", "pk"))
    index = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
    target = index + offset
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered):
        if item.position != position:
            Question.objects.filter(pk=item.pk).update(position=position)
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=question, changes={"position": [index, target]})


@transaction.atomic
def version_update(*, actor, version: QuestionnaireVersion, data: dict[str, Any]) -> QuestionnaireVersion:
    """Change a draft version's title and introduction."""
    require_manager(actor, "surveys.change_questionnaireversion")
    _require_draft(version)
    before = snapshot(version, VERSION_EDITABLE_FIELDS)
    for field in VERSION_EDITABLE_FIELDS:
        if field in data:
            setattr(version, field, data[field])
    version.full_clean(validate_constraints=False)
    version.save()
    changes = diff(before, snapshot(version, VERSION_EDITABLE_FIELDS))
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=version, changes=changes)
    return version


@transaction.atomic
def question_delete(*, actor, question: Question) -> None:
    require_manager(actor, "surveys.change_questionnaireversion")
    _require_draft(question.version)
    if question.dependent_questions.exists():
        raise ApplicationError(_("Other questions are asked depending on this one; remove their condition first."))
    audit_record(
        actor=actor, action=AuditEvent.Action.DELETE, instance=question, changes={"code": [question.code, None]}
    )
    question.delete()
