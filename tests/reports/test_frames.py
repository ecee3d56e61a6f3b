"""reports.frames against small data sets computed by hand; the arithmetic is in the comments."""

import datetime
import math
import random

import pandas as pd
import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from reports import frames, key_drivers

D = datetime.date


# -- monthly trend ---------------------------------------------------------------------------------


def test_monthly_trend_of_no_rows_is_an_empty_frame_with_its_columns():
    frame = frames.monthly_trend([])
    assert frame.empty
    assert list(frame.columns) == frames.TREND_COLUMNS


def test_monthly_trend_of_one_row_is_one_month():
    frame = frames.monthly_trend([{"month": D(2026, 3, 1), "csi": 82.5, "satisfaction_rate": 0.9, "n": 40}])
    assert frame.to_dict("records") == [
        {"month": D(2026, 3, 1), "csi": 82.5, "satisfaction_rate": 0.9, "n": 40, "small_sample": False}
    ]


def test_monthly_trend_fills_months_without_data_as_gaps():
    frame = frames.monthly_trend(
        [
            {"month": "2026-01", "csi": 80, "satisfaction_rate": 0.8, "n": 40},
            {"month": "2026-03-15", "csi": 70, "satisfaction_rate": 0.5, "n": 4},
        ]
    )
    assert list(frame["month"]) == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]
    assert list(frame["n"]) == [40, 0, 4]
    assert math.isnan(frame.loc[1, "csi"]) and math.isnan(frame.loc[1, "satisfaction_rate"])
    # 4 answers in March and none in February: below SMALL_SAMPLE_N (30).
    assert list(frame["small_sample"]) == [False, True, True]


def test_monthly_trend_combines_two_rows_of_a_month_weighted_by_answers():
    frame = frames.monthly_trend(
        [
            {"month": "2026-05", "csi": 80, "satisfaction_rate": 0.9, "n": 30},
            {"month": "2026-05", "csi": 60, "satisfaction_rate": 0.5, "n": 10},
        ]
    )
    # csi (80·30 + 60·10) / 40 = 3000 / 40 = 75; rate (0.9·30 + 0.5·10) / 40 = 32 / 40 = 0.8
    assert frame.loc[0, "csi"] == pytest.approx(75)
    assert frame.loc[0, "satisfaction_rate"] == pytest.approx(0.8)
    assert frame.loc[0, "n"] == 40


def test_monthly_trend_keeps_the_last_24_months_of_a_longer_range():
    frame = frames.monthly_trend([], first=D(2024, 1, 1), last=D(2026, 6, 30))
    # 2024-01 .. 2026-06 is 30 months; the last 24 start at 2024-07.
    assert len(frame) == 24
    assert frame.iloc[0]["month"] == D(2024, 7, 1) and frame.iloc[-1]["month"] == D(2026, 6, 1)
    assert (frame["n"] == 0).all()


def test_monthly_trend_drops_rows_outside_the_range_and_ignores_bad_values():
    frame = frames.monthly_trend(
        [
            {"month": "2025-12", "csi": 10, "n": 5},
            {"month": "2026-01", "csi": "n/a", "satisfaction_rate": None, "n": -3},
            {"month": None, "csi": 50, "n": 1},
        ],
        first=D(2026, 1, 1),
        last=D(2026, 1, 31),
    )
    assert len(frame) == 1 and frame.loc[0, "n"] == 0 and math.isnan(frame.loc[0, "csi"])


# -- by dimension, by segment ----------------------------------------------------------------------


def test_by_dimension_computes_the_gap_and_keeps_a_dimension_without_answers():
    frame = frames.by_dimension(
        [
            {"dimension": "Delivery", "mean": 65, "n": 40, "importance": 85},
            {"dimension": "Price", "mean": 70, "n": 12},
            {"dimension": "Service", "mean": None, "n": 0, "importance": 70},
        ]
    )
    assert list(frame["dimension"]) == ["Delivery", "Price", "Service"]
    assert frame.loc[0, "gap"] == -20  # 65 − 85
    assert math.isnan(frame.loc[1, "gap"])  # no importance asked
    assert frame.loc[2, "n"] == 0 and math.isnan(frame.loc[2, "mean"])
    assert list(frame["small_sample"]) == [False, True, True]


def test_by_dimension_and_by_segment_of_no_rows_are_empty_frames():
    assert list(frames.by_dimension([]).columns) == frames.DIMENSION_COLUMNS
    assert list(frames.by_segment([]).columns) == frames.SEGMENT_COLUMNS


