"""References between records of different apps kept as text (an outbox row's cause, a visit's or an
invitation's triggering event, e.g. "complaint:42"), written and read back in one way.

The text is `<model name>:<primary key>`; reading it back names the model it must be, so a
reference to something else is never taken for one of these.
"""

from __future__ import annotations

from django.db import models


def reference_of(instance: models.Model) -> str:
    """The reference text of a saved record."""
    return reference_text(type(instance), instance.pk)


def reference_text(model: type[models.Model], pk: int) -> str:
    """The reference text of the record of `model` with this primary key (no query)."""
    return f"{model._meta.model_name}:{pk}"


def reference_split(text: str) -> tuple[str, int] | None:
    """(model name, primary key) of a reference text, or None if `text` is not one."""
    model_name, colon, rest = text.partition(":")
    if not colon or not rest.isdigit() or not model_name.replace("_", "").isalpha():
        return None
    return model_name, int(rest)


def reference_pk(text: str, model: type[models.Model]) -> int | None:
    """The primary key in `text` if it refers to a record of `model`, else None."""
    prefix = f"{model._meta.model_name}:"
    if not text.startswith(prefix):
        return None
    rest = text[len(prefix) :]
    return int(rest) if rest.isdigit() else None
