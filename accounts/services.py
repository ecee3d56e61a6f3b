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


def api_token_record(*, actor, issued: bool, count: int = 1, expiry=None) -> None:
    """Record that `actor` issued an API token, or revoked `count` of their tokens. A token is a
    credential: the trail names neither the token nor its digest, only the user, when and the expiry."""
    if issued:
        comment = _("API token issued, expiring %(expiry)s.") % {"expiry": expiry.isoformat() if expiry else "-"}
    else:
        comment = _("%(count)d API token(s) revoked.") % {"count": count}
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE if issued else AuditEvent.Action.DELETE,
        instance=actor,
        changes={"api_tokens": [None, "+1"] if issued else [str(count), "-"]},
        comment=comment,
    )
