"""Bilingual data (names and texts stored in English and Chinese, not interface strings): which one
the reader gets."""

from __future__ import annotations

from django.utils.translation import get_language


def is_chinese(language: str | None = None) -> bool:
    """Whether `language` (by default the active one) is a Chinese one (zh-hans)."""
    return (language or get_language() or "").startswith("zh")


def localised(english: str, chinese: str, language: str | None = None) -> str:
    """The text in the reader's language, or the other one when that is empty."""
    if is_chinese(language):
        return chinese or english
    return english or chinese
