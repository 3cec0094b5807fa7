"""The paired t interval against scipy's paired t-test."""

import math

import numpy as np
import pytest
from scipy import stats

from thermo_utils.chapters.signnet_basisnet.stats import paired_interval


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
