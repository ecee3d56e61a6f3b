from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """Perception data from outside the surveys (ISO 9001:2015 9.1.2 note): warranty claims, dealer
    reports, delivered-quality data, compliments, internal feedback from sales and after-sales, and
    the competitor and benchmark scores entered from market research."""

    name = "feedback"
    verbose_name = _("Other feedback")
