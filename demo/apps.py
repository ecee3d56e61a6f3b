from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data set (`manage.py seed_demo`): the top of the house, the one place that knows every app."""

    name = "demo"
    verbose_name = _("Demo data")
