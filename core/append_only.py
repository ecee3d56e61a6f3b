"""The database triggers that make the audit tables append-only, on SQLite and PostgreSQL.

One place knows them: the migrations install them, a system check (core.checks) fails when one is
missing, and the tests install them inside their own transaction.

AUDIT_DATABASE_TRIGGERS = False (the test settings) leaves out exactly the triggers the test
runner's flush between transactional tests would trip: on SQLite the DELETE trigger (its flush is
a DELETE), on PostgreSQL the TRUNCATE trigger (its flush is a TRUNCATE). UPDATE is refused always.

Every CREATE is idempotent (IF NOT EXISTS, or DROP IF EXISTS first), so running `install` again
after anything that rebuilt a table (SQLite rebuilds it on many ALTERs and drops its triggers
silently) puts back what is missing and changes nothing else.
"""

from __future__ import annotations

from django.conf import settings

MESSAGE = "the audit trail is append-only"
FUNCTION = "core_append_only_refuse"


def _sqlite_triggers(table: str) -> dict[str, str]:
    return {
        f"{table}_no_update": f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
        f"{table}_no_delete": f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    }


def _postgresql_triggers(table: str) -> dict[str, str]:
    return {
        # The name migration 0002 gave the row trigger on core_auditevent, kept for every table.
        f"{table}_no_change": f"""DROP TRIGGER IF EXISTS {table}_no_change ON {table};
            CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();""",
        # Row triggers do not fire on TRUNCATE: a statement-level trigger refuses it.
        f"{table}_no_truncate": f"""DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
            CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();""",
    }


POSTGRESQL_FUNCTION = f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '{MESSAGE} (% on %)', TG_OP, TG_TABLE_NAME; END; $$ LANGUAGE plpgsql;"""

# The triggers a flush between transactional tests would trip, per database (see the docstring).
_FLUSH_TRIPS = {"sqlite": "_no_delete", "postgresql": "_no_truncate"}


def expected_triggers(vendor: str, table: str, *, complete: bool | None = None) -> dict[str, str]:
    """{trigger name: idempotent SQL} that `table` must have on this database.

    complete: all of them (production); False: without those the test runner's flush trips.
    Defaults to settings.AUDIT_DATABASE_TRIGGERS. Other databases: none (not supported)."""
    complete = settings.AUDIT_DATABASE_TRIGGERS if complete is None else complete
    triggers = {"sqlite": _sqlite_triggers, "postgresql": _postgresql_triggers}.get(vendor, lambda _table: {})(table)
    if not complete:
        triggers = {name: sql for name, sql in triggers.items() if not name.endswith(_FLUSH_TRIPS.get(vendor, "-"))}
    return triggers


def install(connection, table: str, *, complete: bool | None = None) -> None:
    """Create whatever of `table`'s append-only triggers is missing (idempotent)."""
    triggers = expected_triggers(connection.vendor, table, complete=complete)
    if not triggers:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_FUNCTION)
        for sql in triggers.values():
            cursor.execute(sql)


def installed_triggers(connection, table: str) -> set[str]:
    """The names of the enabled triggers on `table` (a disabled PostgreSQL trigger counts as absent)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal"
                " AND tgenabled <> 'D'",
                [table],
            )
        else:
            return set()
        return {name for (name,) in cursor.fetchall()}


def missing_triggers(connection, table: str, *, complete: bool | None = None) -> set[str]:
    return set(expected_triggers(connection.vendor, table, complete=complete)) - installed_triggers(connection, table)
