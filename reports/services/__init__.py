"""Every write of the reports app: the facts fill (derived data) and quality objectives."""

from .facts import FILL_BATCH_DAYS, FILL_LAG, FillReport, facts_fill, facts_rebuild

__all__ = ["FILL_BATCH_DAYS", "FILL_LAG", "FillReport", "facts_fill", "facts_rebuild"]
