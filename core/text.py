"""Text typed by the public, made safe to store."""

from __future__ import annotations

import re

# C0 control characters other than tab, line feed and carriage return, and DEL. PostgreSQL refuses
# NUL in text ("A string literal cannot contain NUL"), so one stray character would lose a whole
# submission; the others are invisible and mean nothing in an answer.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_characters_strip(text: str) -> str:
    """`text` without NUL and the other control characters a person cannot have meant to type
    (tab, line feed and carriage return are kept)."""
    return _CONTROL_CHARACTERS.sub("", text)
