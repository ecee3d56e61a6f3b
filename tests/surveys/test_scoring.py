"""The calculation method: pure functions, checked on many generated inputs."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys import scoring

scores_0_100 = st.floats(min_value=0, max_value=100, allow_nan=False)
weights = st.floats(min_value=0.01, max_value=10, allow_nan=False)


@pytest.mark.parametrize(
    ("score", "scale_min", "scale_max", "expected"),
    [(1, 1, 5, 0), (5, 1, 5, 100), (4, 1, 5, 75), (4, 1, 7, 50), (10, 1, 10, 100), (0, 0, 10, 0), (7, 0, 10, 70)],
)
def test_normalise_puts_every_scale_on_0_to_100(score, scale_min, scale_max, expected):
    assert scoring.normalise(score, scale_min=scale_min, scale_max=scale_max) == pytest.approx(expected)


def test_normalise_refuses_a_score_outside_its_scale():
    with pytest.raises(ValueError):
        scoring.normalise(6, scale_min=1, scale_max=5)


@given(st.lists(st.tuples(st.sampled_from("abc"), scores_0_100), min_size=1))
def test_dimension_means_lie_between_the_dimensions_lowest_and_highest_score(pairs):
    means = scoring.dimension_means(pairs)

    assert set(means) == {d for d, _ in pairs}
    for dimension, mean in means.items():
        values = [s for d, s in pairs if d == dimension]
        assert min(values) - 1e-9 <= mean <= max(values) + 1e-9


@given(st.lists(scores_0_100, min_size=1), st.floats(min_value=0, max_value=100))
def test_satisfaction_rate_is_the_share_at_or_above_the_threshold(scores, threshold):
    rate = scoring.satisfaction_rate(scores, threshold=threshold)

    assert 0 <= rate <= 1
    assert rate * len(scores) == pytest.approx(sum(s >= threshold for s in scores))


def test_satisfaction_rate_counts_a_score_exactly_at_the_threshold_as_satisfied():
    assert scoring.satisfaction_rate([75, 74.9, 100, 0], threshold=75) == 0.5
    assert scoring.satisfaction_rate([]) is None


@given(st.dictionaries(st.sampled_from("abcdef"), scores_0_100, min_size=1), st.data())
def test_csi_is_a_weighted_mean_within_the_dimension_scores(means, data):
    weight_map = {d: data.draw(weights) for d in means}

    index = scoring.csi(means, weight_map)

    assert min(means.values()) - 1e-6 <= index <= max(means.values()) + 1e-6
    assert 0 <= index <= 100 + 1e-9


@given(st.dictionaries(st.sampled_from("abcdef"), scores_0_100, min_size=1), weights)
def test_csi_with_equal_weights_is_the_plain_mean(means, weight):
    assert scoring.csi(means, {d: weight for d in means}) == pytest.approx(sum(means.values()) / len(means))


def test_csi_gives_more_say_to_heavier_dimensions():
    assert scoring.csi({"quality": 100, "price": 0}, {"quality": 3, "price": 1}) == pytest.approx(75)
    assert scoring.csi({}, {}) is None


@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1))
def test_nps_is_promoters_minus_detractors_in_percent(answers):
    value = scoring.nps(answers)

    assert -100 <= value <= 100
    promoters = sum(a >= 9 for a in answers)
    detractors = sum(a <= 6 for a in answers)
    assert value == pytest.approx((promoters - detractors) * 100 / len(answers))


def test_nps_passives_count_in_the_total_only():
    assert scoring.nps([10, 9, 8, 7, 0]) == pytest.approx(20)
    assert scoring.nps([]) is None
    assert scoring.is_detractor(6) and not scoring.is_detractor(7) and not scoring.is_detractor(None)


@given(st.dictionaries(st.sampled_from("abc"), scores_0_100), st.dictionaries(st.sampled_from("abc"), scores_0_100))
def test_gap_is_performance_minus_importance_for_dimensions_with_both(performance, importance):
    result = scoring.gaps(performance, importance)

    assert set(result) == set(performance) & set(importance)
    for dimension, gap in result.items():
        assert gap == performance[dimension] - importance[dimension]


# -- sample size -----------------------------------------------------------------------------------


def test_sample_size_matches_the_textbook_values():
    # Cochran with p = 0.5: 385 for an infinite population at 95% ± 5%; 278 of 1,000; 80 of 100.
    assert scoring.sample_size(population=10**9, margin=0.05, confidence=0.95) == 385
    assert scoring.sample_size(population=1000, margin=0.05, confidence=0.95) == 278
    assert scoring.sample_size(population=100, margin=0.05, confidence=0.95) == 80
    assert scoring.sample_size(population=0, margin=0.05, confidence=0.95) == 0


@given(st.integers(min_value=1, max_value=10**6), st.floats(min_value=0.01, max_value=0.2))
def test_sample_size_never_exceeds_the_population_and_grows_with_confidence(population, margin):
    at_90 = scoring.sample_size(population=population, margin=margin, confidence=0.90)
    at_99 = scoring.sample_size(population=population, margin=margin, confidence=0.99)

    assert 1 <= at_90 <= at_99 <= population


@given(st.dictionaries(st.text(max_size=3), st.integers(min_value=0, max_value=500), min_size=1), st.integers(0, 2000))
def test_allocation_sums_to_the_sample_and_respects_stratum_sizes(sizes, total):
    parts = scoring.allocate(sizes, total)

    assert sum(parts.values()) == min(total, sum(sizes.values()))
    for key, part in parts.items():
        assert 0 <= part <= sizes[key]
        exact = min(total, sum(sizes.values())) * sizes[key] / max(1, sum(sizes.values()))
        assert math.floor(exact) <= part <= math.ceil(exact)


@given(st.sets(st.integers(1, 10**6), max_size=300), st.integers(0, 400), st.integers())
def test_the_same_seed_draws_the_same_sample_whatever_the_input_order(ids, size, seed):
    ids = list(ids)
    first = scoring.draw_sample(ids, size=size, seed=seed)
    second = scoring.draw_sample(list(reversed(ids)), size=size, seed=seed)

    assert first == second
    assert len(first) == min(size, len(ids)) and set(first) <= set(ids)


def test_a_different_seed_draws_a_different_sample():
    ids = list(range(1, 1001))

    assert scoring.draw_sample(ids, size=50, seed=1) != scoring.draw_sample(ids, size=50, seed=2)


def test_stratified_sampling_takes_each_stratum_in_proportion():
    ids = list(range(1, 1001))
    strata = {i: ("key" if i <= 100 else "general") for i in ids}

    sample = scoring.draw_sample(ids, size=200, seed=7, strata=strata)

    assert len(sample) == 200
    assert sum(1 for i in sample if strata[i] == "key") == 20
    assert sample == scoring.draw_sample(ids, size=200, seed=7, strata=strata)
