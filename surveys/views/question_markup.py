"""The questions of the customer's survey page as HTML, written in Python from prepared data.

Why not template loops: the page is the one every customer opens, and rendering its ten questions
through nested `{% for %}` loops (one node per pill, each value localised) took three quarters of
the page's time (cProfile, test client: 18 of 24 ms a page). The same markup joined from strings
takes well under a millisecond. Everything a person reads is still translated (gettext, in the
active language) and every value from the database is escaped here (`escape`), never marked safe
unescaped.

The page's markup contract with static/js/survey.js and the browser tests: a `fieldset.survey-question`
per question with `data-code`, `data-kind`, `data-condition`/`data-condition-max` for a conditional
one, `hidden` when not asked; `.survey-number` holds its number among the questions shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.i18n import bilingual

from .. import answering
from ..models import Question, QuestionKind


def _pills(name: str, low: int, high: int, chosen: Any) -> str:
    return "".join(
        f'<label class="survey-pill"><input type="radio" name="{name}" value="{value}"'
        f"{' checked' if value == chosen else ''}><span>{value}</span></label>"
        for value in range(low, high + 1)
    )


def _option(kind: str, name: str, value: str, label: str, checked: bool) -> str:
    return (
        f'<label class="survey-option"><input type="{kind}" name="{name}" value="{value}"'
        f"{' checked' if checked else ''}> {label}</label>"
    )


def _inputs(question: Question, code: str, answers: Mapping[str, Any], error_id: str) -> str:
    """The answer inputs of one question (its value from `answers` checked or filled in)."""
    name = escape(answering.field_name(question))
    value = answers.get(question.code)
    kind = question.kind
    if question.is_scored:
        top = question.scale_top
        wide = " survey-scale-wide" if top - question.scale_min + 1 > 7 else ""
        described = f' aria-describedby="{error_id}"' if error_id else ""
        parts = [
            f'<div class="survey-scale{wide}" role="radiogroup" aria-labelledby="legend-{code}"{described}>',
            _pills(name, question.scale_min, top, value),
            "</div>",
        ]
        low, high = question.localised("low_label"), question.localised("high_label")
        if low or high:
            parts.append(f'<div class="survey-ends"><span>{escape(low)}</span><span>{escape(high)}</span></div>')
        if question.ask_importance:
            importance_name = escape(answering.importance_name(question))
            parts += [
                '<div class="survey-importance">',
                f'<div class="survey-importance-label" id="importance-{code}">',
                escape(_("How important is this to you?")),
                "</div>",
                f'<div class="survey-scale survey-scale-small" role="radiogroup" aria-labelledby="importance-{code}">',
                _pills(importance_name, 1, question.scale_max, answers.get(f"{question.code}:importance")),
                "</div>",
                '<div class="survey-ends"><span>' + escape(_("Not important")) + "</span>"
                "<span>" + escape(_("Very important")) + "</span></div>",
                "</div>",
            ]
        return "".join(parts)
    if kind == QuestionKind.YES_NO:
        return (
            '<div class="survey-options survey-options-row">'
            + _option("radio", name, "yes", escape(_("Yes")), value == "yes")
            + _option("radio", name, "no", escape(_("No")), value == "no")
            + "</div>"
        )
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        chosen = value if isinstance(value, list) else [value]
        input_type = "radio" if kind == QuestionKind.SINGLE else "checkbox"
        options = "".join(
            _option(
                input_type,
                name,
                escape(str(choice["value"])),
                escape(bilingual(choice) or str(choice["value"])),
                str(choice["value"]) in chosen,
            )
            for choice in question.choices
        )
        # A multiple choice posts an empty value too, so that unticking every box clears the answer.
        empty = f'<input type="hidden" name="{name}" value="">' if kind == QuestionKind.MULTIPLE else ""
        return f'{empty}<div class="survey-options">{options}</div>'
    text = escape(value) if value is not None else ""
    return f'<textarea name="{name}" rows="3" maxlength="4000" aria-label="{escape(question.text)}">{text}</textarea>'


def questions_html(questions: list[Question], answers: Mapping[str, Any], errors: Mapping[str, str]) -> SafeString:
    """Every question's fieldset, numbered in the order of the questions shown: a question not asked
    (its condition unmet) is hidden and takes no number, so the numbers never leave a gap."""
    codes = {q.pk: q.code for q in questions}
    optional = ' <span class="survey-optional">' + escape(_("(optional)")) + "</span>"
    parts = []
    number = 0
    for question in questions:
        code = escape(question.code)
        hidden = not answering.is_asked(question, answers, codes)
        if not hidden:
            number += 1
        error = errors.get(question.code)
        error_id = f"error-{code}" if error else ""
        attributes = [
            f'class="survey-question{" has-error" if error else ""}"',
            f'id="question-{code}"',
            f'data-code="{code}"',
            f'data-kind="{question.kind}"',
        ]
        if question.condition_question_id:
            attributes.append(f'data-condition="{escape(codes.get(question.condition_question_id, ""))}"')
            attributes.append(f'data-condition-max="{question.condition_max_score}"')
        if hidden:
            attributes.append("hidden")
        if question.required:
            attributes.append("data-required")
        legend = (
            f'<legend id="legend-{code}"><span class="survey-number">{"" if hidden else number}</span> '
            f"{escape(question.text)}"
            f"{'' if question.required else optional}</legend>"
        )
        parts += [
            f"<fieldset {' '.join(attributes)}>",
            legend,
            f'<p class="survey-error" id="{error_id}">{escape(error)}</p>' if error else "",
            _inputs(question, code, answers, error_id),
            "</fieldset>",
        ]
    return mark_safe("".join(parts))  # noqa: S308 - every database value above is escaped
