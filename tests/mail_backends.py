"""E-mail backends that fail the way real relays do, for the outbox tests (settings.EMAIL_BACKEND =
"tests.mail_backends.<name>"; set it back to locmem to let the relay "recover")."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class DisconnectingRelayBackend(EmailBackend):
    """The relay drops the connection (transient)."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class UnreachableRelayBackend(EmailBackend):
    """Nothing listens on the relay's port (transient)."""

    def send_messages(self, messages):
        raise ConnectionRefusedError(111, "Connection refused")


class RefusingRecipientBackend(EmailBackend):
    """The relay says the mailbox does not exist (permanent, 550)."""

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"5.1.1 No such user")})


class GreylistingBackend(EmailBackend):
    """The relay says "try again later" for the recipient (transient, 450)."""

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (450, b"4.7.1 Greylisted, try later")})
