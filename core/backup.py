"""Backup and restore of one installation: the database and the private media, in one archive.

An archive `csm-YYYYMMDD-HHMMSS.tar` holds:
- `database.dump` (PostgreSQL: `pg_dump --format=custom`) or `database.sqlite3` (SQLite: a copy made
  with SQLite's online backup API, consistent while the app keeps writing);
- `private/`: the files under PRIVATE_MEDIA_ROOT (uploaded imports, complaint attachments);
- `manifest.json`: when, which engine, the SHA-256 of every other member, and the row count of every
  table as the dump holds it. On PostgreSQL the counts and the dump read the same snapshot (the
  counting transaction exports it and pg_dump uses it), so they agree even while users write.

Restoring checks the checksums before touching anything, loads the database, puts the private
files in place (the folder there before is kept beside it), and compares every table's row count
with the manifest. The caller then verifies the audit chain (`manage.py restore` does).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .exceptions import ApplicationError

MANIFEST = "manifest.json"
PRIVATE = "private"
FORMAT_VERSION = 1
PG_DUMP = os.environ.get("PG_DUMP", "pg_dump")
PG_RESTORE = os.environ.get("PG_RESTORE", "pg_restore")


@dataclass
class RestoreResult:
    engine: str
    tables: int
    rows: int
    mismatches: dict[str, tuple[int, int | None]] = field(default_factory=dict)  # table: (manifest, restored)
    private_files: int = 0
    kept_aside: str = ""

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else connection.vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tables(cursor) -> list[str]:
    return sorted(connection.introspection.table_names(cursor, include_views=False))


def _count(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - introspected names
        counts[table] = cursor.fetchone()[0]
    return counts


def table_counts() -> dict[str, int]:
    """Every table's row count in the configured database."""
    with connection.cursor() as cursor:
        return _count(cursor, _tables(cursor))


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """libpq connection options and environment for pg_dump / pg_restore of the default database."""
    database = settings.DATABASES["default"]
    options = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            options += [flag, str(database[key])]
    environment = {**os.environ}
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = str(database["PASSWORD"])
    return options + ["--dbname", database["NAME"]], environment


def _run(args: list[str], environment: dict[str, str]) -> None:
    try:
        completed = subprocess.run(args, env=environment, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise ApplicationError(f"{args[0]} is not installed (Debian: apt-get install postgresql-client).")
    if completed.returncode != 0:
        raise ApplicationError(f"{Path(args[0]).name} failed: {completed.stderr.strip()[-2000:]}")


def _database_dump(folder: Path) -> tuple[str, dict[str, int]]:
    """Write the database into `folder`; (member name, row counts of the same snapshot)."""
    if _engine() == "postgresql":
        target = folder / "database.dump"
        options, environment = _pg_environment()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _count(cursor, _tables(cursor))
            # The snapshot lives as long as this transaction: pg_dump runs inside it.
            _run(
                [PG_DUMP, "--format=custom", "--no-owner", f"--snapshot={snapshot}", "--file", str(target), *options],
                environment,
            )
        return target.name, counts
    if _engine() == "sqlite":
        target = folder / "database.sqlite3"
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
        return target.name, _sqlite_counts(target)
    raise ApplicationError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")


def _sqlite_counts(path: Path) -> dict[str, int]:
    database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            row[0]
            for row in database.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: database.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}  # noqa: S608
    finally:
        database.close()


def backup_create(*, directory: Path, now: datetime.datetime | None = None) -> Path:
    """Write one archive of the database and the private media into `directory`; its path."""
    now = now or timezone.now()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"csm-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar"
    archive = directory / name
    if archive.exists():
        raise ApplicationError(f"{archive} exists already.")
    private_root = Path(settings.PRIVATE_MEDIA_ROOT)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".backup-") as scratch:
        folder = Path(scratch)
        member, counts = _database_dump(folder)
        files = {member: _sha256(folder / member)}
        private_files = sorted(p for p in private_root.rglob("*") if p.is_file()) if private_root.is_dir() else []
        manifest: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "created_at": now.isoformat(),
            "engine": _engine(),
            "database": member,
            "tables": counts,
            "files": files,
            "private_files": len(private_files),
        }
        partial = directory / f".{name}.partial"
        with tarfile.open(partial, "w") as tar:
            tar.add(folder / member, arcname=member)
            for path in private_files:
                relative = f"{PRIVATE}/{path.relative_to(private_root).as_posix()}"
                files[relative] = _sha256(path)
                tar.add(path, arcname=relative)
            payload = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(payload), int(now.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(payload))
        partial.chmod(0o600)  # the database holds personal data and the salts of survey links
        partial.rename(archive)  # appears whole or not at all
    return archive


