"""Restore an archive written by `manage.py backup`, check every table's row count and the audit chain."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.audit_chain import audit_chain_verify
from core.backup import backup_read_manifest, backup_restore, database_is_empty
from core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Replace the database and the private media with a backup's, then compare every table's row "
        "count with the backup's manifest and verify the audit chain. Stop the web app and the workers first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="a csm-YYYYMMDD-HHMMSS.tar written by manage.py backup")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_true",
            help="do not ask before replacing a database that has tables",
        )

    def handle(self, *args, archive: Path, noinput=False, **options):
        try:
            manifest = backup_read_manifest(archive)
            target = connection.settings_dict["NAME"]
            self.stdout.write(
                f"Backup of {manifest['created_at']} ({manifest['engine']}, {len(manifest['tables'])} tables, "
                f"{sum(manifest['tables'].values())} rows, {manifest['private_files']} private files): checksums ok."
            )
            if not database_is_empty() and not noinput:
                answer = input(f"This replaces everything in the database {target}. Type 'yes' to go on: ")
                if answer.strip().lower() != "yes":
                    raise CommandError("Nothing restored.")
            result = backup_restore(archive=archive)
        except ApplicationError as error:
            raise CommandError(error.message)
        if result.kept_aside:
            self.stdout.write(f"The private files that were there are kept in {result.kept_aside}.")
        for table, (expected, restored) in sorted(result.mismatches.items()):
            self.stderr.write(f"row count differs: {table}: backup {expected}, restored {restored}")
        self.stdout.write(
            f"Restored {result.tables} tables, {result.rows} rows; {len(result.mismatches)} row counts differ."
        )
        chain = audit_chain_verify()
        self.stdout.write(f"Audit chain: {chain.as_text()}")
        if not result.ok or not chain.ok:
            raise CommandError(
                "The restore does not match the backup." if not result.ok else "The audit chain is broken."
            )
