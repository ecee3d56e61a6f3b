"""A questionnaire version as JSON ("csm-questionnaire/1"): export, validation and import.

The same format ships the three templates (data/questionnaire_templates.json), loaded by migration
0002 through `version_build`, which takes the model classes so a migration can pass its historical
models.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

FORMAT = "csm-questionnaire/1"
TEMPLATES_PATH = Path(__file__).resolve().parent / "data" / "questionnaire_templates.json"
KINDS = ("rating", "nps", "single", "multiple", "yes_no", "text")
QUESTION_TEXT_FIELDS = ("text_en", "text_zh", "low_label_en", "low_label_zh", "high_label_en", "high_label_zh")
MAX_QUESTIONS = 60
LOYALTY_ASPECTS = ("repurchase", "recommend", "retention")  # surveys.models.LoyaltyAspect


def version_export(version) -> dict[str, Any]:
    questionnaire = version.questionnaire
    questions = list(version.questions.select_related("dimension", "condition_question").order_by("position", "id"))
    return {
        "format": FORMAT,
        "code": questionnaire.code,
        "name": questionnaire.name,
        "name_zh": questionnaire.name_zh,
        "kind": questionnaire.kind,
        "description": questionnaire.description,
        "description_zh": questionnaire.description_zh,
        "version": version.number,
        "title_en": version.title_en,
        "title_zh": version.title_zh,
        "intro_en": version.intro_en,
        "intro_zh": version.intro_zh,
        "questions": [_question_export(q) for q in questions],
    }


def _question_export(question) -> dict[str, Any]:
    data: dict[str, Any] = {"code": question.code, "kind": question.kind, "required": question.required}
    for field in QUESTION_TEXT_FIELDS:
        value = getattr(question, field)
        if value:
            data[field] = value
    if question.kind == "rating":
        data["scale_max"] = question.scale_max
        data["ask_importance"] = question.ask_importance
    if question.choices:
        data["choices"] = question.choices
    if question.condition_question_id:
        data["condition"] = {"question": question.condition_question.code, "max_score": question.condition_max_score}
    if question.dimension_id:
        data["dimension"] = question.dimension.code
    if question.weight is not None:
        data["weight"] = str(question.weight)
    if question.loyalty_aspect:
        data["loyalty_aspect"] = question.loyalty_aspect
    return data


class InvalidQuestionnaire(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def parse(raw: bytes | str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidQuestionnaire([_("The file is not valid JSON.")])
    validate(data, dimension_codes=None)
    return data


def validate(data: Any, *, dimension_codes: set[str] | None) -> None:
    """Raise InvalidQuestionnaire listing every problem; `dimension_codes` None skips that check."""
    errors: list[str] = []
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidQuestionnaire([_("This is not a questionnaire file (format %(format)s).") % {"format": FORMAT}])
    for field in ("code", "name", "title_en", "title_zh"):
        if not isinstance(data.get(field), str) or not data[field].strip():
            errors.append(_("“%(field)s” is missing.") % {"field": field})
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        errors.append(_("The questionnaire has no questions."))
        raise InvalidQuestionnaire(errors)
    if len(questions) > MAX_QUESTIONS:
        errors.append(_("At most %(n)s questions.") % {"n": MAX_QUESTIONS})
    seen: dict[str, str] = {}
    for number, question in enumerate(questions, start=1):
        where = _("Question %(n)s") % {"n": number}
        if not isinstance(question, dict):
            errors.append(f"{where}: " + _("not an object."))
            continue
        code = question.get("code")
        kind = question.get("kind")
        if not isinstance(code, str) or not code.strip() or len(code) > 40:
            errors.append(f"{where}: " + _("a code is required."))
        elif code in seen:
            errors.append(f"{where}: " + _("the code %(code)s is used twice.") % {"code": code})
        if kind not in KINDS:
            errors.append(f"{where}: " + _("unknown type %(kind)s.") % {"kind": kind})
        if not (question.get("text_en") or question.get("text_zh")):
            errors.append(f"{where}: " + _("the question has no text."))
        if kind == "rating" and question.get("scale_max", 5) not in (5, 7, 10):
            errors.append(f"{where}: " + _("a rating scale runs 1–5, 1–7 or 1–10."))
        if kind in ("single", "multiple"):
            choices = question.get("choices")
            if (
                not isinstance(choices, list)
                or len(choices) < 2
                or not all(isinstance(c, dict) and c.get("value") not in (None, "") for c in choices)
            ):
                errors.append(f"{where}: " + _("a choice question needs at least two choices with values."))
        condition = question.get("condition")
        if condition is not None:
            target = condition.get("question") if isinstance(condition, dict) else None
            if seen.get(target) not in ("rating", "nps"):
                errors.append(f"{where}: " + _("a condition must refer to an earlier rating question."))
            elif not isinstance(condition.get("max_score"), int) or condition["max_score"] < 0:
                errors.append(f"{where}: " + _("a condition needs a score."))
        if "weight" in question:
            try:
                if Decimal(str(question["weight"])) <= 0:
                    raise InvalidOperation
            except InvalidOperation:
                errors.append(f"{where}: " + _("the weight must be a positive number."))
        dimension = question.get("dimension")
        aspect = question.get("loyalty_aspect", "")
        if aspect and (aspect not in LOYALTY_ASPECTS or kind not in ("rating", "nps") or dimension):
            errors.append(
                f"{where}: " + _("a loyalty question is a rating or recommendation question without a dimension.")
            )
        if dimension and dimension_codes is not None and dimension not in dimension_codes:
            errors.append(f"{where}: " + _("unknown dimension %(code)s.") % {"code": dimension})
        if isinstance(code, str):
            seen[code] = kind
    if errors:
        raise InvalidQuestionnaire(errors)


def version_build(data: dict[str, Any], *, questionnaire, number: int, created_by, models: dict) -> Any:
    """Create a version and its questions from validated data. `models` maps "QuestionnaireVersion",
    "Question" and "SatisfactionDimension" to model classes."""
    Version, Question, Dimension = models["QuestionnaireVersion"], models["Question"], models["SatisfactionDimension"]
    version = Version.objects.create(
        questionnaire=questionnaire,
        number=number,
        title_en=data["title_en"],
        title_zh=data["title_zh"],
        intro_en=data.get("intro_en", ""),
        intro_zh=data.get("intro_zh", ""),
        created_by=created_by,
    )
    dimensions = {d.code: d for d in Dimension.objects.all()}
    # Early data migrations pass a historical Question without the field (surveys 0008 adds it;
    # 0012 marks the shipped templates' loyalty questions afterwards).
    has_loyalty = any(f.name == "loyalty_aspect" for f in Question._meta.get_fields())
    by_code = {}
    for position, item in enumerate(data["questions"]):
        condition = item.get("condition") or {}
        question = Question.objects.create(
            version=version,
            position=position,
            code=item["code"],
            kind=item["kind"],
            required=bool(item.get("required", True)),
            scale_max=item.get("scale_max", 10 if item["kind"] == "nps" else 5),
            ask_importance=bool(item.get("ask_importance", False)) and item["kind"] == "rating",
            choices=item.get("choices", []),
            condition_question=by_code.get(condition.get("question")),
            condition_max_score=condition.get("max_score") if condition else None,
            dimension=dimensions.get(item.get("dimension")),
            weight=Decimal(str(item["weight"])) if item.get("weight") is not None else None,
            **({"loyalty_aspect": item["loyalty_aspect"]} if has_loyalty and item.get("loyalty_aspect") else {}),
            **{field: item.get(field, "") for field in QUESTION_TEXT_FIELDS},
        )
        by_code[question.code] = question
    return version


def templates() -> list[dict[str, Any]]:
    return json.loads(TEMPLATES_PATH.read_text(encoding="utf-8"))
