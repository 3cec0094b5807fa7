"""The free-energy temperature estimator: exact intervals against brute force, a Gibbs family of known T."""

import numpy as np
import pytest

from thermo_utils.core import entropy
from thermo_utils.core import free_energy_temperature as fet


def test_intervals_match_a_brute_force_scan():
    rng = np.random.default_rng(0)
    for trial in range(5):
        S = np.sort(rng.normal(size=12))
        U = np.cumsum(rng.random(12)) * (1 + trial) + rng.normal(scale=0.3, size=12)
        for eps in (0.0, 0.2):
            low, high = fet.minimiser_intervals(U, S, eps)
            grid = np.linspace(0, 20, 40001)
            F = U[None, :] - grid[:, None] * S[None, :]
            ok = F <= F.min(axis=1, keepdims=True) + eps + 1e-12
            for i in range(12):
                hits = grid[ok[:, i]]
                if len(hits) == 0:
                    assert np.isnan(low[i]) or low[i] > 20
                else:
                    assert low[i] == pytest.approx(hits.min(), abs=1e-3)
                    if hits.max() < 20:
                        assert high[i] == pytest.approx(hits.max(), abs=1e-3)


def test_recovers_the_temperature_of_a_gibbs_family():
    """vMF laws exp(κ x₁) on S⁴ are Gibbs laws of L = 1 − x₁ at T = 1/κ, so dU/dS = T exactly."""
    T = np.geomspace(0.01, 0.5, 25)
    U = 1 - entropy.vmf_mean_cosine(1 / T, 5)
    S = entropy.vmf_entropy(1 / T, 5)
    est = fet.estimate_temperature(T, U, S, half_width=0.0)
    ratio = est.point / T
    assert np.all(est.on_hull)
    assert np.nanmax(np.abs(ratio - 1)) < 0.01 and np.isnan(ratio[0]) and np.isnan(ratio[-1])
    fit = est.power_law()
    assert fit.exponent == pytest.approx(1.0, abs=0.01)
    for i in range(1, 24):  # the free energy at T_i is lowest at rate i
        assert np.argmin(U - est.point[i] * S) == i


def test_smoothing():
    etas = np.geomspace(1e-3, 1, 31)
    assert np.allclose(fet.smooth_across_rates(etas, np.full(31, 2.0)), 2.0)
    line = 3 * np.log(etas) + 1
    smoothed = fet.smooth_across_rates(etas, line, 0.3)
    assert np.allclose(smoothed[3:-3], line[3:-3])  # symmetric kernel on a uniform log grid keeps lines
    assert np.array_equal(fet.smooth_across_rates(etas, line, 0.0), line)


def test_bad_input():
    with pytest.raises(ValueError, match="increasing"):
        fet.estimate_temperature([0.1, 0.05, 0.2], [1, 2, 3], [1, 2, 3])
    with pytest.raises(ValueError, match="finite"):
        fet.estimate_temperature([0.1, 0.2, 0.3], [1, np.nan, 3], [1, 2, 3])
    with pytest.raises(ValueError, match="match"):
        fet.estimate_temperature([0.1, 0.2, 0.3], [1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="eps"):
        fet.minimiser_intervals([1, 2], [1, 2], eps=-1)
