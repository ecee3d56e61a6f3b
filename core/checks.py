"""System checks of the kernel: the audit tables' append-only triggers are in the database."""

from __future__ import annotations

from django.core import checks
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from . import append_only

# The tables whose triggers are checked, once their migrations are applied.
APPEND_ONLY_TABLES = ("core_auditevent", "core_auditchainlink")


def _fully_migrated(connection) -> bool:
    """True when no migration is pending: a database halfway through `migrate` is judged after it."""
    executor = MigrationExecutor(connection)
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


@checks.register(checks.Tags.database)
def audit_triggers_check(databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Runs with `check --database default` and before `migrate`; a table rebuild that dropped a
    trigger (SQLite does so silently) shows as core.E010 until a migration installs it again."""
    errors = []
    for alias in databases or []:
        connection = connections[alias]
        if not _fully_migrated(connection):
            continue
        for table in APPEND_ONLY_TABLES:
            missing = append_only.missing_triggers(connection, table)
            if missing:
                errors.append(
                    checks.Error(
                        f"The append-only triggers {', '.join(sorted(missing))} are missing on {table} "
                        f"(database '{alias}').",
                        hint="A migration rebuilt the table: call core.append_only.install(connection, table) "
                        "in a new migration.",
                        id="core.E010",
                    )
                )
    return errors