def test_by_segment_shows_no_figures_for_a_segment_with_no_answers():
    frame = frames.by_segment(
        [
            {"segment": "Key customers", "csi": 81, "satisfaction_rate": 0.85, "n": 33},
            {"segment": "Internal", "csi": 99, "satisfaction_rate": 1.0, "n": 0},
        ]
    )
    assert frame.loc[0, "csi"] == 81 and not frame.loc[0, "small_sample"]
    assert math.isnan(frame.loc[1, "csi"]) and frame.loc[1, "small_sample"]


# -- importance–performance quadrants --------------------------------------------------------------


def test_quadrants_split_at_the_means_of_importance_and_performance():
    frame = frames.quadrants(
        [
            {"dimension": "Quality", "importance": 90, "performance": 82},
            {"dimension": "Delivery", "importance": 85, "performance": 65},
            {"dimension": "Price", "importance": 60, "performance": 70},
            {"dimension": "After-sales", "importance": 55, "performance": 60},
        ]
    )
    # mean importance (90 + 85 + 60 + 55) / 4 = 72.5; mean performance (82 + 65 + 70 + 60) / 4 = 69.25
    assert frames.quadrant_split(frame) == (72.5, 69.25)
    assert dict(zip(frame["dimension"], frame["quadrant"])) == {
        "Quality": "keep",  # 90 ≥ 72.5, 82 ≥ 69.25
        "Delivery": "focus",  # 85 ≥ 72.5, 65 < 69.25
        "Price": "overkill",  # 60 < 72.5, 70 ≥ 69.25
        "After-sales": "low_priority",  # 55 < 72.5, 60 < 69.25
    }


def test_quadrant_labels_are_the_users_terms_in_the_active_language():
    rows = [
        {"dimension": "质量", "importance": 90, "performance": 60},
        {"dimension": "价格", "importance": 50, "performance": 80},
    ]
    with translation.override("zh-hans"):
        labels = list(frames.quadrants(rows)["quadrant_label"])
    assert labels == ["集中改进", "过度投入"]
    with translation.override("en"):
        assert list(frames.quadrants(rows)["quadrant_label"]) == ["Focus here", "Possible overkill"]
    with translation.override("zh-hans"):
        assert {str(label) for label in frames.QUADRANT_LABELS.values()} == {
            "集中改进",
            "继续保持",
            "低优先级",
            "过度投入",
        }


def test_quadrants_of_one_dimension_is_keep_it_up_and_incomplete_rows_are_left_out():
    frame = frames.quadrants(
        [{"dimension": "Quality", "importance": 70, "performance": 40}, {"dimension": "Price", "performance": 80}]
    )
    # One dimension is at the mean of both: "at or above the mean" is high, so keep.
    assert list(frame["quadrant"]) == ["keep"]
    assert list(frames.quadrants([]).columns) == frames.QUADRANT_COLUMNS
    assert frames.quadrant_split(frames.quadrants([])) != frames.quadrant_split(frame)


# -- key drivers -----------------------------------------------------------------------------------


def _responses(scores: list[dict[str, float]], overall: list[float]) -> list[dict]:
    return [
        {"response_id": index, "overall": overall[index], "dimension": dimension, "score": score}
        for index, row in enumerate(scores)
        for dimension, score in row.items()
    ]


def test_key_drivers_finds_the_dimension_that_determines_overall():
    rng = random.Random(7)
    scores = [{"Delivery": rng.uniform(0, 100), "Price": rng.uniform(0, 100)} for _ in range(60)]
    # overall is delivery exactly: coefficient 1, beta 1, all of the explained variance.
    result = key_drivers.key_drivers(_responses(scores, [row["Delivery"] for row in scores]))
    top = result.frame.iloc[0]
    assert top["dimension"] == "Delivery" and top["rank"] == 1
    assert top["coefficient"] == pytest.approx(1.0)
    assert top["beta"] == pytest.approx(1.0)
    assert top["relative_weight"] == pytest.approx(1.0, abs=0.01)
    assert result.frame.iloc[1]["coefficient"] == pytest.approx(0.0, abs=1e-9)
    assert result.r_squared == pytest.approx(1.0)
    assert result.frame["relative_weight"].sum() == pytest.approx(1.0)
    assert result.n == 60 and result.warnings == []
    assert top["reading"] == (
        "Delivery moves overall satisfaction most: one point more on Delivery goes with 1.00 points more overall."
    )


