from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from complaints.services import rating_asked_elsewhere_register
        from customers import timeline

        from .services import complaint_survey_running
        from .timeline import survey_entries

        timeline.register(survey_entries)
        # While a campaign asks after each closed complaint, the complaint sends no rating e-mail.
        rating_asked_elsewhere_register(complaint_survey_running)
