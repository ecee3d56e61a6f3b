"""Build an evidence pack from the command line: the same pack as the evidence page's button."""

from __future__ import annotations

import datetime
import shutil

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ApplicationError
from customers.models import Segment
from evidence import services
from evidence.models import EvidencePack


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = "Build the evidence pack of a period (ZIP with manifest.json) and write it to --output."

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--until", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--segment", type=int, help="id of a saved segment (default: every customer)")
        parser.add_argument(
            "--pseudonymise", action="store_true", help="replace customers' and contacts' personal data"
        )
        parser.add_argument("--language", required=True, choices=[code for code, _name in settings.LANGUAGES])
        parser.add_argument(
            "--sample-size", type=int, default=services.SAMPLE_SIZE, help="complaints with an 8D report"
        )
        parser.add_argument("--seed", type=int, help="seed of the complaint sample (default: drawn at random)")
        parser.add_argument("--output", required=True, help="where to write PACK.zip")

    def handle(self, *args, **options):
        segment = None
        if options["segment"] is not None:
            segment = Segment.objects.filter(pk=options["segment"]).first()
            if segment is None:
                raise CommandError(f"No segment has the id {options['segment']}.")
        try:
            pack = services.evidence_pack_request(
                actor=None,
                since=_date(options["since"]),
                until=_date(options["until"]),
                segment=segment,
                pseudonymise=options["pseudonymise"],
                language=options["language"],
                sample_size=options["sample_size"],
                seed=options["seed"],
                enqueue=False,
            )
        except ApplicationError as error:
            raise CommandError(error.message) from None
        pack = services.evidence_pack_build(pack_id=pack.pk)
        if pack.status != EvidencePack.Status.DONE:
            raise CommandError(f"The pack could not be built: {pack.error}")
        shutil.copyfile(services.evidence_pack_path(pack), options["output"])
        self.stdout.write(f"{options['output']}: {pack.size} bytes, SHA-256 {pack.sha256}")