def test_key_driver_coefficients_of_two_uncorrelated_dimensions():
    # A and B take every pair of (20, 40, 60, 80) once, so they are uncorrelated; overall = 0.6 A + 0.4 B.
    levels = [20, 40, 60, 80]
    scores = [{"A": a, "B": b} for a in levels for b in levels] * 3
    result = key_drivers.key_drivers(_responses(scores, [0.6 * row["A"] + 0.4 * row["B"] for row in scores]))
    coefficients = dict(zip(result.frame["dimension"], result.frame["coefficient"]))
    assert coefficients == {"A": pytest.approx(0.6), "B": pytest.approx(0.4)}
    # Uncorrelated: relative weights are the squared betas over R² = 1: 0.6² / (0.6² + 0.4²) = 0.36 / 0.52.
    weights = dict(zip(result.frame["dimension"], result.frame["relative_weight"]))
    assert weights["A"] == pytest.approx(0.36 / 0.52)
    assert list(result.frame["vif"]) == [pytest.approx(1.0), pytest.approx(1.0)]
    with translation.override("zh-hans"):
        reading = key_drivers.key_drivers(_responses(scores, [0.6 * r["A"] + 0.4 * r["B"] for r in scores])).frame
    assert reading.iloc[1]["reading"] == "B：每高 1 分，总体满意度高 0.40 分。"


def test_key_drivers_warns_about_a_small_sample():
    rng = random.Random(3)
    scores = [{"Delivery": rng.uniform(0, 100), "Price": rng.uniform(0, 100)} for _ in range(12)]
    result = key_drivers.key_drivers(_responses(scores, [0.5 * r["Delivery"] + 0.5 * r["Price"] for r in scores]))
    # 12 responses, 2 dimensions: at least max(30, 10 · 2) = 30 are needed.
    assert len(result.frame) == 2
    assert result.warnings == ["Small sample: 12 responses for 2 dimensions (at least 30 needed); indicative only."]


def test_key_drivers_warns_about_collinear_dimensions():
    rng = random.Random(5)
    scores = []
    for _ in range(80):
        delivery = rng.uniform(0, 100)
        scores.append({"Delivery": delivery, "Speed": delivery + rng.uniform(-2, 2), "Price": rng.uniform(0, 100)})
    result = key_drivers.key_drivers(_responses(scores, [r["Delivery"] * 0.7 + r["Price"] * 0.3 for r in scores]))
    vif = dict(zip(result.frame["dimension"], result.frame["vif"]))
    assert vif["Delivery"] > 5 and vif["Speed"] > 5 and vif["Price"] < 5
    assert result.condition_number is not None and result.condition_number > 5
    collinearity = [warning for warning in result.warnings if "collinearity" in warning]
    assert len(collinearity) == 1
    assert "Delivery" in collinearity[0] and "Speed" in collinearity[0] and "Price" not in collinearity[0]


def test_key_drivers_of_no_rows_one_row_or_constant_overall_warn_instead_of_failing():
    empty = key_drivers.key_drivers([])
    assert empty.frame.empty and list(empty.frame.columns) == key_drivers.KEY_DRIVER_COLUMNS
    assert empty.warnings == ["Too few complete responses (0) to find key drivers."]
    one = key_drivers.key_drivers(_responses([{"Delivery": 80}], [75]))
    assert one.frame.empty and one.warnings == ["Too few complete responses (1) to find key drivers."]
    scores = [{"Delivery": value} for value in (20, 40, 60, 80)]
    flat = key_drivers.key_drivers(_responses(scores, [70, 70, 70, 70]))
    assert flat.frame.empty
    assert flat.warnings == ["Overall satisfaction is the same in every response: nothing to explain."]


def test_key_drivers_leaves_out_incomplete_responses_and_constant_dimensions():
    levels = [20, 40, 60, 80] * 10
    scores = [{"Delivery": value, "Price": 50} for value in levels]
    rows = _responses(scores, levels)
    rows.append({"response_id": 999, "overall": 10, "dimension": "Delivery", "score": 90})  # no Price
    result = key_drivers.key_drivers(rows)
    assert result.n == 40
    assert list(result.frame["dimension"]) == ["Delivery"]
    assert result.warnings[0] == "Left out because every response gave the same score: Price."


# -- NPS -------------------------------------------------------------------------------------------


def test_nps_breakdown_counts_and_shares():
    frame = frames.nps_breakdown(
        [{"score": 10, "n": 4}, {"score": 9, "n": 1}, {"score": 8, "n": 2}, {"score": 7, "n": 1}, {"score": 0, "n": 2}]
    )
    # promoters 4 + 1 = 5, passives 2 + 1 = 3, detractors 2; n 10; NPS (5 − 2) / 10 · 100 = 30
    row = frame.iloc[0].to_dict()
    assert (row["promoters"], row["passives"], row["detractors"], row["n"]) == (5, 3, 2, 10)
    assert (row["promoter_share"], row["passive_share"], row["detractor_share"]) == (0.5, 0.3, 0.2)
    assert row["nps"] == pytest.approx(30)
    assert row["segment"] == ""


