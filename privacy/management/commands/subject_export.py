"""Write the copy of a data subject's data (the same ZIP as the customer page's Privacy requests)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.context import Origin, origin
from customers.models import Contact, Customer
from privacy import selectors, services
from privacy.exporting import subject_export_chunks


def subject_from_options(options) -> selectors.Subject:
    contact, customer = options.get("contact"), options.get("customer")
    if (contact is None) == (customer is None):
        raise CommandError("Name exactly one subject: --contact ID or --customer ID.")
    try:
        if contact is not None:
            return selectors.subject_of_contact(pk=contact)
        return selectors.subject_of_customer(pk=customer)
    except (Contact.DoesNotExist, Customer.DoesNotExist) as error:
        raise CommandError(f"No such {'contact' if contact is not None else 'customer'}.") from error


def add_subject_arguments(parser) -> None:
    parser.add_argument("--contact", type=int, metavar="ID", help="A contact (customers.Contact id).")
    parser.add_argument("--customer", type=int, metavar="ID", help="A customer and all of its contacts.")


class Command(BaseCommand):
    help = "Export everything held about a contact or customer as one ZIP of JSON with a readable summary."

    def add_arguments(self, parser):
        add_subject_arguments(parser)
        parser.add_argument("--output", required=True, metavar="FILE.zip")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES], default=None)

    def handle(self, *args, output, language=None, **options):
        subject = subject_from_options(options)
        target = Path(output)
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent} is not a folder.")
        with origin(Origin(source="command")):
            services.subject_export_record(actor=None, subject=subject)
        partial = target.with_name(target.name + ".part")
        with partial.open("wb") as handle:
            for chunk in subject_export_chunks(
                subject, language=language or settings.LANGUAGE_CODE, exported_by="manage.py subject_export"
            ):
                handle.write(chunk)
        partial.replace(target)
        self.stdout.write(f"Wrote {target} ({target.stat().st_size} bytes).")
