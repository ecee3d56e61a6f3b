"""Back up the database and the private media into one archive (var/backups/ by default)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backup import backup_create
from core.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Write csm-YYYYMMDD-HHMMSS.tar: the database (pg_dump custom format, or SQLite's online backup), the private media and a manifest."

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory",
            type=Path,
            default=None,
            help="where to write the archive (default: var/backups/ under VAR_DIR)",
        )

    def handle(self, *args, directory=None, **options):
        directory = directory or Path(settings.VAR_DIR) / "backups"
        try:
            archive = backup_create(directory=directory)
        except ApplicationError as error:
            raise CommandError(error.message)
        self.stdout.write(str(archive))
