from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Data-subject requests under China's PIPL (个人信息保护法, articles 45 and 47): a customer's or
    contact's copy of everything held about them, and their erasure on request, keeping the figures
    and the audit trail whole."""

    name = "privacy"
    verbose_name = _("Privacy requests")
