"""The admin's writes in the audit trail.

Configuration lives in the admin (roles and who holds them, SLA policies, the holiday calendar,
escalation levels, categories, teams): every change to who may do what, and to the rules the figures
depend on, must be in the trail at /audit/, not only in Django's admin log. A ModelAdmin that
inherits `AuditedModelAdmin` writes one `AuditEvent` per add, change and delete, with the changed
fields (many-to-many ones as sorted names: a user's groups, a group's permissions, a team's members)
through `core.audit.audit_record`, the same function the services use.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction

from .audit import audit_record, diff, snapshot
from .models import AuditEvent
from .privilege_audit import audited_elsewhere

# Never copied into the trail: a password hash is a credential, the last login is no change.
NOT_AUDITED = frozenset({"id", "password", "last_login", "created_at", "updated_at"})


def audited_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if f.name not in NOT_AUDITED]


def related_names(instance: models.Model) -> dict[str, list[str]]:
    """The instance's many-to-many values as sorted names (empty for an unsaved instance)."""
    if instance.pk is None:
        return {f.name: [] for f in instance._meta.many_to_many}
    return {f.name: sorted(str(x) for x in getattr(instance, f.name).all()) for f in instance._meta.many_to_many}


class AuditedModelAdmin(admin.ModelAdmin):
    """Writes the audit trail for every add, change and delete made in the admin (with its user;
    core.privilege_audit, which catches the same changes made outside, stays quiet meanwhile)."""

    def changeform_view(self, request, *args, **kwargs):
        with audited_elsewhere():
            return super().changeform_view(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        with audited_elsewhere():
            return super().delete_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):  # the bulk "delete selected" action
        with audited_elsewhere():
            return super().changelist_view(request, *args, **kwargs)

    def save_model(self, request, obj, form, change):
        model = type(obj)
        stored = model._default_manager.filter(pk=obj.pk).first() if change and obj.pk is not None else None
        request._csm_audit_before = snapshot(stored, audited_fields(model)) if stored is not None else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # Many-to-many values are saved here (form.save_m2m), after save_model.
        before_related = related_names(form.instance) if change else {}
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            obj = form.instance
            changes: dict[str, Any] = diff(
                getattr(request, "_csm_audit_before", {}), snapshot(obj, audited_fields(type(obj)))
            )
            changes.update(diff(before_related, related_names(obj)))
            if not change:
                changes = {k: v for k, v in changes.items() if v[1] not in (None, "", [], False)}
            if changes or not change:
                audit_record(
                    actor=request.user,
                    action=AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
                    instance=obj,
                    changes=changes,
                    comment="admin",
                )

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._audit_delete(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self._audit_delete(request, obj)
            super().delete_queryset(request, queryset)

    @staticmethod
    def _audit_delete(request, obj) -> None:
        values = {**snapshot(obj, audited_fields(type(obj))), **related_names(obj)}
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.DELETE,
            instance=obj,
            changes={k: [v, None] for k, v in values.items() if v not in (None, "", [])},
            comment="admin",
        )
