"""Who may do what, changed outside the admin: in the audit trail too.

The admin audits its own changes (core.admin_audit). A role granted in `manage.py shell`, a
superuser made by `createsuperuser`, a role's permissions changed by a script: these reach the
database through the ORM alone, so they are caught here, on the model signals, and recorded as
the system ("outside the application"). While the admin handles a request it records the change
itself, with its user, and this module stays quiet (`audited_elsewhere`).

Recorded: a user's roles (groups), superuser, admin-site and active flags; a role's permissions.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_save, pre_save

from .audit import audit_record
from .models import AuditEvent

PRIVILEGE_FLAGS = ("is_superuser", "is_staff", "is_active")
COMMENT = "outside the application"

_elsewhere: contextvars.ContextVar[bool] = contextvars.ContextVar("csm_privileges_audited_elsewhere", default=False)


@contextlib.contextmanager
def audited_elsewhere():
    """Within: privilege changes are audited by the caller (the admin), not by the signals."""
    token = _elsewhere.set(True)
    try:
        yield
    finally:
        _elsewhere.reset(token)


def _mark_raw(sender, instance, raw=False, **kwargs) -> None:
    """A record loaded as it is (loaddata, a test database restored): its many-to-many values
    follow on the same instance and are no grant either (m2m_changed carries no `raw`)."""
    if raw:
        instance._csm_loaded_raw = True


def _user_pre_save(sender, instance, raw=False, **kwargs) -> None:
    _mark_raw(sender, instance, raw)
    if raw or _elsewhere.get() or instance.pk is None:
        return
    instance._csm_privileges_before = sender._default_manager.filter(pk=instance.pk).values(*PRIVILEGE_FLAGS).first()


def _user_post_save(sender, instance, created, raw=False, **kwargs) -> None:
    if raw or _elsewhere.get():
        return
    before = getattr(instance, "_csm_privileges_before", None)
    instance._csm_privileges_before = None
    if created or before is None:
        # A new account is a grant when it arrives with powers: a superuser, an admin-site user.
        changes = {f: [None, True] for f in ("is_superuser", "is_staff") if getattr(instance, f)}
        action = AuditEvent.Action.CREATE
    else:
        changes = {f: [before[f], getattr(instance, f)] for f in PRIVILEGE_FLAGS if before[f] != getattr(instance, f)}
        action = AuditEvent.Action.UPDATE
    if changes:
        audit_record(actor=None, action=action, instance=instance, changes=changes, comment=COMMENT)


def _names(model, pks) -> list[str]:
    return sorted(str(x) for x in model._default_manager.filter(pk__in=pks or ()))


def _memberships_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """user.groups.add/remove/clear/set, and group.user_set.add/…, with the names that changed."""
    if _elsewhere.get() or getattr(instance, "_csm_loaded_raw", False):
        return
    if action == "pre_clear":
        instance._csm_cleared = list(
            (instance.groups if not reverse else instance.user_set).values_list("pk", flat=True)
        )
        return
    if action not in ("post_add", "post_remove", "post_clear") or (action != "post_clear" and not pk_set):
        return
    removed = action in ("post_remove", "post_clear")
    pks = getattr(instance, "_csm_cleared", []) if action == "post_clear" else pk_set
    if not pks:
        return
    if not reverse:  # instance: a user; pks: groups
        _record(instance, "groups", _names(Group, pks), removed)
    else:  # instance: a group; pks: users
        for user in get_user_model()._default_manager.filter(pk__in=pks):
            _record(user, "groups", [str(instance)], removed)


def _permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    if _elsewhere.get() or getattr(instance, "_csm_loaded_raw", False):
        return
    if reverse or action not in ("post_add", "post_remove") or not pk_set:
        return
    names = sorted(f"{p.content_type.app_label}.{p.codename}" for p in model._default_manager.filter(pk__in=pk_set))
    _record(instance, "permissions", names, action == "post_remove")


def _record(instance, field: str, names: list[str], removed: bool) -> None:
    change = [names, []] if removed else [[], names]
    audit_record(
        actor=None, action=AuditEvent.Action.UPDATE, instance=instance, changes={field: change}, comment=COMMENT
    )


def connect() -> None:
    User = get_user_model()
    pre_save.connect(_user_pre_save, sender=User, dispatch_uid="csm.privileges.pre_save")
    pre_save.connect(_mark_raw, sender=Group, dispatch_uid="csm.privileges.group_pre_save")
    post_save.connect(_user_post_save, sender=User, dispatch_uid="csm.privileges.post_save")
    m2m_changed.connect(_memberships_changed, sender=User.groups.through, dispatch_uid="csm.privileges.groups")
    m2m_changed.connect(_permissions_changed, sender=Group.permissions.through, dispatch_uid="csm.privileges.perms")
