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


# Caches that live in one process: a limit counted there is multiplied by the number of processes.
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@checks.register(checks.Tags.security, deploy=True)
def shared_cache_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Login lockout, survey-link, complaint-form and status-page limits count in the default cache:
    in one process's memory, three gunicorn workers allow three times each limit."""
    from django.conf import settings

    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in PER_PROCESS_CACHES:
        return [
            checks.Warning(
                "The default cache is kept per process: rate limits and the login lockout are counted "
                "separately by each web worker.",
                hint="Set CACHE_URL to the Redis the stack runs (e.g. redis://redis:6379/1).",
                id="core.W020",
            )
        ]
    return []
