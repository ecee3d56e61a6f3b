"""Check an evidence pack against its manifest: each file intact, altered, missing or added."""

from __future__ import annotations

import zipfile

from django.core.management.base import BaseCommand, CommandError

from evidence.manifest import INTACT, ManifestError, all_intact, pack_verify


class Command(BaseCommand):
    help = "Check every file of an evidence pack against its manifest.json; exit 1 unless all are intact."

    def add_arguments(self, parser):
        parser.add_argument("pack", help="PACK.zip")

    def handle(self, *args, **options):
        try:
            findings = pack_verify(options["pack"])
        except (OSError, zipfile.BadZipFile, ManifestError) as error:
            raise CommandError(f"{options['pack']}: {error}") from None
        for finding in findings:
            line = f"{finding.status:8} {finding.path}"
            self.stdout.write(self.style.SUCCESS(line) if finding.status == INTACT else self.style.ERROR(line))
        intact = sum(1 for finding in findings if finding.status == INTACT)
        summary = f"{intact} of {len(findings)} files intact"
        if not all_intact(findings):
            raise CommandError(f"{summary}: the pack is not as it was generated.")
        self.stdout.write(summary)
