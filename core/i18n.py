"""Bilingual data (names and texts stored in English and Chinese, not interface strings): which one
the reader gets.

The convention: a bilingual field `<field>` is stored as `<field>_en` and `<field>_zh` (customers'
satisfaction dimensions, surveys' questionnaires and questions). Two older models keep the English
text in `<field>` itself next to `<field>_zh` (complaints' categories and escalation rules: renaming
their `name` would change the API's field names and every caller); JSON choices are
`{"value", "en", "zh"}`. `bilingual_fields` is the one place that knows these styles; read bilingual
data through `bilingual` (an object or a row) or `bilingual_expression` (in a query), never by
checking the language by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language


def is_chinese(language: str | None = None) -> bool:
    """Whether `language` (by default the active one) is a Chinese one (zh-hans)."""
    return (language or get_language() or "").startswith("zh")


def localised(english: str, chinese: str, language: str | None = None) -> str:
    """The text in the reader's language, or the other one when that is empty."""
    if is_chinese(language):
        return chinese or english
    return english or chinese


def _has(source: Any, name: str) -> bool:
    return name in source if isinstance(source, Mapping) else hasattr(source, name)


def bilingual_fields(source: Any, field: str) -> tuple[str, str]:
    """The names under which `source` (a model, an instance, a `values()` row or a JSON choice) holds
    `field` in English and in Chinese. `field` may be a lookup path ("category__name"); "" for a JSON
    choice's own "en" and "zh"."""
    if not field:
        return "en", "zh"
    english = f"{field}_en"
    if not _has(source, english) and _has(source, field):
        english = field  # the older style: English in the field itself
    return english, f"{field}_zh"


def bilingual(source: Any, field: str = "", language: str | None = None) -> str:
    """`field` of `source` in the reader's language (by default the active one), or the other
    language when that is empty: `bilingual(dimension, "name")`, `bilingual(row, "dimension__name")`,
    `bilingual(choice)`."""
    english, chinese = bilingual_fields(source, field)
    if isinstance(source, Mapping):
        return localised(source.get(english) or "", source.get(chinese) or "", language)
    return localised(getattr(source, english, "") or "", getattr(source, chinese, "") or "", language)


def bilingual_expression(model: type, field: str, *, path: str = "", language: str | None = None):
    """The query expression of `bilingual` for `field` of `model`, reached through `path`
    ("category__"): the reader's language, or the other one where that is empty."""
    english, chinese = bilingual_fields(model, field)
    first, second = (chinese, english) if is_chinese(language) else (english, chinese)
    return Coalesce(NullIf(f"{path}{first}", Value("")), f"{path}{second}")
