"""The paired t interval against scipy's paired t-test; the seeds needed to resolve it against that interval."""

import math

import numpy as np
import pytest
from scipy import stats

from thermo_utils.chapters.signnet_basisnet.stats import SEEDS_CAP, paired_interval, seeds_text, seeds_to_resolve


@pytest.mark.parametrize("seed", range(5))
def test_interval_excludes_zero_exactly_when_the_paired_test_rejects(seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=5)
    b = a - rng.normal(0.6, 1.0, size=5)
    interval = paired_interval(a, b)
    p = stats.ttest_rel(a, b).pvalue
    assert (interval["low"] > 0 or interval["high"] < 0) == (p < 0.05)
    assert interval["mean"] == pytest.approx(float(np.mean(a - b)))


def test_one_pair_has_no_interval():
    out = paired_interval([1.0], [0.5])
    assert out["mean"] == 0.5 and math.isnan(out["low"]) and math.isnan(out["high"])
    with pytest.raises(ValueError):
        paired_interval([], [])


def _sample(n: int, mean: float, sd: float) -> np.ndarray:
    """n numbers with exactly this mean and standard deviation (ddof=1)."""
    z = np.random.default_rng(n).normal(size=n)
    return mean + sd * (z - z.mean()) / z.std(ddof=1)


@pytest.mark.parametrize("mean, sd, boundary", [(0.03, 0.03, 0.0), (-0.73, 1.39, -0.5), (-1.2, 1.39, -0.5),
                                                 (0.5, 0.1, 0.0)])
def test_seeds_to_resolve_is_where_the_interval_first_clears_the_boundary(mean, sd, boundary):
    n = seeds_to_resolve(_sample(5, mean, sd), boundary)

    def clears(k):
        interval = paired_interval(_sample(k, mean, sd), np.zeros(k))
        return not interval["low"] <= boundary <= interval["high"]

    assert clears(n)
    assert n == 2 or not clears(n - 1)


def test_seeds_to_resolve_without_a_distance_or_beyond_the_cap():
    assert seeds_to_resolve([0.1, -0.1, 0.3, -0.3], 0.0) is None
    assert seeds_to_resolve([1e-3, -1.0, 1.0], 0.0, most=50) is None
    assert seeds_to_resolve([0.2, 0.2, 0.2], 0.0) == 2  # no spread: the smallest interval already clears
    assert seeds_to_resolve([0.1], 0.0) is None  # one seed has no spread to plan from
    with pytest.raises(ValueError):
        seeds_to_resolve([[0.1, 0.2]], 0.0)


def test_seeds_text_names_the_cap_when_there_is_no_figure():
    assert seeds_text(143) == "143" and seeds_text(12345) == "12,345"
    assert f"{SEEDS_CAP:,}" in seeds_text(None)
