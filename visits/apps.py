from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Follow-up visits")

    def ready(self) -> None:
        from customers import hooks, timeline

        from . import services
        from .timeline import visit_entries

        timeline.register(visit_entries)
        hooks.on_lifecycle_change(services.visit_schedule_for_lifecycle_change)
