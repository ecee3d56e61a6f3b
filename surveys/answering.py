"""Turning posted form values into answers, question by question (autosave and submission).

Posted names: `q-<code>` (the value; several values for a multiple choice) and `q-<code>-importance`.
A draft holds the cleaned values by question code; the submission validates the whole set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.text import control_characters_strip

from . import scoring
from .models import Answer, Question, QuestionKind


def field_name(question: Question) -> str:
    return f"q-{question.code}"


def importance_name(question: Question) -> str:
    return f"q-{question.code}-importance"


def _int_in(value: Any, low: int, high: int) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def clean_one(question: Question, raw: list[str]) -> Any:
    """The cleaned value of one question from its posted values, or None when empty or invalid.
    Every posted value passes here (submission, autosave, open link): control characters such as
    NUL are dropped, so one stray character cannot lose the answers (PostgreSQL refuses NUL)."""
    values = [cleaned for v in raw if (cleaned := control_characters_strip(str(v))).strip() != ""]
    if not values:
        return None
    if question.is_scored:
        return _int_in(values[0], question.scale_min, question.scale_top)
    if question.kind == QuestionKind.YES_NO:
        return values[0] if values[0] in ("yes", "no") else None
    if question.kind == QuestionKind.SINGLE:
        return values[0] if values[0] in question.choice_values() else None
    if question.kind == QuestionKind.MULTIPLE:
        allowed = question.choice_values()
        chosen = [v for v in allowed if v in values]  # in the questionnaire's order, no duplicates
        return chosen or None
    return str(values[0]).strip()[:4000] or None


def draft_merge(questions: Iterable[Question], draft: Mapping[str, Any], data) -> dict[str, Any]:
    """The draft updated with the questions present in `data` (a QueryDict): a posted empty value
    clears an answer, a question not posted keeps its saved value."""
    merged = dict(draft)
    for question in questions:
        name = field_name(question)
        if name in data:
            value = clean_one(question, data.getlist(name))
            if value is None:
                merged.pop(question.code, None)
            else:
                merged[question.code] = value
        if question.ask_importance and importance_name(question) in data:
            importance = _int_in(data.get(importance_name(question)), 1, question.scale_max)
            key = f"{question.code}:importance"
            if importance is None:
                merged.pop(key, None)
            else:
                merged[key] = importance
    return merged


def is_asked(question: Question, answers: Mapping[str, Any], codes: Mapping[int, str]) -> bool:
    """A conditional question is asked only when its condition's score is at most the limit."""
    if question.condition_question_id is None:
        return True
    score = answers.get(codes.get(question.condition_question_id, ""))
    return isinstance(score, int) and score <= (question.condition_max_score or 0)


def missing_required(questions: list[Question], answers: Mapping[str, Any]) -> dict[str, str]:
    """{code: message} for required questions, asked under their condition, without an answer."""
    codes = {q.pk: q.code for q in questions}
    errors = {}
    for question in questions:
        if question.required and is_asked(question, answers, codes) and answers.get(question.code) in (None, [], ""):
            errors[question.code] = _("Please answer this question.")
    return errors


def progress(questions: list[Question], answers: Mapping[str, Any]) -> tuple[int, int]:
    """(answered, total) over the questions asked now."""
    codes = {q.pk: q.code for q in questions}
    asked = [q for q in questions if is_asked(q, answers, codes)]
    return sum(1 for q in asked if answers.get(q.code) not in (None, [], "")), len(asked)


def answer_rows(questions: list[Question], answers: dict[str, Any]) -> list[Answer]:
    codes = {q.pk: q.code for q in questions}
    rows = []
    for question in questions:
        value = answers.get(question.code)
        if value in (None, [], "") or not is_asked(question, answers, codes):
            continue
        answer = Answer(question=question)
        if question.is_scored:
            answer.score = value
            answer.importance = answers.get(f"{question.code}:importance") if question.ask_importance else None
        elif question.kind == QuestionKind.TEXT:
            answer.text = value
        else:
            answer.choices = value if isinstance(value, list) else [value]
        rows.append(answer)
    return rows


def response_scores(questions: list[Question], rows: list[Answer]) -> tuple[Decimal | None, int | None]:
    """(CSI 0–100, NPS answer) of one response, by the campaign method (surveys.scoring)."""
    by_question = {q.pk: q for q in questions}
    pairs, weights, recommend = [], {}, None
    for row in rows:
        question = by_question[row.question_id]
        if question.kind == QuestionKind.RATING and row.score is not None and question.dimension_id:
            pairs.append(
                (question.dimension_id, scoring.normalise(row.score, scale_min=1, scale_max=question.scale_max))
            )
            weights.setdefault(question.dimension_id, float(question.effective_weight()))
        if question.kind == QuestionKind.NPS and row.score is not None:
            recommend = row.score
    index = scoring.csi(scoring.dimension_means(pairs), weights)
    return (None if index is None else Decimal(str(round(index, 1)))), recommend
