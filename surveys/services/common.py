"""What every survey service shares: the logger, the managers' write check and the creation audit."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from accounts.access import require
from core.audit import audit_record, snapshot
from core.models import AuditEvent

logger = logging.getLogger(__name__)


def require_manager(actor, perm: str) -> None:
    """The survey programme's write check (accounts.access.require), in the surveys' own words."""
    require(actor, perm, _("You are not allowed to change surveys."))


def audit_created(actor, instance) -> None:
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        instance=instance,
        changes={k: [None, v] for k, v in snapshot(instance).items() if v not in (None, "", [], {})},
    )
