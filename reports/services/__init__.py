"""Every write of the reports app: the facts fill (derived data) and quality objectives."""

from .facts import FILL_BATCH_DAYS, FILL_LAG, FillReport, facts_fill, facts_rebuild
from .objectives import (
    objective_create,
    objective_result_record_manual,
    objective_results_compute,
    objective_results_compute_recent,
    objective_retire,
    objective_status,
    objective_update,
)

__all__ = [
    "FILL_BATCH_DAYS",
    "FILL_LAG",
    "FillReport",
    "facts_fill",
    "facts_rebuild",
    "objective_create",
    "objective_result_record_manual",
    "objective_results_compute",
    "objective_results_compute_recent",
    "objective_retire",
    "objective_status",
    "objective_update",
]
