"""Pseudonymising a pack: the names, phone numbers and e-mail addresses of customers and contacts are
replaced by labels that stay the same within one pack ("Customer-3f2a9c" wherever that customer
appears) and cannot be linked across packs: each label is an HMAC of the value under a random key
made for the pack and never stored.

Cells that hold exactly a known value are replaced by a lookup; free text (a complaint's description,
an audit entry's changes) has every known value found in it replaced, longest first (best effort: a
name spelt differently in free text is not recognised).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Iterator
from typing import Any

from customers.models import Contact, Customer

BATCH_SIZE = 5000
MIN_LENGTH = 3  # shorter values ("王", "A") would replace parts of ordinary words


def _trie_pattern(values: Iterable[str]) -> str:
    """One regular expression matching any of `values`, built as a trie so that matching costs the
    length of the text, not the number of values; the longest value wins at each position."""
    trie: dict[str, Any] = {}
    for value in values:
        node = trie
        for character in value:
            node = node.setdefault(character, {})
        node[""] = True

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(character) + build(child) for character, child in sorted(node.items()) if character]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


class Pseudonymiser:
    """Replace known personal values in text. `Pseudonymiser.for_database()` knows every customer's and
    contact's name, phone and e-mail."""

    def __init__(self, known: dict[str, str], *, key: bytes | None = None) -> None:
        """`known` maps a value to its kind ("Customer", "Contact", "Phone", "Email")."""
        self._key = key or secrets.token_bytes(32)
        self._labels = {value: self._label(kind, value) for value, kind in known.items() if len(value) >= MIN_LENGTH}
        pattern = _trie_pattern(sorted(self._labels, key=len, reverse=True))
        self._pattern = re.compile(pattern) if pattern else None

    def _label(self, kind: str, value: str) -> str:
        tag = hmac.new(self._key, f"{kind}:{value.casefold()}".encode(), hashlib.sha256).hexdigest()[:6]
        if kind == "Email":
            return f"email-{tag}@example.invalid"
        return f"{kind}-{tag}"

    @classmethod
    def for_database(cls, *, key: bytes | None = None) -> Pseudonymiser:
        known: dict[str, str] = {}
        for model, kind in ((Customer, "Customer"), (Contact, "Contact")):
            last_pk = 0
            while True:
                batch = list(
                    model.objects.filter(pk__gt=last_pk)
                    .order_by("pk")
                    .values_list("pk", "name", "phone", "email")[:BATCH_SIZE]
                )
                if not batch:
                    break
                for _pk, name, phone, email in batch:
                    for value, value_kind in ((name, kind), (phone, "Phone"), (email, "Email")):
                        value = (value or "").strip()
                        if value:
                            known.setdefault(value, value_kind)
                last_pk = batch[-1][0]
        return cls(known, key=key)

    def text(self, value: str) -> str:
        if not value or self._pattern is None:
            return value
        exact = self._labels.get(value)
        if exact is not None:
            return exact
        return self._pattern.sub(lambda match: self._labels.get(match.group(0), match.group(0)), value)

    def cell(self, value: Any) -> Any:
        return self.text(value) if isinstance(value, str) else value

    def rows(self, rows: Iterable[Iterable[Any]]) -> Iterator[list[Any]]:
        for row in rows:
            yield [self.cell(value) for value in row]


class Identity:
    """The pseudonymiser of a pack that keeps personal data: changes nothing."""

    def text(self, value: str) -> str:
        return value

    def cell(self, value: Any) -> Any:
        return value

    def rows(self, rows: Iterable[Iterable[Any]]) -> Iterator[list[Any]]:
        for row in rows:
            yield list(row)
