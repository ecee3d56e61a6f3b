"""Key-driver analysis: which satisfaction dimensions move overall satisfaction, as a pure function
of the rows reports.figures.drivers selects (a regression on the responses, with Johnson's relative
weights and the warnings a reader must see: small sample, collinearity, weak fit)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.utils.translation import gettext

from reports.frames import Row, as_float, empty_frame

# Key drivers: at least 30 responses and 10 per dimension in the regression (a common rule of thumb
# for a stable linear regression), VIF above 5 or a condition number above 30 flag collinearity.
KEY_DRIVER_MIN_RESPONSES = 30
KEY_DRIVER_RESPONSES_PER_DIMENSION = 10
VIF_LIMIT = 5.0
CONDITION_NUMBER_LIMIT = 30.0
KEY_DRIVER_COLUMNS = ["dimension", "coefficient", "beta", "relative_weight", "vif", "rank", "reading"]


@dataclass
class KeyDrivers:
    """The key-driver analysis: a frame (one row per dimension, strongest first), the warnings a
    reader must see before trusting it, and the fit."""

    frame: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    n: int = 0
    r_squared: float | None = None
    condition_number: float | None = None


def _variance_inflation(z: np.ndarray) -> np.ndarray:
    """VIF_j = 1 / (1 − R²_j), R²_j from regressing standardised dimension j on the others."""
    k = z.shape[1]
    if k == 1:
        return np.ones(1)
    vif = np.empty(k)
    for j in range(k):
        others = np.delete(z, j, axis=1)
        coefficients, *_ = np.linalg.lstsq(others, z[:, j], rcond=None)
        residual = z[:, j] - others @ coefficients
        r_squared = 1 - residual @ residual / (z[:, j] @ z[:, j])
        vif[j] = math.inf if r_squared >= 1 - 1e-9 else 1 / (1 - r_squared)
    return vif


def _relative_weights(correlation: np.ndarray, validity: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights: each dimension's share of R², non-negative and stable when
    dimensions correlate (where betas swap signs). Λ = R^½; β* = Λ⁻¹ r_xy; ε_j = Σ_k Λ_jk² β*_k²."""
    eigenvalues, vectors = np.linalg.eigh(correlation)
    root = vectors @ np.diag(np.sqrt(np.clip(eigenvalues, 0, None))) @ vectors.T
    weights = (root**2) @ (np.linalg.pinv(root) @ validity) ** 2
    total = weights.sum()
    return weights / total if total > 0 else np.zeros_like(weights)


def _reading(dimension: str, coefficient: float, *, strongest: bool) -> str:
    points = f"{abs(coefficient):.2f}"
    if points == "0.00":
        return gettext("%(dimension)s: no visible link with overall satisfaction here.") % {"dimension": dimension}
    if strongest and coefficient > 0:
        return gettext(
            "%(dimension)s moves overall satisfaction most: one point more on %(dimension)s goes with "
            "%(points)s points more overall."
        ) % {"dimension": dimension, "points": points}
    if coefficient >= 0:
        return gettext("%(dimension)s: one point more goes with %(points)s points more overall.") % {
            "dimension": dimension,
            "points": points,
        }
    return gettext(
        "%(dimension)s: one point more goes with %(points)s points less overall, other dimensions equal; "
        "usually a sign of overlap with another dimension."
    ) % {"dimension": dimension, "points": points}


