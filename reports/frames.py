"""Rows from the report selectors turned into small pandas frames, as pure functions.

The selectors aggregate in SQL and return plain lists of dicts; each function below names the keys
it reads. Every function accepts an empty list or a single row and then returns a frame with the
same columns (and no rows, or one). Scales follow surveys.scoring: scores, means and CSI are 0–100,
rates and shares are 0–1. A value that does not exist (a month without answers, a rate with
nothing to divide by) is NaN in the frame, so that a chart breaks its line there; pass a frame
through `for_display` before a person reads it as a table: missing values become "—" there.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

Row = Mapping[str, Any]

# Up to two years of months on the trend (the dashboard's longest period and its comparison).
TREND_MONTHS_MAX = 24
# Below this many answers a figure is shown as indicative: charts hatch it, tables mark it.
SMALL_SAMPLE_N = 30
# Pareto: categories up to this cumulative share are "the vital few".
PARETO_VITAL_SHARE = 0.8
# Time to resolve, bin edges in hours: 4 h, a working day, 1 day, 3 days, 1 week, 2 weeks.
RESOLVE_HOURS_EDGES: tuple[float, ...] = (0, 4, 8, 24, 72, 168, 336, math.inf)

QUADRANTS = ("focus", "keep", "low_priority", "overkill")
QUADRANT_LABELS = {
    "focus": _("Focus here"),  # 集中改进: important, performing below the mean
    "keep": _("Keep it up"),  # 继续保持: important, performing well
    "low_priority": _("Low priority"),  # 低优先级: less important, performing below the mean
    "overkill": _("Possible overkill"),  # 过度投入: less important, performing well
}
NPS_GROUPS = ("detractors", "passives", "promoters")

TREND_COLUMNS = ["month", "csi", "satisfaction_rate", "n", "small_sample"]
DIMENSION_COLUMNS = ["dimension", "mean", "n", "importance", "gap", "small_sample"]
SEGMENT_COLUMNS = ["segment", "csi", "satisfaction_rate", "n", "small_sample"]
QUADRANT_COLUMNS = ["dimension", "importance", "performance", "quadrant", "quadrant_label"]
NPS_COLUMNS = [
    "segment",
    "detractors",
    "passives",
    "promoters",
    "n",
    "detractor_share",
    "passive_share",
    "promoter_share",
    "nps",
]
PARETO_COLUMNS = ["category", "count", "share", "cumulative_share", "vital_few"]
SLA_COLUMNS = ["month", "on_time", "total", "compliance", "small_sample"]
RESOLVE_COLUMNS = ["bin", "lower_hours", "upper_hours", "count", "share"]
BENCHMARK_COLUMNS = ["dimension", "entry", "kind", "score", "difference"]
BENCHMARK_KINDS = ("ours", "competitor", "benchmark")


def as_float(value: Any) -> float:
    """_number with a fast path for what the selectors give (a finite float)."""
    if type(value) is float and math.isfinite(value):
        return value
    return _number(value)


def _number(value: Any) -> float:
    """A float, or NaN for None, text or anything else that is not a finite number."""
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


_COUNT_LIMIT = 2**53  # counts stay exact in pandas' float64 sums


def _count(value: Any) -> int:
    """A non-negative whole count; anything else (or beyond what a float holds exactly) counts as 0."""
    number = _number(value)
    return int(number) if 0 < number <= _COUNT_LIMIT else 0


def empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})


def month_start(value: Any) -> datetime.date | None:
    """The first day of the month of a date, a datetime or "YYYY-MM[-DD]" text; None otherwise."""
    if isinstance(value, datetime.date):
        return datetime.date(value.year, value.month, 1)
    if isinstance(value, str):
        try:
            year, month = (int(part) for part in value[:7].split("-"))
            return datetime.date(year, month, 1)
        except ValueError:
            return None
    return None


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def _months(rows: Sequence[Row], first: datetime.date | None, last: datetime.date | None) -> list[datetime.date]:
    """The months from `first` to `last` (default: the rows' earliest and latest), the last 24 at most."""
    seen = [m for m in (month_start(row.get("month")) for row in rows) if m is not None]
    first = month_start(first) if first else (min(seen) if seen else None)
    last = month_start(last) if last else (max(seen) if seen else None)
    if first is None or last is None:
        return []
    first, last = min(first, last), max(first, last)
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    first = add_months(last, -(min(span, TREND_MONTHS_MAX) - 1))
    return [add_months(first, i) for i in range(min(span, TREND_MONTHS_MAX))]


def _weighted(pairs: Iterable[tuple[float, int]]) -> float:
    """The n-weighted mean of (value, n) pairs, skipping missing values; NaN without any."""
    valid = [(value, n) for value, n in pairs if not math.isnan(value) and n > 0]
    total = sum(n for _, n in valid)
    return sum(value * n for value, n in valid) / total if total else math.nan


def monthly_trend(
    rows: Sequence[Row], *, first: datetime.date | None = None, last: datetime.date | None = None
) -> pd.DataFrame:
    """CSI and satisfaction rate per month, one row for every month of the range, gaps included.

    rows: [{"month": date | "YYYY-MM", "csi": float | None (0–100),
            "satisfaction_rate": float | None (0–1), "n": int (responses)}]
    A month without a row gets n 0 and NaN figures; two rows for one month are combined weighted by
    n. The range runs from `first` to `last` (default: the rows' own), cut to the last 24 months.
    Columns: month (date, the 1st), csi, satisfaction_rate, n, small_sample (n < SMALL_SAMPLE_N).
    """
    months = _months(rows, first, last)
    if not months:
        return empty_frame(TREND_COLUMNS)
    grouped: dict[datetime.date, list[Row]] = {month: [] for month in months}
    for row in rows:
        month = month_start(row.get("month"))
        if month in grouped:
            grouped[month].append(row)
    records = []
    for month, month_rows in grouped.items():
        n = sum(_count(row.get("n")) for row in month_rows)
        records.append(
            {
                "month": month,
                "csi": _weighted((_number(r.get("csi")), _count(r.get("n"))) for r in month_rows),
                "satisfaction_rate": _weighted(
                    (_number(r.get("satisfaction_rate")), _count(r.get("n"))) for r in month_rows
                ),
                "n": n,
                "small_sample": n < SMALL_SAMPLE_N,
            }
        )
    return pd.DataFrame.from_records(records, columns=TREND_COLUMNS)


def by_dimension(rows: Sequence[Row]) -> pd.DataFrame:
    """Mean score per dimension, in the order given (the questionnaire's).

    rows: [{"dimension": str (label), "mean": float | None (0–100), "n": int,
            "importance": float | None (0–100, the stated importance, when asked)}]
    Columns: dimension, mean, n, importance, gap (mean − importance, negative: delivered below what it
    matters), small_sample. A dimension without answers keeps its row with n 0 and NaN mean.
    """
    records = []
    for row in rows:
        n = _count(row.get("n"))
        mean = _number(row.get("mean")) if n else math.nan
        importance = _number(row.get("importance"))
        records.append(
            {
                "dimension": str(row.get("dimension", "")),
                "mean": mean,
                "n": n,
                "importance": importance,
                "gap": mean - importance,
                "small_sample": n < SMALL_SAMPLE_N,
            }
        )
    return pd.DataFrame.from_records(records, columns=DIMENSION_COLUMNS) if records else empty_frame(DIMENSION_COLUMNS)


def by_segment(rows: Sequence[Row]) -> pd.DataFrame:
    """CSI and satisfaction rate per segment (region, key/general, internal/external...), in the order given.

    rows: [{"segment": str (label), "csi": float | None (0–100), "satisfaction_rate": float | None (0–1),
            "n": int}]
    Columns: segment, csi, satisfaction_rate, n, small_sample. A segment with no answers keeps its row
    with n 0 and NaN figures.
    """
    records = []
    for row in rows:
        n = _count(row.get("n"))
        records.append(
            {
                "segment": str(row.get("segment", "")),
                "csi": _number(row.get("csi")) if n else math.nan,
                "satisfaction_rate": _number(row.get("satisfaction_rate")) if n else math.nan,
                "n": n,
                "small_sample": n < SMALL_SAMPLE_N,
            }
        )
    return pd.DataFrame.from_records(records, columns=SEGMENT_COLUMNS) if records else empty_frame(SEGMENT_COLUMNS)


def quadrant_split(frame: pd.DataFrame) -> tuple[float, float]:
    """Where the importance–performance plane is split: the mean importance and the mean performance
    over the dimensions plotted (NaN, NaN without any). Means rather than the scale's middle, because
    stated importance crowds at the top of the scale: relative to the others is what ranks priorities."""
    if frame.empty:
        return math.nan, math.nan
    return float(frame["importance"].mean()), float(frame["performance"].mean())


def quadrants(rows: Sequence[Row]) -> pd.DataFrame:
    """Each dimension placed in one importance–performance quadrant (IPA).

    rows: [{"dimension": str, "importance": float (0–100, stated or derived from the key drivers),
            "performance": float (0–100, the dimension's mean)}]
    Rows without both numbers are left out. The split is at the means (see `quadrant_split`); a value
    at or above the mean counts as high, so a single dimension is "keep it up":
        high importance, low performance  -> focus         集中改进
        high importance, high performance -> keep          继续保持
        low importance,  low performance  -> low_priority  低优先级
        low importance,  high performance -> overkill      过度投入
    Columns: dimension, importance, performance, quadrant (the code above), quadrant_label (the
    users' term in the active language).
    """
    records = [
        {
            "dimension": str(row.get("dimension", "")),
            "importance": _number(row.get("importance")),
            "performance": _number(row.get("performance")),
        }
        for row in rows
    ]
    records = [r for r in records if not (math.isnan(r["importance"]) or math.isnan(r["performance"]))]
    if not records:
        return empty_frame(QUADRANT_COLUMNS)
    frame = pd.DataFrame.from_records(records)
    importance_split, performance_split = quadrant_split(frame)
    important = frame["importance"] >= importance_split
    performing = frame["performance"] >= performance_split
    frame["quadrant"] = np.select(
        [important & ~performing, important & performing, ~important & ~performing],
        ["focus", "keep", "low_priority"],
        "overkill",
    )
    frame["quadrant_label"] = [str(QUADRANT_LABELS[code]) for code in frame["quadrant"]]
    return frame[QUADRANT_COLUMNS]


def nps_breakdown(rows: Sequence[Row]) -> pd.DataFrame:
    """Promoters (9–10), passives (7–8) and detractors (0–6) of the 0–10 recommendation question.

    rows: [{"score": int (0–10), "n": int (answers with that score), "segment": str (optional)}]
    One output row per segment in the order first seen (all rows without "segment" form one row with
    an empty segment). Scores outside 0–10 are ignored. Columns: segment, detractors, passives,
    promoters, n, the three shares (0–1, summing to 1) and nps (−100..100, as surveys.scoring.nps).
    """
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        score, n = _number(row.get("score")), _count(row.get("n"))
        if math.isnan(score) or not 0 <= score <= 10 or not n:
            continue
        group = "promoters" if score >= 9 else "passives" if score >= 7 else "detractors"
        segment = counts.setdefault(str(row.get("segment") or ""), dict.fromkeys(NPS_GROUPS, 0))
        segment[group] += n
    records = []
    for segment, groups in counts.items():
        total = sum(groups.values())
        records.append(
            {
                "segment": segment,
                **groups,
                "n": total,
                "detractor_share": groups["detractors"] / total,
                "passive_share": groups["passives"] / total,
                "promoter_share": groups["promoters"] / total,
                "nps": (groups["promoters"] - groups["detractors"]) / total * 100,
            }
        )
    return pd.DataFrame.from_records(records, columns=NPS_COLUMNS) if records else empty_frame(NPS_COLUMNS)


def pareto(rows: Sequence[Row], *, top: int | None = None) -> pd.DataFrame:
    """Complaints (or root causes, loss reasons) by category, most frequent first, with cumulative shares.

    rows: [{"category": str (label), "count": int}]
    Ties keep alphabetical order; categories with no count are left out; with `top`, the rest are
    summed into one last "Other" row. Columns: category, count, share (0–1), cumulative_share (ends
    at exactly 1), vital_few (the categories that together make up the first 80 %).
    """
    totals: dict[str, int] = {}
    for row in rows:
        category = str(row.get("category", ""))
        totals[category] = totals.get(category, 0) + _count(row.get("count"))
    ordered = sorted(((c, n) for c, n in totals.items() if n > 0), key=lambda item: (-item[1], item[0]))
    if top is not None and 0 < top < len(ordered):
        ordered = [*ordered[:top], (str(_("Other")), sum(n for _, n in ordered[top:]))]
    if not ordered:
        return empty_frame(PARETO_COLUMNS)
    frame = pd.DataFrame(ordered, columns=["category", "count"])
    total = int(frame["count"].sum())
    frame["share"] = frame["count"] / total
    frame["cumulative_share"] = frame["count"].cumsum() / total
    frame.loc[frame.index[-1], "cumulative_share"] = 1.0
    previous = frame["cumulative_share"].shift(fill_value=0.0)
    frame["vital_few"] = previous < PARETO_VITAL_SHARE
    return frame[PARETO_COLUMNS]


def sla_trend(
    rows: Sequence[Row], *, first: datetime.date | None = None, last: datetime.date | None = None
) -> pd.DataFrame:
    """Share of complaints answered and resolved within their SLA, per month, gaps included.

    rows: [{"month": date | "YYYY-MM", "on_time": int, "total": int}] (complaints due that month)
    Range as `monthly_trend`. Columns: month, on_time, total, compliance (0–1, NaN without complaints),
    small_sample.
    """
    months = _months(rows, first, last)
    if not months:
        return empty_frame(SLA_COLUMNS)
    on_time = dict.fromkeys(months, 0)
    total = dict.fromkeys(months, 0)
    for row in rows:
        month = month_start(row.get("month"))
        if month in total:
            row_total = _count(row.get("total"))
            total[month] += row_total
            on_time[month] += min(_count(row.get("on_time")), row_total)
    frame = pd.DataFrame({"month": months, "on_time": list(on_time.values()), "total": list(total.values())})
    frame["compliance"] = frame["on_time"] / frame["total"].where(frame["total"] > 0)
    frame["small_sample"] = frame["total"] < SMALL_SAMPLE_N
    return frame[SLA_COLUMNS]


def _hours_label(lower: float, upper: float) -> str:
    def amount(hours: float) -> str:
        return f"{hours / 24:g}" if lower >= 24 else f"{hours:g}"

    if math.isinf(upper):
        return gettext("over %(days)s d") % {"days": f"{lower / 24:g}"}
    if lower >= 24:
        return gettext("%(lower)s–%(upper)s d") % {"lower": amount(lower), "upper": amount(upper)}
    return gettext("%(lower)s–%(upper)s h") % {"lower": amount(lower), "upper": amount(upper)}


def resolve_time_distribution(rows: Sequence[Row], *, edges: Sequence[float] = RESOLVE_HOURS_EDGES) -> pd.DataFrame:
    """How long complaints took from opening to resolution, in bins.

    rows: [{"hours": float (time to resolve), "n": int (complaints with it; default 1)}] — the
    selector may group by whole hours in SQL so that a month is a few hundred rows at most.
    Bins are [lower, upper) in hours (RESOLVE_HOURS_EDGES by default); negative or missing times are
    ignored. Every bin has a row, also with count 0; without any complaint the frame is empty.
    Columns: bin (label such as "8–24 h", "1–3 d"), lower_hours, upper_hours, count, share (0–1).
    """
    bounds = list(zip(edges[:-1], edges[1:], strict=True))
    counts = [0] * len(bounds)
    for row in rows:
        hours, n = _number(row.get("hours")), _count(row.get("n", 1))
        if math.isnan(hours) or hours < 0:
            continue
        for index, (lower, upper) in enumerate(bounds):
            if lower <= hours < upper:
                counts[index] += n
                break
    total = sum(counts)
    if not total:
        return empty_frame(RESOLVE_COLUMNS)
    return pd.DataFrame(
        {
            "bin": [_hours_label(lower, upper) for lower, upper in bounds],
            "lower_hours": [lower for lower, _ in bounds],
            "upper_hours": [upper for _, upper in bounds],
            "count": counts,
            "share": [count / total for count in counts],
        },
        columns=RESOLVE_COLUMNS,
    )


def benchmark_comparison(rows: Sequence[Row]) -> pd.DataFrame:
    """Our scores beside competitors' and benchmarks' (竞争对手和标杆) by dimension.

    rows: [{"dimension": str, "entry": str (whose score: our organisation's name, a competitor,
            a benchmark), "kind": "ours" | "competitor" | "benchmark", "score": float (0–100)}]
    Rows without a score or with another kind are left out. Order: dimensions as first seen, within
    each ours first, then competitors and benchmarks as given. Columns: dimension, entry, kind,
    score, difference (our score minus this entry's; positive: we are ahead; 0 for ours; NaN when we
    have no score on that dimension).
    """
    records = [
        {
            "dimension": str(row.get("dimension", "")),
            "entry": str(row.get("entry", "")),
            "kind": row.get("kind"),
            "score": _number(row.get("score")),
        }
        for row in rows
    ]
    records = [r for r in records if r["kind"] in BENCHMARK_KINDS and not math.isnan(r["score"])]
    if not records:
        return empty_frame(BENCHMARK_COLUMNS)
    frame = pd.DataFrame.from_records(records)
    frame["dimension_order"] = frame["dimension"].map({d: i for i, d in enumerate(dict.fromkeys(frame["dimension"]))})
    frame["kind_order"] = frame["kind"].map({"ours": 0, "competitor": 1, "benchmark": 1})
    frame = frame.sort_values(["dimension_order", "kind_order"], kind="stable", ignore_index=True)
    ours = frame[frame["kind"] == "ours"].groupby("dimension")["score"].mean()
    frame["difference"] = frame["dimension"].map(ours) - frame["score"]
    return frame[BENCHMARK_COLUMNS]


def for_display(
    frame: pd.DataFrame, *, percent: Sequence[str] = (), decimals: int = 1, missing: str = "—"
) -> pd.DataFrame:
    """The frame as text for a table beside a chart: numbers rounded, the `percent` columns (0–1
    shares) as "87.5 %", missing values as "—", dates as YYYY-MM, booleans left as they are."""

    def text(value: Any, column: str) -> Any:
        if isinstance(value, bool | np.bool_):
            return bool(value)
        if isinstance(value, datetime.date):
            return value.strftime("%Y-%m")
        if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
            return missing
        if isinstance(value, int | np.integer):
            return str(value)
        if isinstance(value, float | np.floating):
            return f"{value * 100:.{decimals}f} %" if column in percent else f"{value:.{decimals}f}"
        return str(value)

    return pd.DataFrame({column: [text(v, column) for v in frame[column]] for column in frame.columns}, dtype=object)
