"""The documented calculation method (满意度 / 满意率 / 顾客满意指数 CSI / NPS), as pure functions.

Every score is first put on one 0–100 scale, so that 1–5, 1–7 and 1–10 questions can be combined:
    normalised = (score − scale minimum) / (scale maximum − scale minimum) × 100
- dimension mean (维度得分): the mean of the normalised scores of the dimension's questions;
- satisfaction rate (满意率): the share of scores at or above the threshold (default 75, a 4 of 5);
- satisfaction index (CSI, 顾客满意指数): Σ(weight × dimension mean) / Σ(weight) over the
  dimensions that have scores, 0–100;
- NPS: % promoters (9–10) − % detractors (0–6) of the 0–10 recommendation question, −100..100;
- gap (差距): performance − importance per dimension, both normalised; negative means the
  dimension matters more than it is delivered, the first place to improve.
The methodology page prints this docstring's rules from the actual configuration.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence

PROMOTER_MIN = 9
DETRACTOR_MAX = 6


def normalise(score: float, *, scale_min: int, scale_max: int) -> float:
    """A raw score on its scale as 0–100."""
    if scale_max <= scale_min:
        raise ValueError("scale_max must be above scale_min")
    if not scale_min <= score <= scale_max:
        raise ValueError("score outside its scale")
    return (score - scale_min) / (scale_max - scale_min) * 100


def dimension_means(scores: Iterable[tuple[Hashable, float]]) -> dict[Hashable, float]:
    """{dimension: mean} from (dimension, normalised score) pairs."""
    grouped: dict[Hashable, list[float]] = defaultdict(list)
    for dimension, score in scores:
        grouped[dimension].append(score)
    return {dimension: statistics.fmean(values) for dimension, values in grouped.items()}


def satisfaction_rate(scores: Sequence[float], *, threshold: float = 75) -> float | None:
    """Share (0–1) of normalised scores at or above `threshold`; None without scores."""
    if not scores:
        return None
    return sum(1 for s in scores if s >= threshold) / len(scores)


def csi(means: Mapping[Hashable, float], weights: Mapping[Hashable, float]) -> float | None:
    """The weighted satisfaction index, 0–100, over the dimensions present in `means`.

    A dimension without a weight counts with weight 1; None when no dimension has a score."""
    total_weight = 0.0
    total = 0.0
    for dimension, mean in means.items():
        weight = float(weights.get(dimension, 1))
        if weight <= 0:
            raise ValueError("weights must be positive")
        total += weight * mean
        total_weight += weight
    if total_weight == 0:
        return None
    return total / total_weight


def nps(scores: Sequence[int]) -> float | None:
    """Net Promoter Score (−100..100) of 0–10 answers; None without answers."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= PROMOTER_MIN)
    detractors = sum(1 for s in scores if s <= DETRACTOR_MAX)
    return (promoters - detractors) / len(scores) * 100


def is_detractor(score: int | None) -> bool:
    return score is not None and score <= DETRACTOR_MAX


def gaps(performance: Mapping[Hashable, float], importance: Mapping[Hashable, float]) -> dict[Hashable, float]:
    """{dimension: performance − importance} for dimensions with both (importance-performance analysis)."""
    return {d: performance[d] - importance[d] for d in performance.keys() & importance.keys()}


# -- sample size and sampling ------------------------------------------------------------------------


def z_score(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    return statistics.NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def sample_size(*, population: int, margin: float, confidence: float, proportion: float = 0.5) -> int:
    """Cochran's sample size for a proportion, with the finite population correction:
    n0 = z² p (1 − p) / e²,  n = n0 / (1 + (n0 − 1) / N), rounded up, at most N.
    p = 0.5 is the most cautious assumption (largest n)."""
    if population <= 0:
        return 0
    if not 0 < margin < 1:
        raise ValueError("margin must be between 0 and 1")
    z = z_score(confidence)
    n0 = z * z * proportion * (1 - proportion) / (margin * margin)
    n = n0 / (1 + (n0 - 1) / population)
    return min(population, math.ceil(n - 1e-9))


def allocate(stratum_sizes: Mapping[Hashable, int], total: int) -> dict[Hashable, int]:
    """Proportional allocation of `total` over strata by the largest-remainder method: the parts sum
    to min(total, population) and no stratum gets more than it has. Ties break by stratum order."""
    population = sum(stratum_sizes.values())
    total = min(total, population)
    if population == 0:
        return {key: 0 for key in stratum_sizes}
    exact = {key: total * size / population for key, size in stratum_sizes.items()}
    parts = {key: math.floor(value) for key, value in exact.items()}
    remaining = total - sum(parts.values())
    order = sorted(stratum_sizes, key=lambda key: (-(exact[key] - parts[key]), list(stratum_sizes).index(key)))
    for key in order[:remaining]:
        parts[key] += 1
    return parts


def draw_sample(
    population: Sequence[int],
    *,
    size: int,
    seed: int,
    strata: Mapping[int, Hashable] | None = None,
) -> list[int]:
    """A reproducible simple (or stratified) random sample of ids, sorted.

    The same ids, size, seed and strata always give the same sample, whatever order the ids arrive
    in: they are sorted first. With `strata` ({id: stratum}), each stratum is sampled on its own with
    a proportional share of `size`."""
    ids = sorted(set(population))
    size = max(0, min(size, len(ids)))
    if strata is None:
        return sorted(random.Random(seed).sample(ids, size))
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for item in ids:
        groups[strata.get(item)].append(item)
    keys = sorted(groups, key=str)
    shares = allocate({key: len(groups[key]) for key in keys}, size)
    chosen: list[int] = []
    for index, key in enumerate(keys):
        chosen.extend(random.Random(f"{seed}:{index}:{key}").sample(groups[key], shares[key]))
    return sorted(chosen)
