from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from customers import timeline

        from .services import common  # noqa: F401  (connects the SLA configuration cache's signals)
        from .timeline import complaint_entries

        timeline.register(complaint_entries)
