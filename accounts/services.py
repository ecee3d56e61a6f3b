"""Writes about accounts that are not the admin's forms: the audit row of a password change."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditEvent


def password_change_record(*, actor, user) -> None:
    """Record that `user`'s password was changed by `actor` (themselves, or an administrator). The
    trail says that it changed, never the hash. Call it once the new password is saved."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        instance=user,
        changes={"password": [_("(old)"), _("(changed)")]},
        comment=_("Password changed by the user.") if actor == user else _("Password set by an administrator."),
    )
