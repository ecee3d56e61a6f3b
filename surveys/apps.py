from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from complaints.services import rating_asked_elsewhere_register
        from core.mail import mail_failed
        from customers import timeline

        from .services import complaint_survey_running, invitation_mail_failed
        from .timeline import survey_entries

        timeline.register(survey_entries)
        # While a campaign asks after each closed complaint, the complaint sends no rating e-mail.
        rating_asked_elsewhere_register(complaint_survey_running)
        # An invitation the outbox gives up on is a bounce.
        mail_failed.connect(invitation_mail_failed, dispatch_uid="surveys.invitation_mail_failed")
