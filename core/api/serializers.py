"""The one ModelSerializer base of the API: read-only fields say what their model field allows.

DRF drops `allow_blank` and `allow_null` from read-only fields it builds, and a declared read-only
field (a `SlugRelatedField` to a nullable foreign key) never had them. The schema then promises a
string where a blank or null value comes back ("" for a customer who was never lost, null for a
question with no dimension) and a client generated from the schema fails on real data. This base
sets both from the model after the fields are built, for built and declared fields alike.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField


def model_field_of(model: type[models.Model] | None, source: str) -> tuple[models.Field | None, bool]:
    """The model field a dotted `source` ends at, and whether any step on the way may be null
    (a relation that is absent makes the whole value null). (None, False) if it is not a field."""
    field = None
    nullable = False
    for part in source.split("."):
        if model is None:
            return None, False
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None, False
        nullable = nullable or bool(getattr(field, "null", False))
        model = field.related_model if field.is_relation else None
    return field, nullable


class ModelSerializer(serializers.ModelSerializer):
    def get_fields(self):
        fields = super().get_fields()
        model = getattr(getattr(self, "Meta", None), "model", None)
        for name, field in fields.items():
            if not field.read_only or isinstance(field, serializers.ListSerializer | ManyRelatedField):
                continue
            source = field.source or name
            if source == "*":
                continue
            model_field, nullable = model_field_of(model, source)
            if model_field is None:
                continue
            if nullable:
                field.allow_null = True
            if getattr(model_field, "blank", False) and hasattr(field, "allow_blank"):
                field.allow_blank = True
        return fields
