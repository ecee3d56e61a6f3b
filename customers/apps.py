from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from . import timeline

        timeline.register(timeline.lifecycle_entries)
        timeline.register(timeline.audit_entries)
