"""The survey pages' settings: the organisation asking (name, logo) and the privacy notice."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record, diff, snapshot
from core.editing import fields_apply
from core.exceptions import ApplicationError
from core.models import AuditEvent

from .. import selectors
from ..logos import logo_checked
from ..models import SurveyPageSettings
from .common import require_manager

PAGE_SETTINGS_EDITABLE_FIELDS = (
    "organisation_name_en",
    "organisation_name_zh",
    "privacy_notice_en",
    "privacy_notice_zh",
)
AUDITED_FIELDS = (*PAGE_SETTINGS_EDITABLE_FIELDS, "logo_content_type")


@transaction.atomic
def survey_page_settings_update(
    *, actor, data: dict[str, Any], logo: bytes | None = None, remove_logo: bool = False
) -> SurveyPageSettings:
    """Set the organisation's name, logo and privacy notice. `logo`: the uploaded file's bytes,
    checked by surveys.logos (PNG, JPEG, or SVG without scripts or links); a refused logo changes
    nothing. The survey pages show the change within their settings cache (a few seconds)."""
    require_manager(actor, "surveys.change_surveypagesettings")
    if logo is not None and remove_logo:
        raise ApplicationError(_("Upload a new logo or remove the old one, not both."))
    content_type = logo_checked(logo) if logo is not None else None
    page = SurveyPageSettings.current()
    before = snapshot(page, AUDITED_FIELDS)
    fields_apply(page, {k: (v or "").strip() for k, v in data.items()}, PAGE_SETTINGS_EDITABLE_FIELDS)
    if content_type is not None:
        page.logo, page.logo_content_type = logo, content_type
    elif remove_logo:
        page.logo, page.logo_content_type = b"", ""
    page.save()
    changes = diff(before, snapshot(page, AUDITED_FIELDS))
    if content_type is not None and logo is not None:
        changes["logo"] = [None, f"{content_type}, {len(logo)} bytes"]
    if changes:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=page, changes=changes)
    transaction.on_commit(selectors.page_settings_forget)
    return page
