"""A database migrated from zero refuses to change or delete the audit trail (SQLite and PostgreSQL).

The test database is migrated with the test settings' flush-friendly triggers, so these tests run
the operator's `manage.py migrate` (the embedded default's settings) into a second, empty database
and look at it through the database driver, outside Django's test connections.
"""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from core import append_only, checks

ROOT = Path(__file__).resolve().parents[2]
EVENT = (
    "INSERT INTO core_auditevent (at, actor_name, action, content_type_id, object_id, object_repr, changes,"
    " comment, user_agent, source) VALUES ('2026-01-01 00:00:00', 'someone', 'create',"
    " (SELECT MIN(id) FROM django_content_type), '1', 'x', '{}', '', '', '')"
)
# One row of each append-only table, so an UPDATE or DELETE has a row to fire on.
ROWS = {
    "core_auditevent": EVENT,
    "core_auditchainlink": "INSERT INTO core_auditchainlink (position, event_id, content_hash, link_hash, sealed_at)"
    " SELECT COALESCE(MAX(position), 0) + 1, COALESCE(MAX(position), 0) + 1, '', '', '2026-01-01 00:00:00'"
    " FROM core_auditchainlink",
}


def _migrate(database_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "csm.settings.local",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_FOLDER": str(tmp_path / "celery"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300
    )


@pytest.fixture(scope="module")
def fresh_sqlite(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fresh")
    _migrate(f"sqlite:///{folder / 'fresh.sqlite3'}", folder)
    database = sqlite3.connect(folder / "fresh.sqlite3", isolation_level=None)
    yield database
    database.close()


@pytest.fixture(scope="module")
def fresh_postgresql(tmp_path_factory, django_db_blocker):
    if not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")
    import psycopg2

    params = django_settings.DATABASES["default"]
    name = f"{params['NAME']}_fresh"
    server = {"user": params["USER"], "password": params["PASSWORD"], "host": params["HOST"], "port": params["PORT"]}
    admin = psycopg2.connect(dbname="postgres", **server)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    _migrate(
        f"postgres://{params['USER']}{password}@{params['HOST']}:{params['PORT']}/{name}",
        tmp_path_factory.mktemp("fresh-pg"),
    )
    database = psycopg2.connect(dbname=name, **server)
    database.autocommit = True
    yield database
    database.close()
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.close()


def _sqlite_triggers(database, table):
    return {
        name
        for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name=?", [table])
    }


def _postgresql_triggers(database, table):
    with database.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal AND tgenabled <> 'D'",
            [table],
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.parametrize("table", checks.APPEND_ONLY_TABLES)
def test_a_fresh_sqlite_migrate_installs_every_append_only_trigger(fresh_sqlite, table):
    assert _sqlite_triggers(fresh_sqlite, table) == set(append_only.expected_triggers("sqlite", table, complete=True))


@pytest.mark.parametrize("table", checks.APPEND_ONLY_TABLES)
@pytest.mark.parametrize("sql", ["UPDATE {table} SET id = id + 1000", "DELETE FROM {table}"], ids=["update", "delete"])
def test_a_fresh_sqlite_migrate_refuses_update_and_delete(fresh_sqlite, table, sql):
    fresh_sqlite.execute(ROWS[table])
    (count,) = fresh_sqlite.execute(f"SELECT COUNT(*) FROM {table}").fetchone()

    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        fresh_sqlite.execute(sql.format(table=table))

    assert fresh_sqlite.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (count,)


@pytest.mark.parametrize("table", checks.APPEND_ONLY_TABLES)
def test_a_fresh_postgresql_migrate_installs_every_append_only_trigger(fresh_postgresql, table):
    expected = set(append_only.expected_triggers("postgresql", table, complete=True))
    assert _postgresql_triggers(fresh_postgresql, table) == expected


@pytest.mark.parametrize("table", checks.APPEND_ONLY_TABLES)
@pytest.mark.parametrize(
    "sql",
    ["UPDATE {table} SET id = id + 1000", "DELETE FROM {table}", "TRUNCATE {table}"],
    ids=["update", "delete", "truncate"],
)
def test_a_fresh_postgresql_migrate_refuses_update_delete_and_truncate(fresh_postgresql, table, sql):
    import psycopg2

    with fresh_postgresql.cursor() as cursor:
        cursor.execute(ROWS[table])
        cursor.execute(f"SELECT COUNT(*), MIN(id) FROM {table}")
        before = cursor.fetchone()

        with pytest.raises(psycopg2.DatabaseError, match="append-only"):
            cursor.execute(sql.format(table=table))

        cursor.execute(f"SELECT COUNT(*), MIN(id) FROM {table}")
        assert cursor.fetchone() == before


@pytest.mark.django_db
def test_the_test_database_has_the_flush_friendly_triggers_and_passes_the_check():
    """Test settings: UPDATE is refused; the one trigger the flush would trip is left out."""
    for table in checks.APPEND_ONLY_TABLES:
        assert append_only.missing_triggers(connection, table) == set()
        assert append_only.missing_triggers(connection, table, complete=True) != set()
    assert checks.audit_triggers_check(databases=["default"]) == []


@pytest.mark.django_db
def test_the_system_check_fails_when_a_table_rebuild_dropped_a_trigger():
    table = checks.APPEND_ONLY_TABLES[0]
    with connection.cursor() as cursor:  # inside the test's transaction: rolled back afterwards
        if connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER {table}_no_update")
        else:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_change")

    assert [error.id for error in checks.audit_triggers_check(databases=["default"])] == ["core.E010"]


@pytest.mark.django_db
def test_installing_the_triggers_again_is_harmless():
    for table in checks.APPEND_ONLY_TABLES:
        append_only.install(connection, table, complete=True)
        append_only.install(connection, table, complete=True)

        assert append_only.missing_triggers(connection, table, complete=True) == set()
