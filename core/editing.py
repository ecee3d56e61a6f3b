"""Writing a model's editable fields from a form's or serializer's data, and showing a service's
refusal on the form: the two steps every simple create/edit service and page share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from .exceptions import ApplicationError


def fields_apply(instance: models.Model, data: Mapping[str, Any], fields: Iterable[str]) -> None:
    """Set `data` on `instance` and validate it (full_clean). Refuses any field outside `fields` (the
    model's one editable-fields list), so a service never writes what its form does not offer."""
    unknown = set(data) - set(fields)
    if unknown:
        raise ApplicationError(_("These fields cannot be set: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()


def form_errors_add(form, error: ValidationError | ApplicationError) -> None:
    """A service's ValidationError on the fields it names (the rest on the form), or its
    ApplicationError's message on the form."""
    if isinstance(error, ValidationError):
        for field, errors in getattr(error, "message_dict", {"__all__": error.messages}).items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.message)
