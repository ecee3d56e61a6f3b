"""The append-only triggers again, after 0004, and TRUNCATE refused on PostgreSQL.

On SQLite, 0004 (like most ALTERs there) rebuilt core_auditevent and silently dropped the
triggers 0002 had created: a database migrated from zero had none. This installs them
idempotently (core.append_only), so it does no harm where they survived. A later migration that
rebuilds an audit table must call core.append_only.install again: the system check core.E010 and
tests/core/test_append_only.py (which migrates a fresh database from zero) fail until it does.
"""

from django.db import migrations

from core import append_only

TABLE = "core_auditevent"


def forwards(apps, schema_editor):
    append_only.install(schema_editor.connection, TABLE)


def backwards(apps, schema_editor):
    # Back to 0004's state: PostgreSQL keeps 0002's row trigger; SQLite had none left.
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};")
        elif schema_editor.connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update;")
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;")


class Migration(migrations.Migration):
    dependencies = [("core", "0005_outboxmessage")]
    operations = [migrations.RunPython(forwards, backwards)]
