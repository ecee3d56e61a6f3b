"""Attachments: type checked by content and structure (complaints.attachment_types), size-limited,
stored outside the web root under a random name. HTML, SVG and anything else that a browser could run
is refused: only the allow-list passes, and a refused file writes nothing."""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.exceptions import ApplicationError
from core.models import AuditEvent

from ..attachment_types import attachment_kind
from ..models import Complaint, ComplaintAttachment
from .common import require_writer

# No path separators, no parent references, no control characters, no leading dot.
UNSAFE_NAME = re.compile(r"[\\/\x00-\x1f\x7f]|\.\.|^\.|^\s*$")


def attachment_max_bytes() -> int:
    return settings.COMPLAINTS_ATTACHMENT_MAX_BYTES


def attachment_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "complaints"


def attachment_check(*, name: str, content: bytes) -> str:
    """The MIME type of an acceptable file, or ApplicationError saying what is wrong with it."""
    if UNSAFE_NAME.search(name or "") or len(name) > 150:
        raise ApplicationError(_("The file name %(name)s is not allowed.") % {"name": name[:80]})
    if len(content) > attachment_max_bytes():
        raise ApplicationError(
            _("%(name)s is larger than %(size)d MB.") % {"name": name, "size": attachment_max_bytes() // (1024 * 1024)}
        )
    if not content:
        raise ApplicationError(_("%(name)s is empty.") % {"name": name})
    return attachment_kind(name=name, content=content).mime


@transaction.atomic
def complaint_attachment_add(*, actor, complaint: Complaint, name: str, content: bytes) -> ComplaintAttachment:
    require_writer(actor, "complaints.add_complaintattachment")
    mime = attachment_check(name=name, content=content)
    today = timezone.localdate()
    relative = Path(f"{today:%Y/%m}") / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    target = attachment_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    attachment = ComplaintAttachment.objects.create(
        complaint=complaint,
        original_name=name,
        stored_path=str(relative),
        content_type=mime,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        instance=complaint,
        changes={"attachment": [None, name]},
    )
    return attachment


def attachment_path(attachment: ComplaintAttachment) -> Path:
    """The file on disk; refuses a stored path that would leave the attachment folder."""
    root = attachment_root().resolve()
    path = (root / attachment.stored_path).resolve()
    if root not in path.parents:
        raise ApplicationError(_("The file is not available."))
    return path
