"""Verify the audit trail's hash chain; exit status 1 when it is broken."""

from django.core.management.base import BaseCommand, CommandError

from core.audit_chain import audit_chain_verify


def _published(value: str) -> tuple[int, str]:
    position, _, digest = value.partition(":")
    if not position.isdigit() or len(digest) != 64:
        raise CommandError("--head takes POSITION:HASH, as audit_chain_head() prints it.")
    return int(position), digest.lower()


class Command(BaseCommand):
    help = "Recompute the audit trail's hash chain and name the first edited, deleted, inserted or reordered entry."

    def add_arguments(self, parser):
        parser.add_argument(
            "--head",
            metavar="POSITION:HASH",
            help="A head published earlier (e.g. in a monthly report): the chain must still contain it.",
        )

    def handle(self, *args, head=None, **options):
        result = audit_chain_verify(published=_published(head) if head else None)
        if not result.ok:
            raise CommandError(f"The audit chain is broken: {result.as_text()}")
        self.stdout.write(result.as_text())
