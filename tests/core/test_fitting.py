"""Fits against data generated from known laws."""

import numpy as np
import pytest
from scipy import stats

from thermo_utils.core.fitting import bootstrap_ci, compare_polynomial_degrees, power_law_fit, spearman_with_ci


def test_power_law_recovers_exponent_and_covers_it():
    rng = np.random.default_rng(0)
    x = np.logspace(-3, -1, 12)
    y = 4.0 * x**1.7 * np.exp(rng.normal(0, 0.05, x.size))
    fit = power_law_fit(x, y)
    assert fit.exponent_ci[0] < 1.7 < fit.exponent_ci[1]
    assert fit.prefactor == pytest.approx(4.0, rel=0.3)
    assert fit(x) == pytest.approx(fit.prefactor * x**fit.exponent)
    exact = power_law_fit(x, 2 * x**2)
    assert exact.exponent == pytest.approx(2.0) and exact.r2 == pytest.approx(1.0)


@pytest.mark.parametrize("x, y, message", [([1, 2], [1, 2], "at least 3"), ([1, 2, -3], [1, 2, 3], "positive")])
def test_power_law_refuses_bad_input(x, y, message):
    with pytest.raises(ValueError, match=message):
        power_law_fit(x, y)


def test_quadratic_term_detected_only_when_present():
    rng = np.random.default_rng(1)
    x = np.linspace(0, 1, 20)
    line = compare_polynomial_degrees(x, 1 + 2 * x + rng.normal(0, 0.01, 20))
    parabola = compare_polynomial_degrees(x, 1 + 2 * x + 3 * x**2 + rng.normal(0, 0.01, 20))
    assert line.p_value > 0.01 and parabola.p_value < 1e-6


def test_spearman_interval_is_the_bootstrap_of_scipys_spearman_with_the_same_draws():
    x = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0])  # ties, and resamples with constant x
    y = np.array([2.0, 7.0, 1.0, 8.0, 2.0, 8.0, 1.0, 8.0, 2.0, 8.0])
    rho, ci = spearman_with_ci(x, y, rng=np.random.default_rng(4), n_boot=500)
    expected = bootstrap_ci(lambda a, b: stats.spearmanr(a, b).statistic, x, y, n_boot=500,
                            rng=np.random.default_rng(4))
    assert rho == pytest.approx(stats.spearmanr(x, y).statistic)
    assert ci == pytest.approx(expected, abs=1e-12)


def test_spearman_without_a_finite_resample_has_no_interval():
    rho, (lo, hi) = spearman_with_ci([1.0, np.nan], [2.0, 3.0], rng=np.random.default_rng(0), n_boot=50)
    assert np.isnan(rho) and np.isnan(lo) and np.isnan(hi)


def test_rank_correlation_interval():
    rng = np.random.default_rng(2)
    x = np.arange(40.0)
    rho, (lo, hi) = spearman_with_ci(x, x + rng.normal(0, 5, 40), rng=rng, n_boot=300)
    assert 0.8 < rho <= 1 and lo <= rho <= hi
    lo, hi = bootstrap_ci(np.mean, rng.normal(3.0, 1.0, 400), n_boot=300, rng=rng)
    assert lo < 3.0 < hi