def backup_read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of an archive, after checking every member against its checksum."""
    if not archive.is_file():
        raise ApplicationError(f"No backup at {archive}.")
    try:
        with tarfile.open(archive) as tar:
            manifest = json.load(tar.extractfile(MANIFEST))  # type: ignore[arg-type]
            for member, expected in manifest["files"].items():
                digest = hashlib.sha256()
                handle = tar.extractfile(member)
                if handle is None:
                    raise ApplicationError(f"{member} is not a file in {archive.name}.")
                for block in iter(lambda: handle.read(1 << 20), b""):  # noqa: B023 - used at once
                    digest.update(block)
                if digest.hexdigest() != expected:
                    raise ApplicationError(
                        f"{member} in {archive.name} does not match its checksum: the archive is damaged."
                    )
    except (tarfile.TarError, KeyError, json.JSONDecodeError) as error:
        raise ApplicationError(f"{archive.name} is not a CSM backup ({error}).")
    if manifest.get("format") != FORMAT_VERSION:
        raise ApplicationError(f"{archive.name} has backup format {manifest.get('format')}, not {FORMAT_VERSION}.")
    return manifest


def database_is_empty() -> bool:
    with connection.cursor() as cursor:
        return not _tables(cursor)


def backup_restore(*, archive: Path) -> RestoreResult:
    """Replace the configured database and the private media with the archive's, then compare
    every table's row count with the manifest. Preconditions: the web app and the workers are
    stopped (nothing else writes while the database is replaced); same database engine."""
    manifest = backup_read_manifest(archive)
    if manifest["engine"] != _engine():
        raise ApplicationError(f"The backup is of a {manifest['engine']} database; this installation uses {_engine()}.")
    private_root = Path(settings.PRIVATE_MEDIA_ROOT)
    with tempfile.TemporaryDirectory(
        prefix=".restore-", dir=private_root.parent if private_root.parent.is_dir() else None
    ) as scratch:
        folder = Path(scratch)
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
        _database_load(folder / manifest["database"])
        kept_aside = _private_put_in_place(folder / PRIVATE, private_root)
    restored = table_counts()
    expected: dict[str, int] = manifest["tables"]
    mismatches = {
        table: (count, restored.get(table)) for table, count in expected.items() if restored.get(table) != count
    }
    mismatches.update({table: (0, count) for table, count in restored.items() if table not in expected})
    return RestoreResult(
        engine=manifest["engine"],
        tables=len(expected),
        rows=sum(expected.values()),
        mismatches=mismatches,
        private_files=manifest["private_files"],
        kept_aside=kept_aside,
    )


def _database_load(dump: Path) -> None:
    if _engine() == "postgresql":
        connection.close()
        options, environment = _pg_environment()
        _run(
            [
                PG_RESTORE,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                *options,
                str(dump),
            ],
            environment,
        )
        return
    target = Path(settings.DATABASES["default"]["NAME"])
    connection.close()
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)  # replaces every page of the target, WAL included
    finally:
        source.close()
        destination.close()


def _private_put_in_place(source: Path, target: Path) -> str:
    """Move the archive's private files to `target`; a non-empty folder there before is kept as
    `<target>.before-restore-<time>` (returned), never deleted."""
    kept = ""
    if target.exists() and any(target.iterdir()):
        aside = target.with_name(f"{target.name}.before-restore-{timezone.localtime():%Y%m%d-%H%M%S}")
        target.rename(aside)
        kept = str(aside)
    elif target.exists():
        target.rmdir()
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.move(str(source), str(target))
    else:
        target.mkdir()
    return kept
