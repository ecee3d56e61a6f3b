"""What the customer's survey page says about who is asking: the organisation's name and logo and
a short privacy notice, set by the administrator (one row)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.i18n import bilingual

# The logo types a survey page may show: raster images, and SVG only after surveys.logos has
# checked it holds no script, event handler, external reference or entity.
LOGO_CONTENT_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
LOGO_MAX_BYTES = 256 * 1024


def logo_version(updated_at) -> str:
    """The logo's version in its URL (cached for a year): changes with every save, to the microsecond."""
    return str(int(updated_at.timestamp() * 1_000_000))


class SurveyPageSettings(models.Model):
    """The one row (pk 1) of the survey pages' settings; `current()` creates it on first use."""

    organisation_name_en = models.CharField(_("organisation name (English)"), max_length=150, blank=True)
    organisation_name_zh = models.CharField(_("organisation name (Chinese)"), max_length=150, blank=True)
    logo = models.BinaryField(_("logo"), blank=True, default=b"", editable=False)
    logo_content_type = models.CharField(_("logo file type"), max_length=20, blank=True, editable=False)
    privacy_notice_en = models.TextField(
        _("privacy notice (English)"), blank=True, help_text=_("Empty: the standard notice.")
    )
    privacy_notice_zh = models.TextField(
        _("privacy notice (Chinese)"), blank=True, help_text=_("Empty: the standard notice.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("survey page settings")
        verbose_name_plural = _("survey page settings")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="survey_page_settings_single_row")]

    def __str__(self) -> str:
        return str(_("Survey page settings"))

    @classmethod
    def current(cls) -> SurveyPageSettings:
        return cls.objects.get_or_create(pk=1)[0]

    @property
    def has_logo(self) -> bool:
        return bool(self.logo_content_type)

    def organisation_name(self, language: str | None = None) -> str:
        return bilingual(self, "organisation_name", language)

    def privacy_notice(self, language: str | None = None) -> str:
        return bilingual(self, "privacy_notice", language)