def test_nps_breakdown_per_segment_ignores_scores_outside_the_scale():
    frame = frames.nps_breakdown(
        [
            {"segment": "Key", "score": 6, "n": 1},
            {"segment": "General", "score": 9, "n": 2},
            {"segment": "Key", "score": 11, "n": 5},
            {"segment": "Key", "score": None, "n": 5},
        ]
    )
    assert list(frame["segment"]) == ["Key", "General"]
    assert list(frame["nps"]) == [-100, 100]  # one detractor of one; two promoters of two
    assert frames.nps_breakdown([]).empty and list(frames.nps_breakdown([]).columns) == frames.NPS_COLUMNS


# -- Pareto ----------------------------------------------------------------------------------------


def test_pareto_sorts_by_count_and_cumulates_to_exactly_100_percent():
    frame = frames.pareto(
        [
            {"category": "Packaging", "count": 1},
            {"category": "Delivery", "count": 6},
            {"category": "Invoice", "count": 3},
            {"category": "Billing", "count": 3},
            {"category": "Unused", "count": 0},
        ]
    )
    # total 13; ties (3, 3) alphabetically: Billing before Invoice
    assert list(frame["category"]) == ["Delivery", "Billing", "Invoice", "Packaging"]
    assert list(frame["share"]) == pytest.approx([6 / 13, 3 / 13, 3 / 13, 1 / 13])
    assert list(frame["cumulative_share"]) == pytest.approx([6 / 13, 9 / 13, 12 / 13, 1.0])
    assert frame["share"].sum() == pytest.approx(1.0) and frame["cumulative_share"].iloc[-1] == 1.0
    # cumulative before each: 0, 0.46, 0.69, 0.92 — the first three start under 80 %
    assert list(frame["vital_few"]) == [True, True, True, False]


def test_pareto_groups_the_tail_as_other_and_handles_one_and_no_rows():
    frame = frames.pareto([{"category": c, "count": n} for c, n in (("a", 5), ("b", 3), ("c", 1), ("d", 1))], top=2)
    assert list(frame["category"]) == ["a", "b", "Other"] and list(frame["count"]) == [5, 3, 2]
    one = frames.pareto([{"category": "Delivery", "count": 4}])
    assert one.to_dict("records") == [
        {"category": "Delivery", "count": 4, "share": 1.0, "cumulative_share": 1.0, "vital_few": True}
    ]
    assert list(frames.pareto([]).columns) == frames.PARETO_COLUMNS


# -- SLA, time to resolve --------------------------------------------------------------------------


def test_sla_trend_per_month_with_gaps():
    frame = frames.sla_trend(
        [{"month": "2026-01", "on_time": 30, "total": 40}, {"month": "2026-03", "on_time": 12, "total": 10}],
        last=D(2026, 4, 1),
    )
    assert list(frame["total"]) == [40, 0, 10, 0]
    # 30 / 40 = 0.75; March's 12 on time is more than its 10 due: counted as 10 (100 %)
    assert frame.loc[0, "compliance"] == 0.75 and frame.loc[2, "compliance"] == 1.0
    assert math.isnan(frame.loc[1, "compliance"]) and math.isnan(frame.loc[3, "compliance"])
    assert list(frames.sla_trend([]).columns) == frames.SLA_COLUMNS


def test_resolve_time_distribution_bins_hours_lower_bound_included():
    frame = frames.resolve_time_distribution(
        [{"hours": 3.9}, {"hours": 4, "n": 3}, {"hours": 30, "n": 2}, {"hours": 500}, {"hours": -1}, {"hours": None}]
    )
    # [0,4): 1; [4,8): 3; [24,72): 2; [336,∞): 1; total 7; negative and missing ignored
    assert list(frame["count"]) == [1, 3, 0, 2, 0, 0, 1]
    assert frame["share"].sum() == pytest.approx(1.0)
    assert list(frame["bin"]) == ["0–4 h", "4–8 h", "8–24 h", "1–3 d", "3–7 d", "7–14 d", "over 14 d"]
    with translation.override("zh-hans"):
        assert frames.resolve_time_distribution([{"hours": 1}])["bin"].iloc[-1] == "14 天以上"
    assert list(frames.resolve_time_distribution([]).columns) == frames.RESOLVE_COLUMNS


# -- benchmark comparison --------------------------------------------------------------------------


