"""Database helpers that the apps share."""

from __future__ import annotations

import logging

from django.db import connection, models

logger = logging.getLogger(__name__)


def statistics_refresh(*model_classes: type[models.Model]) -> None:
    """PostgreSQL: ANALYZE these tables now.

    After a bulk load (a customer import of thousands of rows) the planner's statistics still
    describe the tables as they were until autovacuum comes round; a query in that window (a survey
    campaign's population just after importing its customers) can get a nested-loop plan that is
    quadratic in the rows loaded. Refreshing the statistics at the end of the load closes the window.
    Elsewhere (SQLite) it does nothing. Never raises: statistics are an optimisation."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in model_classes)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")
    except Exception:  # noqa: BLE001
        logger.exception("ANALYZE %s failed", tables)
