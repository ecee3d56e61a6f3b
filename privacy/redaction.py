"""Replacing an erased person's identifying values inside free text, so that a complaint's description
or a visit's summary keeps its meaning ("已删除联系人 #12 called about the leak") without them.

Pure: given the values (names, phone numbers, e-mail addresses, addresses) and what each becomes,
`Redactor.text` rewrites a text. Names are found in any case and with any spacing; a Latin name only
as a whole word ("Ann" is not replaced inside "Annual"). Phone numbers are found however they are
written ("021-5550 1234", "02155501234", "+86 21 5550 1234"). E-mail addresses are found in any case.
A value written differently in free text (a nickname, a typo) is not recognised: best effort, which
is why the export lists every text so that the person can see what is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MIN_NAME_LENGTH = 2
MIN_PHONE_DIGITS = 6
PHONE_SEPARATOR = r"[\s\-.()]{0,3}"
PHONE_PREFIX = r"(?:(?:\+|00)?86" + PHONE_SEPARATOR + r")?(?:0" + PHONE_SEPARATOR + r")?"
WORD = re.compile(r"\w", re.ASCII)


def digits_of(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    # The country code and the trunk prefix are matched separately (PHONE_PREFIX).
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= MIN_PHONE_DIGITS:
            digits = digits[len(prefix) :]
            break
    return digits.lstrip("0") or digits


class Redactor:
    def __init__(
        self,
        *,
        names: dict[str, str] | None = None,
        phones: dict[str, str] | None = None,
        emails: dict[str, str] | None = None,
        literals: dict[str, str] | None = None,
    ) -> None:
        """Each argument maps a value to what replaces it. `literals` (an address) are matched as
        written, in any case and spacing."""
        self._replacements: list[tuple[re.Pattern[str], str]] = []
        for value, replacement in sorted((emails or {}).items(), key=lambda item: -len(item[0])):
            if value.strip():
                self._replacements.append((re.compile(re.escape(value.strip()), re.IGNORECASE), replacement))
        for value, replacement in sorted((phones or {}).items(), key=lambda item: -len(item[0])):
            digits = digits_of(value)
            if len(digits) >= MIN_PHONE_DIGITS:
                body = PHONE_SEPARATOR.join(re.escape(d) for d in digits)
                self._replacements.append((re.compile(rf"(?<!\d){PHONE_PREFIX}{body}(?!\d)"), replacement))
        spelled = {**(literals or {}), **(names or {})}
        for value, replacement in sorted(spelled.items(), key=lambda item: -len(item[0])):
            words = value.split()
            if len("".join(words)) < MIN_NAME_LENGTH:
                continue
            body = r"\s+".join(re.escape(word) for word in words)
            # A Latin name only as a whole word; Chinese has no spaces between words, so none is asked.
            before = r"(?<!\w)" if WORD.match(words[0][0]) else ""
            after = r"(?!\w)" if WORD.match(words[-1][-1]) else ""
            self._replacements.append((re.compile(before + body + after, re.IGNORECASE), replacement))

    def text(self, value: str) -> str:
        if not value:
            return value
        for pattern, replacement in self._replacements:
            value = pattern.sub(replacement.replace("\\", "\\\\"), value)  # the replacement as written
        return value

    def data(self, value: Any) -> Any:
        """The same, through the strings of a JSON value (a list of whys, an event's parameters)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.data(item) for item in value]
        if isinstance(value, dict):
            return {key: self.data(item) for key, item in value.items()}
        return value

    def texts(self, values: Iterable[str]) -> list[str]:
        return [self.text(value) for value in values]
