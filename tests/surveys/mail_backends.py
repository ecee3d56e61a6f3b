"""E-mail backends that fail the way real relays do, for sending tests."""

import smtplib

from django.core import mail
from django.core.mail.backends.locmem import EmailBackend


class RefusingBackend(EmailBackend):
    """Refuses any address starting with "refused"; delivers the rest to mail.outbox."""

    def send_messages(self, messages):
        for message in messages:
            if message.to[0].startswith("refused"):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"No such user")})
        return super().send_messages(messages)


class FlakyRelayBackend(EmailBackend):
    """Delivers `budget` messages, then the relay drops the connection."""

    budget = 1

    def send_messages(self, messages):
        if len(mail.outbox) >= self.budget:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