def test_benchmark_comparison_puts_ours_first_with_the_difference():
    frame = frames.benchmark_comparison(
        [
            {"dimension": "Quality", "entry": "Rival", "kind": "competitor", "score": 75},
            {"dimension": "Quality", "entry": "Us", "kind": "ours", "score": 80},
            {"dimension": "Quality", "entry": "Best in class", "kind": "benchmark", "score": 88},
            {"dimension": "Price", "entry": "Rival", "kind": "competitor", "score": 70},
            {"dimension": "Price", "entry": "Someone", "kind": "rumour", "score": 10},
        ]
    )
    assert list(zip(frame["dimension"], frame["entry"])) == [
        ("Quality", "Us"),
        ("Quality", "Rival"),
        ("Quality", "Best in class"),
        ("Price", "Rival"),
    ]
    # 80 − 80 = 0, 80 − 75 = 5, 80 − 88 = −8; no score of ours for Price
    assert list(frame["difference"][:3]) == [0, 5, -8]
    assert math.isnan(frame["difference"].iloc[3])
    assert list(frames.benchmark_comparison([]).columns) == frames.BENCHMARK_COLUMNS


# -- display ---------------------------------------------------------------------------------------


def test_for_display_shows_no_nan_to_a_reader():
    trend = frames.monthly_trend(
        [{"month": "2026-01", "csi": 80, "satisfaction_rate": 0.875, "n": 40}], last=D(2026, 2, 1)
    )
    table = frames.for_display(trend, percent=["satisfaction_rate"])
    assert table.to_dict("records") == [
        {"month": "2026-01", "csi": "80.0", "satisfaction_rate": "87.5 %", "n": "40", "small_sample": False},
        {"month": "2026-02", "csi": "—", "satisfaction_rate": "—", "n": "0", "small_sample": True},
    ]
    shown = frames.for_display(frames.resolve_time_distribution([{"hours": 1}])).to_string()
    assert "nan" not in shown.lower() and "inf" not in shown.lower()


# -- whatever the rows --------------------------------------------------------------------------------

junk = st.one_of(st.none(), st.integers(-5, 200), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=3))
labels = st.sampled_from(["质量", "交付", "价格", "Service", ""])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({"category": labels, "count": junk}), max_size=12), st.none() | st.integers(0, 5))
def test_pareto_of_any_rows_never_raises_and_shares_sum_to_one(rows, top):
    frame = frames.pareto(rows, top=top)
    if len(frame):
        assert frame["share"].sum() == pytest.approx(1.0)
        assert frame["cumulative_share"].iloc[-1] == 1.0
        assert frame["cumulative_share"].is_monotonic_increasing


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({"score": junk, "n": junk, "segment": labels}), max_size=15))
def test_nps_breakdown_of_any_rows_never_raises_and_shares_sum_to_one(rows):
    frame = frames.nps_breakdown(rows)
    shares = frame[["detractor_share", "passive_share", "promoter_share"]].sum(axis=1)
    assert all(total == pytest.approx(1.0) for total in shares)
    assert frame["nps"].between(-100, 100).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({"hours": junk, "n": junk}), max_size=15))
def test_resolve_time_distribution_of_any_rows_never_raises(rows):
    frame = frames.resolve_time_distribution(rows)
    assert frame.empty or frame["share"].sum() == pytest.approx(1.0)


months = st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {"month": months, "csi": junk, "satisfaction_rate": junk, "n": junk, "on_time": junk, "total": junk}
        ),
        max_size=10,
    )
)
def test_monthly_frames_of_any_rows_never_raise_and_stay_within_24_months(rows):
    for frame in (frames.monthly_trend(rows), frames.sla_trend(rows)):
        assert len(frame) <= frames.TREND_MONTHS_MAX
        assert frame.empty == (not rows)
    trend = frames.monthly_trend(rows)
    assert (trend["n"] >= 0).all()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries({"dimension": labels, "importance": junk, "performance": junk, "mean": junk, "n": junk}),
        max_size=8,
    )
)
def test_dimension_frames_of_any_rows_never_raise(rows):
    frames.by_dimension(rows)
    quadrants = frames.quadrants(rows)
    assert set(quadrants["quadrant"]) <= set(frames.QUADRANTS)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries({"response_id": st.integers(0, 15), "overall": junk, "dimension": labels, "score": junk}),
        max_size=40,
    )
)
def test_key_drivers_of_any_rows_never_raises(rows):
    result = key_drivers.key_drivers(rows)
    assert isinstance(result.frame, pd.DataFrame)
    if len(result.frame):
        assert (
            result.frame["relative_weight"].sum() == pytest.approx(1.0, abs=1e-6)
            or result.frame["relative_weight"].sum() == 0
        )
        assert "nan" not in " ".join(result.frame["reading"]).lower()
    else:
        assert result.warnings
