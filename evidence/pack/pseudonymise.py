"""Pseudonymising a pack: the names, phone numbers and e-mail addresses of customers, contacts and staff
are replaced by labels that stay the same within one pack ("Customer-3f2a9c" wherever that customer
appears) and cannot be linked across packs: each label is an HMAC of the value under a random key made
for the pack and never stored.

Every text of the pack goes through `Pseudonymiser.text`: spreadsheet cells, and every line the 8D
reports print (complaint descriptions, corrective actions, owners). A cell that holds exactly a known
value is replaced by a lookup; in free text
- e-mail addresses are replaced wherever they appear, known or not (an address is personal data
  whoever it belongs to);
- known phone numbers are found however they are written ("021-5550 1234", "02155501234", "+86 21
  5550 1234"): the label is taken from the digits, so every spelling gets the same one;
- known names are found in any case and with any spacing ("CHEN  Jiaming"), Latin names also in the
  other order ("Jiaming Chen"), staff names also as family name + given name ("王小明"); a Latin name
  is replaced only as a whole word ("Ann" is not replaced inside "Annual").
Best effort still: a name spelt differently in free text (a nickname, a typo) is not recognised.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth import get_user_model

from customers.models import Contact, Customer

BATCH_SIZE = 5000
MIN_LENGTH = 3  # shorter Latin values ("Li", "A") would replace parts of ordinary words
MIN_CJK_LENGTH = 2  # most Chinese names are two or three characters
MIN_PHONE_DIGITS = 6
EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
# Between two digits of a phone number as people write it: spaces, dashes, dots, brackets.
PHONE_SEPARATOR = r"[\s\-.()]{0,3}"
# The country code, or the trunk prefix 0 of an area code (021-5550 1234 is +86 21 5550 1234).
PHONE_PREFIX = r"(?:(?:\+|00)?86" + PHONE_SEPARATOR + r")?(?:0" + PHONE_SEPARATOR + r")?"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
ASCII_WORD = re.compile(r"[A-Za-z0-9]")
# A username is replaced in free text only when it cannot be an ordinary word ("wang.li", "staff1").
IDENTIFIER = re.compile(r"[0-9._-]")


def _trie(values: Iterable[str]) -> dict[str, Any]:
    trie: dict[str, Any] = {}
    for value in values:
        node = trie
        for character in value:
            node = node.setdefault(character, {})
        node[""] = True
    return trie


def _trie_pattern(values: Iterable[str], *, between: str = "", space: str = r"\s+") -> str:
    """One regular expression matching any of `values`, built as a trie so that matching costs the
    length of the text, not the number of values; the longest value wins at each position. `between`
    may come between two characters (a phone's separators); a space matches any run of `space`."""

    def build(node: dict[str, Any], first: bool) -> str:
        branches = []
        for character, child in sorted(node.items()):
            if not character:
                continue
            piece = space if character == " " else re.escape(character)
            branches.append(("" if first else between) + piece + build(child, False))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(_trie(values), True)


def _name_key(value: str) -> str:
    return " ".join(value.split()).casefold()


def _digits(value: str) -> str:
    """A phone number's digits without its trunk prefix: the same for every spelling of it."""
    return re.sub(r"\D", "", value).lstrip("0")


def _long_enough(value: str) -> bool:
    return len(value) >= (MIN_CJK_LENGTH if CJK.search(value) else MIN_LENGTH)


class Pseudonymiser:
    """Replace known personal values in text. `Pseudonymiser.for_database()` knows every customer's,
    contact's and user's name, phone and e-mail."""

    def __init__(
        self,
        known: dict[str, str],
        *,
        key: bytes | None = None,
        aliases: dict[str, str] | None = None,
        exact_only: dict[str, str] | None = None,
    ) -> None:
        """`known` maps a value to its kind ("Customer", "Contact", "Staff", "Phone", "Email").
        `aliases` maps another spelling of a name (another order) to the known value it stands for;
        `exact_only` values (usernames that are ordinary words) are replaced only as a whole cell."""
        self._key = key or secrets.token_bytes(32)
        self._names: dict[str, str] = {}  # name key -> label
        self._phones: dict[str, str] = {}  # digits -> label
        self._exact: dict[str, str] = {}  # name key -> label, whole cells only
        for value, kind in known.items():
            value = value.strip()
            if kind == "Email":
                continue  # every address is replaced by EMAIL, known or not
            if kind == "Phone":
                digits = _digits(value)
                if len(digits) >= MIN_PHONE_DIGITS:
                    self._phones.setdefault(digits, self._label("Phone", digits))
                continue
            label = self._label(kind, _name_key(value))
            self._exact.setdefault(_name_key(value), label)
            if _long_enough(value):
                self._names.setdefault(_name_key(value), label)
        for alias, value in (aliases or {}).items():
            label = self._exact.get(_name_key(value))
            if label and _long_enough(alias):
                self._names.setdefault(_name_key(alias), label)
                self._exact.setdefault(_name_key(alias), label)
        for value, kind in (exact_only or {}).items():
            self._exact.setdefault(_name_key(value), self._label(kind, _name_key(value)))
        names = _trie_pattern(sorted(self._names, key=len, reverse=True))
        self._name_pattern = re.compile(names, re.IGNORECASE) if names else None
        phones = _trie_pattern(sorted(self._phones, key=len, reverse=True), between=PHONE_SEPARATOR)
        self._phone_pattern = re.compile(rf"(?<!\d){PHONE_PREFIX}({phones})(?!\d)") if phones else None

    def _label(self, kind: str, value: str) -> str:
        tag = hmac.new(self._key, f"{kind}:{value.casefold()}".encode(), hashlib.sha256).hexdigest()[:6]
        if kind == "Email":
            return f"email-{tag}@example.invalid"
        return f"{kind}-{tag}"

    @classmethod
    def for_database(cls, *, key: bytes | None = None) -> Pseudonymiser:
        known: dict[str, str] = {}
        aliases: dict[str, str] = {}
        exact_only: dict[str, str] = {}

        def add(value: str | None, kind: str) -> None:
            value = " ".join((value or "").split())
            if value:
                known.setdefault(value, kind)

        for model, kind in ((Customer, "Customer"), (Contact, "Contact")):
            for _pk, name, phone, email in _batches(model.objects.all(), "name", "phone", "email"):
                add(name, kind)
                add(phone, "Phone")
                add(email, "Email")
                words = (name or "").split()
                if kind == "Contact" and len(words) == 2 and not CJK.search(name):
                    aliases[f"{words[1]} {words[0]}"] = " ".join(words)
        for _pk, username, first, last, email in _batches(
            get_user_model().objects.all(), "username", "first_name", "last_name", "email"
        ):
            full = " ".join(part for part in (first, last) if part)
            add(full, "Staff")
            add(email, "Email")
            if first and last:
                aliases[f"{last} {first}"] = full
                aliases[f"{last}{first}"] = full
            if username and IDENTIFIER.search(username):
                add(username, "Staff")
            elif username:
                exact_only[username] = "Staff"
        return cls(known, key=key, aliases=aliases, exact_only=exact_only)

    def _name(self, match: re.Match) -> str:
        text, start, end = match.string, match.start(), match.end()
        found = match.group(0)
        # A Latin name only as a whole word: not "Ann" in "Annual".
        if ASCII_WORD.match(found[0]) and start and ASCII_WORD.match(text[start - 1]):
            return found
        if ASCII_WORD.match(found[-1]) and end < len(text) and ASCII_WORD.match(text[end]):
            return found
        return self._names.get(_name_key(found), found)

    def _phone(self, match: re.Match) -> str:
        label = self._phones.get(_digits(match.group(1)))
        return match.group(0) if label is None else label

    def text(self, value: str) -> str:
        if not value:
            return value
        exact = self._exact.get(_name_key(value))
        if exact is not None:
            return exact
        value = EMAIL.sub(lambda match: self._label("Email", match.group(0)), value)
        if self._phone_pattern is not None:
            value = self._phone_pattern.sub(self._phone, value)
        if self._name_pattern is not None:
            value = self._name_pattern.sub(self._name, value)
        return value

    def cell(self, value: Any) -> Any:
        return self.text(value) if isinstance(value, str) else value

    def rows(self, rows: Iterable[Iterable[Any]]) -> Iterator[list[Any]]:
        for row in rows:
            yield [self.cell(value) for value in row]


def _batches(queryset, *fields: str) -> Iterator[tuple[Any, ...]]:
    """(pk, *fields) of every row, read in keyset batches."""
    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk).order_by("pk").values_list("pk", *fields)[:BATCH_SIZE])
        if not batch:
            return
        yield from batch
        last_pk = batch[-1][0]


class Identity:
    """The pseudonymiser of a pack that keeps personal data: changes nothing."""

    def text(self, value: str) -> str:
        return value

    def cell(self, value: Any) -> Any:
        return value

    def rows(self, rows: Iterable[Iterable[Any]]) -> Iterator[list[Any]]:
        for row in rows:
            yield list(row)
