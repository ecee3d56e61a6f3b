"""Erase a data subject on request (the same erasure as the customer page's Privacy requests)."""

from django.core.management.base import BaseCommand, CommandError

from core.context import Origin, origin
from core.exceptions import ApplicationError
from privacy import services

from .subject_export import add_subject_arguments, subject_from_options


class Command(BaseCommand):
    help = (
        "Replace a contact's or customer's personal data by a pseudonym, keeping the figures and the audit "
        "trail; recorded in the audit trail with the reason."
    )

    def add_arguments(self, parser):
        add_subject_arguments(parser)
        parser.add_argument("--reason", required=True, help="The request: when, how and from whom it came.")

    def handle(self, *args, reason, **options):
        subject = subject_from_options(options)
        try:
            with origin(Origin(source="command")):
                result = services.subject_erase(actor=None, subject=subject, reason=reason)
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error
        if result.already_erased:
            self.stdout.write(f"Already erased ({result.request.pseudonym}); nothing was changed.")
        else:
            self.stdout.write(f"Erased: the records now read {result.request.pseudonym}. {result.request.summary}")
