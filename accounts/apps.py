from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import session_activity_start

        # A new session starts its idle clock at login, so its first page writes nothing more.
        user_logged_in.connect(session_activity_start, dispatch_uid="accounts.session_activity_start")
