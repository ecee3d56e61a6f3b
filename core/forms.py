"""Form helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _


class ModelChoiceListIterator(ModelChoiceIterator):
    """A ModelChoiceField's options, read with one ordinary query when first needed, then kept.

    Django's iterator reads them with `queryset.iterator()` on every pass: on PostgreSQL that is a
    server-side cursor (DECLARE, FETCH, CLOSE) for a list of a few dozen people or departments, and
    a Select makes two passes (it peeks at the first option to decide on `required`). Same options,
    same values (ModelChoiceIteratorValue) and labels (`label_from_instance`).

    `objects`: when given, a callable that returns the field's objects already read (a page that
    shows the same list in two forms reads it once); it must give what the queryset would.
    """

    def __init__(self, field, objects: Callable[[], list] | None = None):
        super().__init__(field)
        self._objects = objects
        self._choices: list | None = None

    def _read(self) -> list:
        if self._choices is None:
            choices = [("", self.field.empty_label)] if self.field.empty_label is not None else []
            objects = self._objects() if self._objects is not None else self.queryset
            choices.extend(self.choice(obj) for obj in objects)
            self._choices = choices
        return self._choices

    def __iter__(self):
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())

    def __bool__(self) -> bool:
        return bool(self._read())


def model_choices_read_once(form: forms.Form, objects: Mapping[str, Callable[[], list]] | None = None) -> None:
    """Give each model choice field of a form instance (after its querysets are final) options read
    once with one plain query (ModelChoiceListIterator), or taken from `objects` (by field name: a
    callable returning the objects already read). Validation still uses the queryset.
    Fields with a django-filter null option keep their own iterator, which adds that option."""
    objects = objects or {}
    for name, field in form.fields.items():
        if isinstance(field, forms.ModelChoiceField) and getattr(field, "null_label", None) is None:
            field.widget.choices = ModelChoiceListIterator(field, objects.get(name))


DJANGO_BLANK_LABEL = "---------"
CHOOSE_LABEL = _("— choose —")
NOT_SET_LABEL = _("— not set —")


def blank_choices_labelled(form: forms.Form) -> None:
    """Word the empty option of a form instance's selects instead of Django's "---------": "choose"
    where an answer is required, "not set" where none is (a ModelForm's blank model choices included)."""
    for field in form.fields.values():
        label = CHOOSE_LABEL if field.required else NOT_SET_LABEL
        if isinstance(field, forms.ModelChoiceField):
            if field.empty_label == DJANGO_BLANK_LABEL:
                field.empty_label = label  # the options are read when rendered, with this label
        elif isinstance(field, forms.ChoiceField):
            choices = list(field.choices)
            if any(value == "" and text == DJANGO_BLANK_LABEL for value, text in choices):
                field.choices = [
                    (value, label if value == "" and text == DJANGO_BLANK_LABEL else text) for value, text in choices
                ]
