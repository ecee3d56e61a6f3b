"""Backup and restore: one archive holds the database, the private files and row counts of the same
moment; a damaged archive is refused before anything is touched; a restore puts back exactly what
was backed up and keeps the private folder it replaces."""

import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from core.backup import backup_create, backup_read_manifest, backup_restore
from core.exceptions import ApplicationError
from customers.models import Customer
from tests.factories import CustomerFactory

BASE_DIR = Path(settings.BASE_DIR)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite path (the drills cover PostgreSQL)")


@pytest.fixture
def private_root(tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    (settings.PRIVATE_MEDIA_ROOT / "imports").mkdir(parents=True)
    (settings.PRIVATE_MEDIA_ROOT / "imports" / "batch-1.csv").write_text("code,name\nC1,Acme\n")
    return settings.PRIVATE_MEDIA_ROOT


@sqlite_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the migrated roles and types
def test_the_archive_holds_the_database_the_private_files_and_their_counts(tmp_path, private_root):
    CustomerFactory(name="Acme Trading")
    CustomerFactory(name="Beta Parts")

    archive = backup_create(directory=tmp_path / "backups")

    assert archive.name.startswith("csm-") and archive.suffix == ".tar"
    assert archive.stat().st_mode & 0o777 == 0o600  # personal data: the owner only
    manifest = backup_read_manifest(archive)
    assert manifest["engine"] == "sqlite" and manifest["private_files"] == 1
    assert manifest["tables"]["customers_customer"] == 2
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "out", filter="data")
    copy = sqlite3.connect(tmp_path / "out" / "database.sqlite3")
    names = sorted(row[0] for row in copy.execute("SELECT name FROM customers_customer"))
    copy.close()
    assert names == ["Acme Trading", "Beta Parts"]
    assert (tmp_path / "out" / "private" / "imports" / "batch-1.csv").read_text() == "code,name\nC1,Acme\n"


@sqlite_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the migrated roles and types
def test_a_damaged_archive_is_refused_and_nothing_is_restored(tmp_path, private_root):
    CustomerFactory(name="Acme Trading")
    archive = backup_create(directory=tmp_path / "backups")
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "parts", filter="data")
    (tmp_path / "parts" / "private" / "imports" / "batch-1.csv").write_text("code,name\nC1,Tampered\n")
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(damaged, "w") as tar:
        for name in ("database.sqlite3", "private", "manifest.json"):
            tar.add(tmp_path / "parts" / name, arcname=name)
    CustomerFactory(name="Added after the backup")

    with pytest.raises(ApplicationError, match="does not match its checksum"):
        backup_restore(archive=damaged)

    assert Customer.objects.count() == 2  # untouched
    assert (private_root / "imports" / "batch-1.csv").read_text() == "code,name\nC1,Acme\n"


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    not_a_backup = tmp_path / "notes.tar"
    not_a_backup.write_bytes(b"not a tar file")

    with pytest.raises(ApplicationError, match="not a CSM backup"):
        backup_read_manifest(not_a_backup)
    with pytest.raises(ApplicationError, match="No backup at"):
        backup_read_manifest(tmp_path / "missing.tar")


def _manage(var_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """manage.py on an installation of its own (local settings, SQLite in var_dir)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "CACHE_URL", "SECRET_KEY", "PRIVATE_MEDIA_ROOT"))
    }
    env.update(DJANGO_SETTINGS_MODULE="csm.settings.local", VAR_DIR=str(var_dir))
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_manage_backup_then_restore_puts_back_exactly_what_was_backed_up(tmp_path):
    var = tmp_path / "var"
    assert _manage(var, "migrate", "--noinput", "-v0").returncode == 0
    add = "from customers.models import Customer; Customer.objects.create(code='{0}', name='{0}')"
    assert _manage(var, "shell", "-c", add.format("BEFORE")).returncode == 0
    (var / "private" / "imports").mkdir(parents=True)
    (var / "private" / "imports" / "a.csv").write_text("backed up\n")

    backup = _manage(var, "backup")
    assert backup.returncode == 0, backup.stderr
    archive = Path(backup.stdout.strip())
    assert archive.parent == var / "backups"
    _manage(var, "shell", "-c", add.format("AFTER"))
    (var / "private" / "imports" / "a.csv").write_text("changed since\n")

    refused = _manage(var, "restore", str(archive), stdin="no\n")
    assert refused.returncode != 0 and "Nothing restored" in refused.stderr
    restored = _manage(var, "restore", str(archive), "--noinput")

    assert restored.returncode == 0, restored.stderr
    assert "0 row counts differ" in restored.stdout and "Audit chain: ok" in restored.stdout
    codes = _manage(
        var,
        "shell",
        "-c",
        "from customers.models import Customer; print(sorted(Customer.objects.values_list('code', flat=True)))",
    )
    assert codes.stdout.strip().splitlines()[-1] == "['BEFORE']"
    assert (var / "private" / "imports" / "a.csv").read_text() == "backed up\n"
    kept = [p for p in var.iterdir() if p.name.startswith("private.before-restore-")]
    assert len(kept) == 1 and (kept[0] / "imports" / "a.csv").read_text() == "changed since\n"
    assert json.loads(tarfile.open(archive).extractfile("manifest.json").read())["tables"]["customers_customer"] == 1