def key_drivers(rows: Sequence[Row]) -> KeyDrivers:
    """Which dimensions move overall satisfaction: overall regressed on the dimension scores (OLS).

    rows, one per answered dimension of a response (the selector caps them, e.g. the latest 5,000
    responses of the period): [{"response_id": int, "overall": float (0–100), "dimension": str,
    "score": float (0–100)}]
    Responses missing overall or any dimension are left out (listwise); a dimension that does not
    vary is dropped. Columns, strongest first: dimension; coefficient (points overall per point of the
    dimension, others equal); beta (standardised coefficient); relative_weight (Johnson's relative
    weight, share of the explained variance, sums to 1); vif; rank; reading (a plain-language line).
    Warnings: too few responses to fit; a small sample (n below KEY_DRIVER_MIN_RESPONSES or
    KEY_DRIVER_RESPONSES_PER_DIMENSION per dimension); collinearity (VIF above VIF_LIMIT or the
    condition number above CONDITION_NUMBER_LIMIT); a weak fit (R² below 0.2).
    """
    kept = [row for row in rows if row.get("response_id") is not None]
    long = pd.DataFrame(
        {
            "response_id": [row["response_id"] for row in kept],
            "overall": [as_float(row.get("overall")) for row in kept],
            "dimension": [str(row.get("dimension", "")) for row in kept],
            "score": [as_float(row.get("score")) for row in kept],
        },
        columns=["response_id", "overall", "dimension", "score"],
    )
    dimensions = list(dict.fromkeys(long["dimension"]))
    wide = long.pivot_table(index="response_id", columns="dimension", values="score", aggfunc="mean")
    wide = wide.reindex(columns=dimensions)
    wide["__overall"] = long.groupby("response_id")["overall"].mean()
    wide = wide.dropna()
    warnings: list[str] = []
    constant = [d for d in dimensions if wide[d].nunique() < 2]
    if constant and len(wide) >= 2:
        warnings.append(
            gettext("Left out because every response gave the same score: %(dimensions)s.")
            % {"dimensions": ", ".join(constant)}
        )
    dimensions = [d for d in dimensions if d not in constant]
    n, k = len(wide), len(dimensions)
    if k == 0 or n < k + 2:
        warnings.append(gettext("Too few complete responses (%(n)s) to find key drivers.") % {"n": n})
        return KeyDrivers(empty_frame(KEY_DRIVER_COLUMNS), warnings, n)
    x = wide[dimensions].to_numpy(dtype=float)
    y = wide["__overall"].to_numpy(dtype=float)
    if np.std(y) == 0:
        warnings.append(gettext("Overall satisfaction is the same in every response: nothing to explain."))
        return KeyDrivers(empty_frame(KEY_DRIVER_COLUMNS), warnings, n)
    x_sd, y_sd = x.std(axis=0, ddof=1), y.std(ddof=1)
    z = (x - x.mean(axis=0)) / x_sd
    zy = (y - y.mean()) / y_sd
    beta, *_ = np.linalg.lstsq(z, zy, rcond=None)
    residual = zy - z @ beta
    r_squared = float(1 - residual @ residual / (zy @ zy))
    correlation = np.atleast_2d(np.corrcoef(z, rowvar=False))
    validity = z.T @ zy / (n - 1)
    vif = _variance_inflation(z)
    condition_number = float(np.linalg.cond(z / math.sqrt(n - 1)))
    frame = pd.DataFrame(
        {
            "dimension": dimensions,
            "coefficient": beta * y_sd / x_sd,
            "beta": beta,
            "relative_weight": _relative_weights(correlation, validity),
            "vif": vif,
        }
    ).sort_values(["relative_weight", "dimension"], ascending=[False, True], ignore_index=True)
    frame["rank"] = range(1, k + 1)
    frame["reading"] = [
        _reading(d, c, strongest=i == 0)
        for i, (d, c) in enumerate(zip(frame["dimension"], frame["coefficient"], strict=True))
    ]
    needed = max(KEY_DRIVER_MIN_RESPONSES, KEY_DRIVER_RESPONSES_PER_DIMENSION * k)
    if n < needed:
        warnings.append(
            gettext("Small sample: %(n)s responses for %(k)s dimensions (at least %(needed)s needed); indicative only.")
            % {"n": n, "k": k, "needed": needed}
        )
    overlapping = [d for d, v in zip(frame["dimension"], frame["vif"], strict=True) if v > VIF_LIMIT]
    if overlapping or condition_number > CONDITION_NUMBER_LIMIT:
        warnings.append(
            gettext(
                "Dimensions overlap (collinearity): %(dimensions)s. Their separate effects are uncertain; "
                "read them together."
            )
            % {"dimensions": ", ".join(overlapping) or ", ".join(dimensions)}
        )
    if r_squared < 0.2:
        warnings.append(
            gettext("The dimensions explain little of overall satisfaction (R² = %(r2)s).") % {"r2": f"{r_squared:.2f}"}
        )
    return KeyDrivers(frame[KEY_DRIVER_COLUMNS], warnings, n, r_squared, condition_number)
